"""Loaders behind one interface: .txt, .md, .pdf (pages kept) and .docx (tables as rows)."""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from assistant.settings import IngestSettings


class LoadError(ValueError):
    """A file cannot be turned into text; the message is Swedish and says why."""


@dataclass
class LoadedText:
    """Raw text of a file, one string per page (a single page when the format has none)."""

    pages: list[str]
    paged: bool = False
    page_numbers: list[int] | None = None  # the pages' own numbers, when they do not start at 1
    ocr_pages: list[int] | None = None  # pages whose text came from OCR
    layout: str = "text"  # how tables are written: text, markdown, pdf, docx


class Loader(Protocol):
    """Turns the bytes of one file format into raw page texts."""

    suffixes: tuple[str, ...]

    def load(self, data: bytes, limits: IngestSettings) -> LoadedText:
        """Return the raw text of the file, or raise LoadError."""
        ...


def looks_binary(data: bytes) -> bool:
    """True when the bytes are not text: NUL bytes or many control characters."""
    head = data[:65536]
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):  # UTF-16 with BOM: every other byte is NUL
        return "\x00" in head.decode("utf-16", errors="replace")
    if b"\x00" in head:
        return True
    control = sum(1 for b in head if b < 32 and b not in (9, 10, 12, 13))
    return control > max(8, len(head) // 100)


def decode_text(data: bytes) -> str:
    """Decode UTF-8 (with or without BOM), UTF-16 with BOM, cp1252, or a mix line by line."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", errors="replace")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    # Mixed files happen when texts are pasted together: decide line by line.
    lines = []
    for line in data.split(b"\n"):
        try:
            lines.append(line.decode("utf-8"))
        except UnicodeDecodeError:
            lines.append(line.decode("cp1252", errors="replace"))
    return "\n".join(lines)


class TextLoader:
    """Plain text extracted from PDFs, or typed by hand."""

    suffixes: tuple[str, ...] = (".txt",)

    def load(self, data: bytes, limits: IngestSettings) -> LoadedText:
        """Decode the bytes after refusing binary content."""
        if looks_binary(data):
            raise LoadError("filen innehåller binära data och är inte en textfil")
        return LoadedText(pages=[decode_text(data)])


_MD_PAGE = re.compile(r"^\s*<!--\s*sida\s+(\d+)\s*-->\s*$", re.IGNORECASE | re.MULTILINE)
_MD_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
_MD_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_MD_FENCE = re.compile(r"^\s*```[\w-]*\s*$", re.MULTILINE)
_MD_BREAK = re.compile(r"<br\s*/?>", re.IGNORECASE)


class MarkdownLoader(TextLoader):
    """Markdown: headings as lines of their own, pipe tables as tab-separated rows, page markers as pages."""

    suffixes: tuple[str, ...] = (".md", ".markdown")

    def load(self, data: bytes, limits: IngestSettings) -> LoadedText:
        """Decode, split at page markers (<!-- sida N -->), then strip the markup."""
        text = super().load(data, limits).pages[0]
        parts = _MD_PAGE.split(text)
        if len(parts) < 3:
            return LoadedText(pages=[self._plain(text)], layout="markdown")
        pages, numbers = [], []
        if parts[0].strip():
            pages.append(self._plain(parts[0]))
            numbers.append(max(1, int(parts[1]) - 1))
        for number, body in zip(parts[1::2], parts[2::2], strict=True):
            pages.append(self._plain(body))
            numbers.append(int(number))
        return LoadedText(pages=pages, paged=True, page_numbers=numbers, layout="markdown")

    @staticmethod
    def _plain(text: str) -> str:
        text = _MD_COMMENT.sub("", text)
        text = _MD_FENCE.sub("", text)
        text = _MD_LINK.sub(r"\1", text)
        text = re.sub(r"^\s{0,3}#{1,6}\s+", "\n", text, flags=re.MULTILINE)
        text = re.sub(r"(\*\*|__)(.+?)\1", r"\2", text)
        text = re.sub(r"^[ \t]*\|?[ \t]*:?-{3,}[-|: \t]*\n", "", text, flags=re.MULTILINE)  # table rules
        text = re.sub(r"^[ \t]*\|(.*)\|[ \t]*$", lambda m: "\t".join(
            " ".join(_MD_BREAK.sub(" ", c).split()) for c in m.group(1).split("|")), text, flags=re.MULTILINE)
        return _MD_BREAK.sub(" ", text)


class PdfLoader:
    """PDF: text from word positions (tables keep their columns), OCR for pages without a text layer."""

    suffixes: tuple[str, ...] = (".pdf",)

    def load(self, data: bytes, limits: IngestSettings) -> LoadedText:
        """Check the file with pypdf, then read each page's words (pdfplumber) or OCR it (Tesseract)."""
        plain = self._pypdf_pages(data)
        pages = self._positional_pages(data, len(plain)) if limits.pdf_layout else None
        texts = [p if p is not None and p.strip() else q for p, q in zip(pages or plain, plain, strict=True)]
        ocr: list[int] = []
        empty = [i for i, t in enumerate(texts) if not t.strip()]
        if empty and limits.ocr:
            ocr = self._ocr(data, empty, texts, limits)
        if not any(t.strip() for t in texts):
            raise LoadError(self._no_text(limits))
        return LoadedText(pages=texts, paged=True, ocr_pages=[i + 1 for i in ocr], layout="pdf")

    @staticmethod
    def _no_text(limits: IngestSettings) -> str:
        """Why a PDF gave no text at all (Swedish, for the file's failure line)."""
        from assistant.ocr import tesseract_available

        if not limits.ocr:
            return "PDF-filen saknar textlager (inskannade sidor?) och OCR är avstängt (ASSISTANT_INGEST__OCR)"
        if not tesseract_available(limits.ocr_languages.split("+")[0]):
            return ("PDF-filen saknar textlager (inskannade sidor?) och OCR-programmet Tesseract med svenska "
                    "(tesseract-ocr-swe) är inte installerat; installera det eller ladda upp en PDF med text")
        return "PDF-filen saknar textlager och OCR fann ingen läsbar text på sidorna (tom eller oskarp bild?)"

    @staticmethod
    def _pypdf_pages(data: bytes) -> list[str]:
        from io import BytesIO

        from pypdf import PdfReader
        from pypdf.errors import PdfReadError

        if not data.lstrip()[:1024].startswith(b"%PDF-"):
            raise LoadError("filen är ingen PDF (den börjar inte med %PDF-); kontrollera filtypen")
        if b"%%EOF" not in data[-2048:]:
            raise LoadError("PDF-filen är avkortad (slutmarkeringen %%EOF saknas); ladda upp hela filen igen")
        try:
            reader = PdfReader(BytesIO(data), strict=False)
            if reader.is_encrypted:
                try:
                    opened = reader.decrypt("")
                except Exception as exc:  # pypdf raises several kinds, incl. missing crypto support
                    raise LoadError("PDF-filen är krypterad och kan inte läsas utan lösenord") from exc
                if not opened:
                    raise LoadError("PDF-filen är krypterad och kan inte läsas utan lösenord")
            pages = [page.extract_text() or "" for page in reader.pages]
        except LoadError:
            raise
        except (PdfReadError, ValueError, KeyError, TypeError, AttributeError, IndexError, OSError) as exc:
            raise LoadError(f"PDF-filen är trasig eller avkortad ({type(exc).__name__}: {exc})") from exc
        if not pages:
            raise LoadError("PDF-filen har inga sidor")
        return pages

    @staticmethod
    def _positional_pages(data: bytes, count: int) -> list[str | None] | None:
        """Each page's text rebuilt from its words' positions; None for a page pdfplumber cannot read."""
        from io import BytesIO

        from assistant.pdftext import Word, page_text

        try:
            import pdfplumber

            out: list[str | None] = []
            with pdfplumber.open(BytesIO(data)) as pdf:
                for page in pdf.pages[:count]:
                    try:
                        words = [Word(w["text"], w["x0"], w["x1"], w["top"], w["bottom"])
                                 for w in page.extract_words(x_tolerance=1.5, keep_blank_chars=False)]
                        out.append(page_text(words))
                    except Exception:  # a page pdfminer cannot parse: pypdf's text stands for it
                        out.append(None)
            return out + [None] * (count - len(out))
        except Exception:  # the whole file: pypdf's text stands
            return None

    @staticmethod
    def _ocr(data: bytes, empty: list[int], texts: list[str], limits: IngestSettings) -> list[int]:
        """OCR the pages without text (in place); the pages read. Nothing when Tesseract is missing."""
        from assistant.ocr import ocr_words, render_page, tesseract_available
        from assistant.pdftext import page_text

        if not tesseract_available(limits.ocr_languages.split("+")[0]):
            return []
        done = []
        for index in empty:
            try:
                words = ocr_words(render_page(data, index, limits.ocr_dpi), 72 / limits.ocr_dpi,
                                  limits.ocr_languages)
            except Exception:  # one unreadable page does not stop the others
                continue
            texts[index] = page_text(words)
            if texts[index].strip():
                done.append(index)
        return done


class DocxLoader:
    """Word documents: paragraphs in order, headings as their own lines, tables as tab-separated rows."""

    suffixes: tuple[str, ...] = (".docx",)

    def load(self, data: bytes, limits: IngestSettings) -> LoadedText:
        """Check the archive against the unpack limit, then read it with python-docx."""
        from io import BytesIO

        if not zipfile.is_zipfile(BytesIO(data)):
            raise LoadError("filen är ingen giltig DOCX (inte ett ZIP-arkiv)")
        limit = int(limits.max_docx_uncompressed_mb * 1024 * 1024)
        try:
            with zipfile.ZipFile(BytesIO(data)) as archive:
                total = sum(info.file_size for info in archive.infolist())
                if total > limit:
                    raise LoadError(
                        f"DOCX-filen packas upp till {total / 1e6:.0f} MB, över gränsen "
                        f"{limits.max_docx_uncompressed_mb:.0f} MB (möjlig zip-bomb)"
                    )
                if "word/document.xml" not in archive.namelist():
                    raise LoadError("filen är ingen giltig DOCX (word/document.xml saknas)")
        except zipfile.BadZipFile as exc:
            raise LoadError(f"DOCX-filen är trasig: {exc}") from exc
        return LoadedText(pages=[self._text(data)])

    @staticmethod
    def _text(data: bytes) -> str:
        from io import BytesIO

        import docx
        from docx.table import Table
        from docx.text.paragraph import Paragraph

        try:
            document = docx.Document(BytesIO(data))
        except Exception as exc:  # python-docx raises many kinds for broken XML
            raise LoadError(f"DOCX-filen är trasig: {type(exc).__name__}: {exc}") from exc
        blocks: list[str] = []
        for item in document.iter_inner_content():
            if isinstance(item, Paragraph):
                text = item.text.strip()
                if text:
                    blocks.append(text)
            elif isinstance(item, Table):
                rows = []
                for row in item.rows:
                    cells: list[str] = []
                    for cell in row.cells:
                        value = " ".join(cell.text.split())
                        if not cells or cells[-1] != value:  # merged cells repeat their text
                            cells.append(value)
                    rows.append("\t".join(cells))
                blocks.append("\n".join(rows))
        return "\n\n".join(blocks)


def default_loaders() -> dict[str, Loader]:
    """Map each supported suffix to its loader."""
    loaders: list[Loader] = [TextLoader(), MarkdownLoader(), PdfLoader(), DocxLoader()]
    return {suffix: loader for loader in loaders for suffix in loader.suffixes}


SUPPORTED_SUFFIXES = tuple(sorted(default_loaders()))


def load_file(path: Path, data: bytes, limits: IngestSettings) -> LoadedText:
    """Pick the loader by suffix and load the bytes."""
    loader = default_loaders().get(path.suffix.lower())
    if loader is None:
        raise LoadError(
            f"filtypen '{path.suffix or '(ingen)'}' stöds inte; använd {', '.join(SUPPORTED_SUFFIXES)}"
        )
    return loader.load(data, limits)
