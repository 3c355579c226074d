"""PDF reports: render a Django template that extends reports/base.html to a tagged PDF.

WeasyPrint fetches nothing but our own static files: the fetcher below refuses every other
URL, so a report can never reach the network or read arbitrary files on the server.

One render has a time limit (settings.PDF_RENDER_TIMEOUT_SECONDS). WeasyPrint runs in a child
process, forked from a fork server that has Django and WeasyPrint loaded already (so a child
starts in milliseconds); when the limit passes, the child is killed and the user gets a page
saying so (503), whatever the web server: a gunicorn sync worker, or a runserver thread (a
signal-based alarm works in neither reliably, and a thread cannot be stopped). Nothing waits
on a child that hangs.

A rendering is kept (`PdfRendering`), keyed by the digest of everything WeasyPrint is given:
the same record, unchanged, prints the second time from the database without rendering.
"""

import hashlib
import mimetypes
import multiprocessing
import re
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

import django
import weasyprint
from django.apps import apps
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


# Children are forked from a clean, single-threaded fork server (never from a web worker that
# may run threads), which imports this module, and so Django and WeasyPrint, once.
_PROCESSES = multiprocessing.get_context("forkserver")
_PROCESSES.set_forkserver_preload(["isotp.pdf_worker"])


class PdfResourceError(RuntimeError):
    """A report asked for a resource that is not one of our static files."""


class PdfTimeout(RuntimeError):
    """A report took longer than settings.PDF_RENDER_TIMEOUT_SECONDS to render."""


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


def write_pdf(html: str) -> bytes:
    """WeasyPrint, in this process: the HTML of a report to the bytes of a tagged PDF."""
    document = HTML(string=html, base_url=BASE_URL, url_fetcher=StaticFilesOnlyFetcher())
    try:
        return document.write_pdf(font_config=_FONT_CONFIG, pdf_variant=PDF_VARIANT)
    except FatalURLFetchingError as error:
        # WeasyPrint's fatal error is a BaseException, which would escape Django's error
        # handling; turn it into an ordinary exception (a 500 in a view).
        raise PdfResourceError(str(error)) from error.__cause__


def _render_in_child(html: str, connection) -> None:
    """The child process: render, send back ("pdf", bytes) or what went wrong, and exit."""
    try:
        if not apps.ready:  # the fork server could not set Django up: do it here
            django.setup()
        connection.send(("pdf", write_pdf(html)))
    except PdfResourceError as error:
        connection.send(("refused", str(error)))
    except BaseException as error:  # noqa: BLE001 - reported to the parent, which raises
        connection.send(("failed", f"{type(error).__name__}: {error}"))
    finally:
        connection.close()


def html_to_pdf(html: str, *, timeout: float) -> bytes:
    """Render in a child process; kill it and raise PdfTimeout after `timeout` seconds."""
    receiver, sender = _PROCESSES.Pipe(duplex=False)
    child = _PROCESSES.Process(target=_render_in_child, args=(html, sender), daemon=True)
    child.start()
    sender.close()
    try:
        if not receiver.poll(timeout):
            raise PdfTimeout(f"The PDF took longer than {timeout:g} seconds to render")
        kind, payload = receiver.recv()
    except EOFError:
        raise RuntimeError(f"The PDF renderer stopped (exit code {child.exitcode})") from None
    finally:
        receiver.close()
        if child.is_alive():
            child.kill()
        child.join()
    if kind == "refused":
        raise PdfResourceError(payload)
    if kind == "failed":
        raise RuntimeError(f"The PDF could not be rendered: {payload}")
    return payload


# The static files a report's HTML loads (its stylesheet): part of what a rendering depends on.
_STATIC_REFERENCE = re.compile(r"""(?:href|src)=["']([^"']+)["']""")


def rendering_digest(html: str) -> str:
    """SHA-256 of everything a render depends on: the renderer (WeasyPrint's version and the
    PDF variant), the HTML, and each static file the HTML loads. The HTML holds every value
    the report prints, so a change to the record or its history is a new digest."""
    digest = hashlib.sha256(f"weasyprint {weasyprint.__version__} {PDF_VARIANT}\n".encode())
    digest.update(html.encode())
    for url in sorted(set(_STATIC_REFERENCE.findall(html))):
        path = static_path_for(urljoin(BASE_URL, url))
        digest.update(f"\n{url}\n".encode())
        digest.update(path.read_bytes() if path is not None else b"(not a static file)")
    return digest.hexdigest()


def stored_pdf(html: str, *, timeout: float) -> bytes:
    """The PDF of this HTML: the kept rendering when there is one (one query by primary
    key), otherwise rendered now (PdfTimeout after `timeout` seconds) and kept."""
    from isotp.models import PdfRendering  # the models import nothing from here

    digest = rendering_digest(html)
    kept = PdfRendering.objects.filter(digest=digest).values_list("pdf", flat=True).first()
    if kept is not None:
        return bytes(kept)
    pdf = html_to_pdf(html, timeout=timeout)
    # Two processes rendering the same HTML at once: the first row stays; both are the same.
    PdfRendering.objects.bulk_create([PdfRendering(digest=digest, pdf=pdf)], ignore_conflicts=True)
    return pdf


def stored_pdf_bytes(template_name: str, context: dict, *, request=None) -> bytes:
    """pdf_bytes, through the store of kept renderings."""
    html = render_to_string(template_name, context, request=request)
    return stored_pdf(html, timeout=settings.PDF_RENDER_TIMEOUT_SECONDS)


def pdf_bytes(template_name: str, context: dict, *, request=None) -> bytes:
    """Render a template (normally extending reports/base.html) to the bytes of a tagged PDF,
    within the time limit (PdfTimeout otherwise)."""
    html = render_to_string(template_name, context, request=request)
    return html_to_pdf(html, timeout=settings.PDF_RENDER_TIMEOUT_SECONDS)


def render_pdf(template_name: str, context: dict, *, filename: str, request=None) -> HttpResponse:
    """A response showing the PDF in the browser; never cached by the browser, as reports
    hold case data (a kept rendering is served from the database: `stored_pdf`).
    A render over the time limit gets a page saying so (503), not a server error."""
    try:
        pdf = stored_pdf_bytes(template_name, context, request=request)
    except PdfTimeout:
        response = HttpResponse(
            render_to_string(
                "pdf_timeout.html", {"seconds": settings.PDF_RENDER_TIMEOUT_SECONDS}, request
            ),
            status=503,
        )
        response["Retry-After"] = "60"
        response["Cache-Control"] = "no-store"
        return response
    response = HttpResponse(pdf, content_type="application/pdf")
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
