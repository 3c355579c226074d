"""The documents' pages and downloads, in the `programme:` namespace (programme/urls.py
includes them)."""

from django.urls import path

from programme.documents.views import bulk_print, letters, reports

urlpatterns = [
    # What the offender is given, in the format he needs
    path(
        "offenders/<int:pk>/information-letter.pdf",
        letters.information_letter_pdf,
        name="information_letter_pdf",
    ),
    path(
        "offenders/<int:pk>/information-letter.txt",
        letters.information_letter_text,
        name="information_letter_text",
    ),
    path("groups/<int:pk>/reminders.pdf", letters.group_reminders_pdf, name="group_reminders_pdf"),
    path(
        "groups/<int:pk>/reminders.txt", letters.group_reminders_text, name="group_reminders_text"
    ),
    # PDFs
    path(
        "placements/<int:pk>/attendance.pdf",
        reports.attendance_record_pdf,
        name="attendance_record_pdf",
    ),
    path("my-groups/registers.pdf", reports.week_registers_pdf, name="week_registers_pdf"),
    path("groups/<int:pk>/register.pdf", reports.group_register_pdf, name="group_register_pdf"),
    path("enforcement/<int:pk>/letter.pdf", reports.warning_letter_pdf, name="warning_letter_pdf"),
    path("referrals/<int:pk>/court-bundle.pdf", reports.court_bundle_pdf, name="court_bundle_pdf"),
    path("reports/<int:pk>/report.pdf", reports.report_pdf, name="report_pdf"),
    path("handovers/<int:pk>/record.pdf", reports.handover_pdf, name="handover_pdf"),
    # Every member's attendance record at once, printed in the background
    path(
        "groups/<int:pk>/attendance-records/",
        bulk_print.bulk_print_start,
        name="bulk_print_start",
    ),
    path("bulk-prints/<int:pk>/", bulk_print.bulk_print_progress, name="bulk_print"),
    path(
        "bulk-prints/<int:pk>/attendance-records.zip",
        bulk_print.bulk_print_download,
        name="bulk_print_download",
    ),
]
