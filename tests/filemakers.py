"""Small real files for tests: PDFs (fpdf2), DOCX (python-docx), hostile variants."""

from __future__ import annotations

import io
import random
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


# -- more hostile shapes and distinct Swedish documents (tests/test_hostile.py, test_crash.py, test_concurrency.py)

_PLACES = ["Testby", "Uppby", "Nedby", "Västerköping", "Österå", "Sjöhamra", "Björkvik", "Lövsta", "Granhult",
           "Ekeberga", "Älvnäs", "Bergsjö", "Tallåsen", "Mossvik"]
_BODIES = ["Socialnämnden", "Omsorgsnämnden", "Individnämnden", "Äldrenämnden", "Kulturnämnden", "Utbildningsnämnden"]
_TOPICS = ["hemtjänsten", "särskilt boende", "dagverksamheten", "biblioteken", "fritidsgårdarna", "skolskjutsarna",
           "färdtjänsten", "ekonomiskt bistånd", "missbruksvården", "korttidsboendet", "musikskolan", "simhallen",
           "vuxenutbildningen", "familjecentralen", "anhörigstödet", "boendestödet"]
_VERBS = ["ökade", "minskade", "låg kvar på", "förbättrades till", "sjönk till", "steg till", "landade på"]
_MEASURES = ["andelen nöjda brukare", "personalomsättningen", "sjukfrånvaron", "kostnaden per invånare",
             "antalet besök", "väntetiden", "kontinuiteten", "andelen heltider", "antalet ärenden",
             "nettokostnaden", "andelen digitala möten", "antalet utbildade medarbetare"]
_ACTIONS = ["inför fasta team", "startar ett projekt om", "utreder", "upphandlar", "digitaliserar", "samordnar",
            "flyttar", "förstärker", "utvärderar", "slår samman"]


def swedish_report(seed: int, sections: int = 4, paragraphs: int = 3) -> tuple[str, str]:
    """A plan-like Swedish text that shares few word triples with another seed's (no near-duplicates): (name, text)."""
    rng = random.Random(seed)
    place = _PLACES[seed % len(_PLACES)]
    body = _BODIES[seed % len(_BODIES)]
    year = 2018 + seed % 8
    lines = [f"Verksamhetsplan {year} för {body} i {place} kommun (nr {seed})", ""]
    for s in range(sections):
        topic = rng.choice(_TOPICS)
        lines += [f"{s + 1}. {topic.capitalize()} i {place}", ""]
        for _ in range(paragraphs):
            sentences = []
            for _ in range(rng.randint(2, 4)):
                sentences.append(
                    f"{rng.choice(_MEASURES).capitalize()} inom {rng.choice(_TOPICS)} {rng.choice(_VERBS)} "
                    f"{rng.randint(2, 990)},{rng.randint(0, 9)} {rng.choice(['procent', 'tkr', 'dagar', 'st'])} "
                    f"under {rng.choice(['första', 'andra', 'tredje', 'fjärde'])} kvartalet {year - rng.randint(0, 2)}."
                )
            sentences.append(f"{body} {rng.choice(_ACTIONS)} {rng.choice(_TOPICS)} i {rng.choice(_PLACES)} "
                             f"senast {rng.randint(1, 28)} {rng.choice(['mars', 'juni', 'oktober'])} {year + 1}.")
            lines += [" ".join(sentences), ""]
    return f"{place.lower()}-{body.lower()}-{year}-{seed}.txt", "\n".join(lines)


def write_reports(folder: Path, seeds: range | list[int], **shape: int) -> list[Path]:
    """swedish_report files in folder, one per seed."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for seed in seeds:
        name, text = swedish_report(seed, **shape)
        path = folder / name
        path.write_text(text, encoding="utf-8")
        paths.append(path)
    return paths


def make_zip_renamed(path: Path) -> Path:
    """An ordinary ZIP archive under a .pdf (or any) name."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("rapport.txt", "Årsrapport för hemtjänsten " * 20)
    path.write_bytes(buffer.getvalue())
    return path


