"""Reading PDFs in tests: their text, and whether they are tagged, titled and in English."""

import io

from pypdf import PdfReader


def pdf_text(content: bytes) -> str:
    reader = PdfReader(io.BytesIO(content))
    return "\n".join(page.extract_text() for page in reader.pages)


def pdf_reader(content: bytes) -> PdfReader:
    return PdfReader(io.BytesIO(content))


def assert_accessible_pdf(content: bytes, title_contains: str) -> None:
    reader = pdf_reader(content)
    root = reader.trailer["/Root"]
    assert "/StructTreeRoot" in root, "the PDF is not tagged"
    assert root["/Lang"] == "en-GB"
    assert title_contains in reader.metadata.title
