"""OCR of scanned pages: the page rendered to an image (pypdfium2), read by Tesseract in its own process.

Tesseract's TSV output gives every word with its box, so an OCR'd page is rebuilt with the same positional
table reading as a PDF's text layer. Without Tesseract on the machine, scanned pages cannot be read; the
loader then says so in Swedish.
"""

from __future__ import annotations

import csv
import io
import shutil
import subprocess
import tempfile
from pathlib import Path

from assistant.pdftext import Word

TESSERACT_TIMEOUT_S = 120


def tesseract_available(languages: str = "swe") -> bool:
    """Whether the tesseract command is installed with the wanted languages."""
    exe = shutil.which("tesseract")
    if exe is None:
        return False
    try:
        listed = subprocess.run([exe, "--list-langs"], capture_output=True, text=True, timeout=30).stdout
    except (OSError, subprocess.SubprocessError):
        return False
    have = set(listed.split())
    return all(lang in have for lang in languages.split("+"))


def ocr_words(png: bytes, scale: float, languages: str = "swe+eng") -> list[Word]:
    """The words Tesseract reads in a page image, with boxes in points (scale: points per pixel)."""
    exe = shutil.which("tesseract")
    if exe is None:
        raise FileNotFoundError("tesseract")
    with tempfile.TemporaryDirectory(prefix="assistant-ocr-") as folder:
        image = Path(folder) / "page.png"
        image.write_bytes(png)
        done = subprocess.run([exe, str(image), "stdout", "-l", languages, "--psm", "3", "tsv"],
                              capture_output=True, text=True, timeout=TESSERACT_TIMEOUT_S, check=True)
    words: list[Word] = []
    for row in csv.DictReader(io.StringIO(done.stdout), delimiter="\t", quoting=csv.QUOTE_NONE):
        text = (row.get("text") or "").strip()
        if not text or row.get("level") != "5" or float(row.get("conf") or -1) < 0:
            continue
        left, top, width, height = (float(row[k]) for k in ("left", "top", "width", "height"))
        words.append(Word(text, left * scale, (left + width) * scale, top * scale, (top + height) * scale))
    return words


def render_page(data: bytes, index: int, dpi: int = 300) -> bytes:
    """One page of a PDF as a PNG image."""
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(data)
    try:
        page = document[index]
        bitmap = page.render(scale=dpi / 72)
        image = bitmap.to_pil()
        out = io.BytesIO()
        image.save(out, format="PNG")
        return out.getvalue()
    finally:
        document.close()
