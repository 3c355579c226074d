"""Casework: the pages people work from, read across both apps (docs/architecture.md).

Each role's start page and what is due today (`today`), the caseload and what is due for each
man (`caseload`), the offender's overview and timeline (`overview`, `timeline`), the waiting
list, the offender manager's actions, the facilitator's groups, and the header's navigation.
It reads; what it changes, it changes through `programme.services`.
"""