def make_docx_without_body(path: Path) -> Path:
    """A ZIP that looks like Office Open XML but has no word/document.xml."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("docProps/core.xml", "<coreProperties/>")
    path.write_bytes(buffer.getvalue())
    return path


def make_docx_with_broken_xml(path: Path) -> Path:
    """A real DOCX whose document.xml has been replaced by XML that does not parse."""
    source = io.BytesIO()
    docx.Document().save(source)
    buffer = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(source.getvalue())) as original, zipfile.ZipFile(buffer, "w") as archive:
        for info in original.infolist():
            data = original.read(info.filename)
            if info.filename == "word/document.xml":
                data = b"<w:document><w:body><w:p>trasig"  # unclosed tags, unknown prefix
            archive.writestr(info, data)
    path.write_bytes(buffer.getvalue())
    return path


def make_pdf_without_pages(path: Path) -> Path:
    """A syntactically valid PDF whose page tree is empty."""
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [] /Count 0 >>"]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    path.write_bytes(bytes(out))
    return path


def mixed_encoding_swedish() -> bytes:
    """Lines in UTF-8 and lines in cp1252 pasted into one file (as happens when texts are merged)."""
    return b"\n".join([
        "Verksamhetsberättelse för Åsele kommun".encode(),
        b"",
        "Äldreomsorgen fick nya lokaler i Älvsbyn under våren.".encode("cp1252"),
        "Nämnden följer upp brukarnas nöjdhet varje kvartal.".encode(),
        "Målet för särskilt boende är 95 procent nöjda brukare.".encode("cp1252"),
    ])


def make_table_pdf(path: Path, lines_before: list[str], table: list[list[str]], lines_after: list[str]) -> Path:
    """A real PDF with a text layer: paragraphs, a table (first row the header; first column the row labels, the
    figures right-aligned as reports set them), more paragraphs."""
    pdf = FPDF()
    pdf.set_font("Helvetica", size=11)
    pdf.add_page()
    for text in lines_before:
        pdf.multi_cell(0, 6, text)
        pdf.ln(4)
    widths = [70] + [35] * (len(table[0]) - 1)
    for row in table:
        for i, text in enumerate(row):
            pdf.cell(widths[i], 7, text, align="L" if i == 0 else "R")
        pdf.ln(7)
    for text in lines_after:
        pdf.ln(4)
        pdf.multi_cell(0, 6, text)
    path.write_bytes(bytes(pdf.output()))
    return path


def make_scanned_pdf(path: Path, lines: list[str], table: list[tuple[str, ...]], dpi: int = 300) -> Path:
    """A one-page PDF holding only a picture (Pillow) of the lines and a table under them: no text layer, like a
    scanned letter. The table's first cell of each row is its label; the others are right-aligned columns."""
    import matplotlib
    from PIL import Image, ImageDraw, ImageFont

    font_file = str(Path(matplotlib.get_data_path()) / "fonts" / "ttf" / "DejaVuSans.ttf")
    text_font, table_font = ImageFont.truetype(font_file, dpi * 12 // 72), ImageFont.truetype(font_file, dpi * 11 // 72)
    width = dpi * 827 // 100  # A4's width, 8.27 inches
    image = Image.new("L", (width, dpi * 6), 255)  # six inches high: a letter's first half
    draw = ImageDraw.Draw(image)
    y = dpi * 6 // 10
    for line in lines:
        draw.text((dpi * 6 // 10, y), line, font=text_font, fill=0)
        y += dpi * 28 // 100
    y += dpi * 2 // 10
    right_edges = [width - dpi * (6 + 15 * k) // 10 for k in reversed(range(len(table[0]) - 1))]
    for row in table:
        draw.text((dpi * 6 // 10, y), row[0], font=table_font, fill=0)
        for x, value in zip(right_edges, row[1:], strict=True):
            draw.text((x, y), value, font=table_font, fill=0, anchor="ra")
        y += dpi * 25 // 100
    image.save(path, "PDF", resolution=float(dpi))
    return path
