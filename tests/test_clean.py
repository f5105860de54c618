"""Cleaning and section detection on real lines from the corpus."""

from __future__ import annotations

import pytest

from assistant.clean import clean_pages, clean_text, is_furniture, join_hyphenated
from assistant.sections import detect_sections
from tests.conftest import CORPUS


def corpus_text(name: str) -> str:
    return clean_text((CORPUS / name).read_text(encoding="utf-8"))


LAYOUT = "lerum-stod-och-omsorgsnamnden-verksamhetsplan-2024-layout.txt"
CLEAN = "lerum-stod-och-omsorgsnamnden-verksamhetsplan-2024.txt"
HERR = "herrljunga-socialnamnden-handlingar-2021-09.txt"
ALI = "alingsas-vard-och-omsorgsnamnden-verksamhetsberattelse-2024.txt"
IND = "lerum-individnamnden-verksamhetsplan-2024.txt"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Kompetens-\n\nförsörjning ", "Kompetensförsörjning"),  # layout file, blank line between
        ("Avstämnings- \ntillfälle", "Avstämningstillfälle"),  # Alingsås table header
        ("en del i social-\nförvaltningens systematiska", "en del i socialförvaltningens systematiska"),
        ("tidplanen för om- \noch nybyggnationen", "tidplanen för om- och nybyggnationen"),
        ("Delegerad vård- \noch omsorgspersonal", "Delegerad vård- och omsorgspersonal"),
        ("försäljning av e-\ncigaretter", "försäljning av e-cigaretter"),
        ("detalj-, distans- \noch partihandel", "detalj-, distans- och partihandel"),
    ],
)
def test_hyphens_joined_or_kept(raw: str, expected: str) -> None:
    assert clean_text(raw) == expected


def test_real_hyphen_in_running_text_is_kept() -> None:
    text = corpus_text(CLEAN)
    assert "stöd- och omsorgsnämnden" in text
    assert "hälso- och sjukvård" in text.lower()


def test_layout_file_hyphen_split_is_joined() -> None:
    raw = (CORPUS / LAYOUT).read_text(encoding="utf-8")
    assert "Kompetens-\n" in raw
    text = corpus_text(LAYOUT)
    assert "Kompetensförsörjning" in text
    assert "Kompetens-\n" not in text


@pytest.mark.parametrize(
    "line", ["Ärende 3", "Sida 10 av 17 ", " Sida 16 av 17 ", "Sid 1 av 2    ", "LERUM.SE",
             "Herrljunga kommun, Box 201, 524 23 Herrljunga Besöksadress Torget 1, Herrljunga ",
             "Telefon 0513-170 00  Telefax 0513-171 33 org.nummer 212000-1520  www.herrljunga.se "],
)
def test_page_furniture_lines(line: str) -> None:
    assert is_furniture(line)


@pytest.mark.parametrize(
    "line", ["Plan för genomförande:", "3:2 Sjukfrånvaro (%) 9,4% 5% 10,5% <9%", "2021", "Ärende och beslut",
             "Sidan visar utvecklingen"],
)
def test_content_lines_are_not_furniture(line: str) -> None:
    assert not is_furniture(line)


def test_furniture_removed_from_herrljunga() -> None:
    raw = (CORPUS / HERR).read_text(encoding="utf-8")
    text = corpus_text(HERR)
    for furniture in ("Sida 10 av 17", "Sid 1 av 2", "Box 201", "Telefax"):
        assert furniture in raw
        assert furniture not in text
    assert "\nÄrende 3\n" not in text
    # Meaning kept: the sick-leave row of the delårsrapport is intact.
    assert "3:2 Sjukfrånvaro (%) 9,4% 5% 10,5% <9%" in text


def test_layout_whitespace_collapsed_and_tables_kept() -> None:
    text = corpus_text(CLEAN)
    assert "  " not in text
    assert "\n\n\n" not in text
    assert "Indikatorer\t2021\t2022\t2023\tPrognos 2024" in text
    assert "\t52,5 (plats 121)\t66,9 (plats 147)\t" in text


def test_wrapped_prose_is_reflowed() -> None:
    text = corpus_text(ALI)
    assert "klara de välfärdsutmaningar som nämndens verksamheter står inför kopplade till demografiska" in text


def test_characters_normalized() -> None:
    assert clean_text("1\u00a0081,7 tkr\u00ad och\u200b mer\r\nrad två\x07") == "1 081,7 tkr och mer\nrad två"


def test_join_hyphenated_keeps_table_cells() -> None:
    assert join_hyphenated(["Summa-", "\t12\t13"]) == ["Summa-", "\t12\t13"]


def test_pages_get_spans_and_page_numbers_are_dropped() -> None:
    pages = [f"Rubrik\nText på sidan {n} om hemtjänst.\n{n}" for n in range(1, 5)]
    result = clean_pages(pages)
    assert [p.page for p in result.pages] == [1, 2, 3, 4]
    for span in result.pages:
        chunk = result.text[span.start : span.end]
        assert f"Text på sidan {span.page} om hemtjänst." in chunk
        assert not chunk.rstrip().endswith(str(span.page))
    # A line opening every page is a running title: dropped.
    assert "Rubrik" not in result.text


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        (CLEAN, ["Verksamhetsplanens syfte", "Indikatorer", "Prioriterade inriktningar 2024 samt plan för genomförande",
                 "Ekonomiska förutsättningar", "Hemtjänst"]),
        (LAYOUT, ["Verksamhetsplanens syfte", "Indikatorer", "Ekonomiska förutsättningar"]),
        (IND, ["Agenda 2030", "Indikatorer", "Rättssäkerhet", "Ekonomi och förutsättningar"]),
        (ALI, ["Verksamhet", "Personalkostnader", "Prognossäkerhet", "Rekryteringsbehov och kompetensförsörjning"]),
        (HERR, ["Sammanfattning", "Kommentar till utfall och prognos investeringar", "Lex Maria"]),
    ],
)
def test_sections_found_in_each_document(name: str, expected: list[str]) -> None:
    text = corpus_text(name)
    sections = detect_sections(text)
    titles = [s.title for s in sections]
    for title in expected:
        assert title in titles, f"{title!r} saknas i {titles}"
    # Spans tile the text after the first heading, in order, without overlap.
    for a, b in zip(sections, sections[1:], strict=False):
        assert a.start < a.end == b.start
    assert sections[-1].end == len(text)
    for s in sections:
        assert text[s.start :].startswith(s.title)


def test_sentences_and_table_rows_are_not_headings() -> None:
    titles = {s.title for s in detect_sections(corpus_text(HERR))}
    assert "Plan för genomförande:" not in titles
    assert not any(t.startswith("Mätetal Utfall 2020") for t in titles)
    assert not any(t.startswith("3:3 Personalomsättning") for t in titles)
