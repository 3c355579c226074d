"""Reporting: figures, never a case record to work on (docs/architecture.md).

The management information of an office or a probation area (`management_information`, drawn
as `charts`; docs/management-information.md), each waiting man's expected start and an
office's capacity (`forecast`, docs/forecasting.md). It only reads; casework and the documents
show a man's expected start from `forecast`.
"""
