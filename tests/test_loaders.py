"""Loaders: text encodings, Markdown, real PDFs and DOCX files made by the tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.loaders import LoadError, decode_text, load_file, looks_binary
from assistant.settings import IngestSettings
from tests.filemakers import make_docx, make_image_only_pdf, make_pdf, make_zip_bomb_docx

LIMITS = IngestSettings()
SWEDISH = "Stöd- och omsorgsnämnden i Lerums kommun följer upp hemtjänsten: 66,9 (plats 147)."


def load(path: Path):  # noqa: ANN201
    return load_file(path, path.read_bytes(), LIMITS)


@pytest.mark.parametrize(
    "data",
    [SWEDISH.encode("utf-8"), b"\xef\xbb\xbf" + SWEDISH.encode("utf-8"), SWEDISH.encode("cp1252"),
     SWEDISH.encode("latin-1"), SWEDISH.encode("utf-16")],
)
def test_swedish_letters_survive_every_encoding(data: bytes) -> None:
    assert decode_text(data) == SWEDISH


def test_mixed_encoding_is_decoded_line_by_line() -> None:
    data = "Första raden är UTF-8: åäö".encode() + b"\n" + "Andra raden är cp1252: ÅÄÖ".encode("cp1252")
    assert decode_text(data) == "Första raden är UTF-8: åäö\nAndra raden är cp1252: ÅÄÖ"


def test_utf16_file_with_bom_is_text(tmp_path: Path) -> None:
    path = tmp_path / "utf16.txt"
    path.write_bytes(SWEDISH.encode("utf-16"))
    assert load(path).pages == [SWEDISH]


def test_binary_is_detected() -> None:
    assert looks_binary(bytes(range(256)) * 10)
    assert looks_binary(b"text\x00med nolltecken")
    assert not looks_binary(SWEDISH.encode())


def test_pdf_keeps_pages(tmp_path: Path) -> None:
    path = make_pdf(tmp_path / "plan.pdf", ["Hemtjänst i Lerums kommun\nNämnden följer upp kvaliteten.",
                                           "Budget 2024: 4 793 tkr för äldreomsorgen."])
    loaded = load(path)
    assert loaded.paged and len(loaded.pages) == 2
    assert "Hemtjänst i Lerums kommun" in loaded.pages[0]
    assert "4 793 tkr" in loaded.pages[1]


def test_docx_heading_paragraphs_and_table_rows(tmp_path: Path) -> None:
    path = make_docx(tmp_path / "rapport.docx", "Uppföljning 2024", ["Nämnden följer upp hemtjänsten."],
                     [["Indikator", "2023", "2024"], ["Hemtjänstindex", "52,5", "66,9"]])
    text = load(path).pages[0]
    assert text.startswith("Uppföljning 2024\n\nNämnden följer upp hemtjänsten.")
    assert "Indikator\t2023\t2024\nHemtjänstindex\t52,5\t66,9" in text


def test_markdown_headings_and_tables(tmp_path: Path) -> None:
    path = tmp_path / "notes.md"
    path.write_text("# Rubrik\n\nText med **fet** stil.\n\n| Indikator | 2024 |\n|---|---|\n| Index | 66,9 |\n")
    text = load(path).pages[0]
    assert "Rubrik" in text and "#" not in text and "**" not in text
    assert "Indikator\t2024" in text and "Index\t66,9" in text


@pytest.mark.parametrize(
    ("name", "make", "message"),
    [
        ("krypterad.pdf", lambda p: make_pdf(p, ["Hemligt"], user_password="lösen"), "krypterad"),
        ("skannad.pdf", make_image_only_pdf, "saknar textlager"),  # a blank scan: OCR finds nothing, or is missing
        ("sida.pdf", lambda p: p.write_bytes(b"<html><body>Inte en PDF</body></html>"), "ingen PDF"),
        ("avkortad.pdf", lambda p: p.write_bytes(make_pdf(p, ["Text " * 200]).read_bytes()[:900]), "avkortad"),
        ("bomb.docx", make_zip_bomb_docx, "zip-bomb"),
        ("text.docx", lambda p: p.write_text("inte ett zip-arkiv"), "ingen giltig DOCX"),
        ("tabell.xlsx", lambda p: p.write_text("a;b"), "stöds inte"),
    ],
)
def test_bad_files_get_clear_messages(tmp_path: Path, name: str, make, message: str) -> None:  # noqa: ANN001
    path = tmp_path / name
    make(path)
    with pytest.raises(LoadError, match=message):
        load(path)
