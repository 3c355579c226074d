"""Documents: everything the programme prints or sends (docs/architecture.md).

The offender's information letter and a group's reminder letters (`letters`,
`session_reminders`), the attendance record and the registers (`attendance`), the court
bundle (`court_bundle`), the PDFs of the end-of-programme report, the handover and the warning
letter, and a group's bulk print (`services`, its one write, run by the queue's worker). Their
PDF templates are in templates/reports/, beside the shared layout.
"""
