"""Cleaning and section detection on real lines from the corpus."""

from __future__ import annotations

import pytest

from assistant.clean import clean_pages, clean_text, is_furniture, join_hyphenated, reflow
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


def test_hyphen_before_a_table_row_is_not_joined() -> None:
    """A line ending in a hyphen is never joined with a table row below: the row's first cell is not the rest of the
    word, and joining would move the row's figures into the prose line."""
    lines = ["Kostnader för personal-", "kostnader\t4 793\t5 012"]
    assert join_hyphenated(lines) == lines
    assert clean_text("\n".join(lines)) == "Kostnader för personal-\nkostnader\t4 793\t5 012"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("satsning på IKT-\nstödet", "satsning på IKT-stödet"),  # an abbreviation keeps its hyphen
        ("under 2024-\nårs budget", "under 2024-års budget"),  # so does a year
        ("visas i tv-\nprogrammet", "visas i tv-programmet"),  # a two-letter word is a prefix
        ("inom för-\nvaltningen", "inom förvaltningen"),  # a three-letter word is a split word
    ],
)
def test_short_words_abbreviations_and_numbers_keep_their_hyphen(raw: str, expected: str) -> None:
    assert clean_text(raw) == expected


def test_hyphen_join_reaches_over_at_most_two_blank_lines() -> None:
    assert join_hyphenated(["Kompetens-", "", "", "försörjning"]) == ["Kompetensförsörjning"]
    assert join_hyphenated(["Kompetens-", "", "", "", "försörjning"]) == ["Kompetens-", "", "", "", "försörjning"]
    assert join_hyphenated(["Sista raden slutar med bindestreck-"]) == ["Sista raden slutar med bindestreck-"]
    assert join_hyphenated(["Kompetens-", "", ""]) == ["Kompetens-", "", ""]


def test_hyphen_joins_keep_the_lines_around_them() -> None:
    lines = ["Rubrik", "Kompetens-", "försörjning och social-", "förvaltningen", "Nästa stycke"]
    assert join_hyphenated(lines) == ["Rubrik", "Kompetensförsörjning och socialförvaltningen", "Nästa stycke"]


def test_every_kind_of_line_break_and_page_break_is_a_newline() -> None:
    assert clean_text("rad ett\rrad två\frad tre\r\nrad fyra") == "rad ett\nrad två\nrad tre\nrad fyra"


def test_line_whitespace_collapsed_but_tabs_and_leading_cells_kept() -> None:
    assert clean_text("Indikatorer  \t 2021 \t2022") == "Indikatorer\t2021\t2022"
    assert clean_text("Andel   nöjda    brukare") == "Andel nöjda brukare"
    # A row whose first cell is empty keeps its leading tab, so its values stay in their columns.
    assert clean_text("\t52,5\t66,9 ") == "\t52,5\t66,9"
    assert clean_text("Rubrik\n\t12\t13\n") == "Rubrik\n\t12\t13"
    assert clean_text("Bilaga X") == "Bilaga X"


def test_furniture_lines_leave_nothing_behind() -> None:
    assert clean_text("Rubrik\nSida 1 av 2\nText om hemtjänst.") == "Rubrik\n\nText om hemtjänst."


PROSE = "Nämndens verksamheter står inför stora utmaningar kopplade till"  # 64 characters, unfinished


def test_wrapped_prose_lines_are_rejoined() -> None:
    assert reflow([PROSE, "demografiska förändringar och en", "minskad skattebas."]) == [
        f"{PROSE} demografiska förändringar och en minskad skattebas."]
    assert reflow([PROSE, "", "demografiska förändringar."]) == [f"{PROSE} demografiska förändringar."]
    # Two blank lines are a paragraph break, and a finished sentence is not continued.
    assert reflow([PROSE, "", "", "demografiska förändringar."]) == [PROSE, "", "", "demografiska förändringar."]
    assert reflow([PROSE + ".", "och mer."]) == [PROSE + ".", "och mer."]


def test_reflow_joins_only_lines_of_at_least_the_minimum_length() -> None:
    fifty = "x" * 45 + " abcd"
    assert len(fifty) == 50
    assert reflow([fifty, "fortsätter"]) == [f"{fifty} fortsätter"]
    assert reflow([fifty[1:], "fortsätter"]) == [fifty[1:], "fortsätter"]
    assert reflow(["Kort rad", fifty, "fortsätter"]) == ["Kort rad", f"{fifty} fortsätter"]


def test_reflow_never_joins_table_rows() -> None:
    row = "Hemtjänst, antal beviljade timmar per månad\t4 793\t5 012"
    assert reflow([row, "fortsätter"]) == [row, "fortsätter"]
    assert reflow([PROSE, "timmar\t12\t13"]) == [PROSE, "timmar\t12\t13"]


def page(number: int, *body: str, header: str = "Lerums kommun") -> str:
    return "\n".join([header, *body, f"Text på sidan {number}.", str(number)])


def test_running_headers_of_three_pages_are_dropped() -> None:
    result = clean_pages([page(n, "Inledning") for n in range(1, 4)])
    assert "Lerums kommun" not in result.text
    assert [p.page for p in result.pages] == [1, 2, 3]
    two = clean_pages([page(n) for n in range(1, 3)])
    assert two.text.count("Lerums kommun") == 2  # two pages cannot show what repeats


def test_running_header_needs_half_the_pages_rounded_down_and_at_least_three() -> None:
    def header_kept(on: int, pages: int) -> bool:
        texts = [page(n, header="Verksamhetsberättelse" if n <= on else f"Avsnitt {n}") for n in range(1, pages + 1)]
        return "Verksamhetsberättelse" in clean_pages(texts).text

    assert header_kept(3, 8) and not header_kept(4, 8)
    assert not header_kept(3, 7)  # 7 // 2 == 3
    assert header_kept(3, 9) and not header_kept(4, 9)
    assert header_kept(2, 4) and not header_kept(3, 4)


def test_only_the_first_two_and_last_two_lines_of_a_page_are_its_edges() -> None:
    body = ["Rubrik {n}", "Ingress {n}", "Kommentar", "Text {n}.", "Mer text {n}.", "Slutord {n}", "{n}"]
    texts = ["\n".join(line.format(n=n) for line in body) for n in range(1, 5)]
    assert clean_pages(texts).text.count("Kommentar") == 4  # third line: content, not a running header
    third_last = ["Rubrik {n}", "Ingress {n}", "Text {n}.", "Mer text {n}.", "Kommentar", "Slutord {n}", "Sist {n}"]
    texts = ["\n".join(line.format(n=n) for line in third_last) for n in range(1, 5)]
    assert clean_pages(texts).text.count("Kommentar") == 4


def test_long_repeated_lines_are_content_not_headers() -> None:
    for length, kept in ((119, False), (120, True)):
        line = ("Lerums kommun " * 10)[:length]
        assert len(line) == length
        assert (line in clean_pages([page(n, header=line) for n in range(1, 5)]).text) is kept


def test_page_numbers_at_the_top_or_bottom_are_dropped_and_empty_pages_skipped() -> None:
    pages = ["1\nFörsta sidan om hemtjänst.", "", "Tredje sidan om budget.\n3", "4\nFjärde sidan.\nSlut."]
    result = clean_pages(pages)
    assert result.text == "Första sidan om hemtjänst.\n\nTredje sidan om budget.\n\nFjärde sidan.\nSlut."
    assert [(p.page, result.text[p.start : p.end]) for p in result.pages] == [
        (1, "Första sidan om hemtjänst."), (3, "Tredje sidan om budget."), (4, "Fjärde sidan.\nSlut.")]
