"""Small real files for tests: PDFs (fpdf2), DOCX (python-docx), hostile variants."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import docx
from fpdf import FPDF


def make_pdf(path: Path, pages: list[str], user_password: str | None = None) -> Path:
    """A real PDF with a text layer, one string per page (Swedish letters are in cp1252)."""
    pdf = FPDF()
    pdf.set_font("Helvetica", size=11)
    for text in pages:
        pdf.add_page()
        for paragraph in text.split("\n"):
            pdf.multi_cell(0, 6, paragraph)
            pdf.ln(2)
    if user_password is not None:
        pdf.set_encryption(owner_password="ägare", user_password=user_password)
    path.write_bytes(bytes(pdf.output()))
    return path


def make_image_only_pdf(path: Path) -> Path:
    """A PDF whose page has drawings but no text layer, like a scan."""
    pdf = FPDF()
    pdf.add_page()
    pdf.rect(20, 20, 100, 60, style="F")
    pdf.line(10, 10, 150, 150)
    path.write_bytes(bytes(pdf.output()))
    return path


def make_docx(path: Path, heading: str, paragraphs: list[str], table: list[list[str]] | None = None) -> Path:
    """A DOCX with a heading, paragraphs and an optional table."""
    document = docx.Document()
    document.add_heading(heading, level=1)
    for text in paragraphs:
        document.add_paragraph(text)
    if table:
        grid = document.add_table(rows=len(table), cols=len(table[0]))
        for r, row in enumerate(table):
            for c, value in enumerate(row):
                grid.cell(r, c).text = value
    document.save(str(path))
    return path


def make_zip_bomb_docx(path: Path, megabytes: int = 300) -> Path:
    """A DOCX-shaped ZIP whose members unpack to far more than any limit (compresses to ~300 kB)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        chunk = b"0" * (1024 * 1024)
        with archive.open("word/document.xml", "w", force_zip64=True) as member:
            for _ in range(megabytes):
                member.write(chunk)
    path.write_bytes(buffer.getvalue())
    return path
