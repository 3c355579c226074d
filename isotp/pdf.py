"""PDF reports: render a Django template that extends reports/base.html to a tagged PDF.

WeasyPrint fetches nothing but our own static files: the fetcher below refuses every other
URL, so a report can never reach the network or read arbitrary files on the server.
"""

import mimetypes
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import staticfiles_storage
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.http import content_disposition_header
from weasyprint import HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import FatalURLFetchingError, URLFetcher, URLFetcherResponse

# A fixed, never-resolvable origin (RFC 6761 reserves .invalid): relative URLs such as
# /static/reports/report.css resolve against it and then go through the fetcher.
BASE_URL = "https://isotp.invalid/"

# PDF/UA-1 implies pdf_tags=True and PDF 1.7; it works with WeasyPrint 70 for this layout.
PDF_VARIANT = "pdf/ua-1"

# Building a FontConfiguration scans the system fonts; one per process is enough because
# the reports declare no @font-face rules that would add to it.
_FONT_CONFIG = FontConfiguration()


class PdfResourceError(RuntimeError):
    """A report asked for a resource that is not one of our static files."""


class StaticFilesOnlyFetcher(URLFetcher):
    """Serve /static/... from the staticfiles finders (or the collected files); refuse the rest.

    fail_on_errors makes a refused or missing resource stop the render: a report silently
    rendered without its stylesheet would also lose its OFFICIAL-SENSITIVE marking.
    """

    def __init__(self) -> None:
        super().__init__(fail_on_errors=True)

    def fetch(self, url: str, headers: dict[str, str] | None = None) -> URLFetcherResponse:
        path = static_path_for(url)
        if path is None:
            raise PdfResourceError(f"Reports may only load static files, not {url!r}.")
        content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        # Read eagerly: the files are small and no file handle outlives the call.
        return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": content_type})


def static_path_for(url: str) -> Path | None:
    """The file behind a static URL, or None when the URL is not one of our static files."""
    static_prefix = urljoin(BASE_URL, settings.STATIC_URL)
    parts = urlsplit(url)
    prefix_parts = urlsplit(static_prefix)
    if (parts.scheme, parts.netloc) != (prefix_parts.scheme, prefix_parts.netloc):
        return None
    if not parts.path.startswith(prefix_parts.path):
        return None
    name = unquote(parts.path[len(prefix_parts.path) :])
    segments = name.split("/")
    # Finders and the storage already refuse paths that escape their folders; checking here
    # as well keeps the rule obvious and independent of them.
    if not name or "\\" in name or "\x00" in name or any(s in ("", ".", "..") for s in segments):
        return None
    found = finders.find(name)
    if found:
        return Path(found)
    # With the manifest storage {% static %} gives hashed names, which only exist among the
    # collected files (STATIC_ROOT), not in the finders' source folders.
    if staticfiles_storage.exists(name):
        return Path(staticfiles_storage.path(name))
    return None


def pdf_bytes(template_name: str, context: dict, *, request=None) -> bytes:
    """Render a template (normally extending reports/base.html) to the bytes of a tagged PDF."""
    html = render_to_string(template_name, context, request=request)
    document = HTML(string=html, base_url=BASE_URL, url_fetcher=StaticFilesOnlyFetcher())
    try:
        return document.write_pdf(font_config=_FONT_CONFIG, pdf_variant=PDF_VARIANT)
    except FatalURLFetchingError as error:
        # WeasyPrint's fatal error is a BaseException, which would escape Django's error
        # handling; turn it into an ordinary exception (a 500 in a view).
        raise PdfResourceError(str(error)) from error.__cause__


def render_pdf(template_name: str, context: dict, *, filename: str, request=None) -> HttpResponse:
    """A response showing the PDF in the browser; never cached, as reports hold case data."""
    response = HttpResponse(
        pdf_bytes(template_name, context, request=request), content_type="application/pdf"
    )
    response["Content-Disposition"] = content_disposition_header(False, filename)
    response["Cache-Control"] = "no-store"
    return response


def report_header(person, on=None) -> dict:
    """The shared layout's header context for a report about one person (name, CRN, date)."""
    return {
        "report_subject_name": person.full_name,
        "report_subject_crn": person.crn,
        "report_date": on or timezone.localdate(),
    }
