"""Auditing: a subject access request, everything held about one man in one download, for
an auditor (`subject_access`, docs/security.md).

The consultation log the auditor reads beside it stays in `referrals/audit.py`: it needs
nothing of the programme, and its pages are named in the `audit:` and `referrals:` namespaces.
"""
