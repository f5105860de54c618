"""Column headers word by word (assistant.tables.headers): what each word names, how words make columns, and the
kind and period each column is placed under — from the header, the caption or the document, never a guess."""

from __future__ import annotations

import pytest

from assistant.language import load_lexicon
from assistant.tables.headers import Column, Context, HeaderToken, classify, columns_of, continue_columns, place

LEX = load_lexicon()


def words(header: str, start: int = 0) -> list[tuple[str, str]]:
    """(text, role) of each word of header[start:]."""
    return [(t.text, t.role) for t in classify(header, start, len(header), LEX)]


def columns(header: str) -> list[Column]:
    return columns_of(classify(header, 0, len(header), LEX))[1]


def context(caption_years: tuple[str, ...] = (), caption_month: int = 0, caption_kind: str = "",
            document_year: str = "", document_month: int = 0, report: bool = False) -> Context:
    return Context(list(caption_years), caption_month, caption_kind, document_year, document_month, report)


def placed(header: str, **ctx: object) -> list[tuple[str, str, str, str]]:
    """(header, kind, period, source) of each column of the header line."""
    where = context(**ctx)  # type: ignore[arg-type]
    return [(c.header(), *place(c, where)) for c in columns(header)]


# -- words ------------------------------------------------------------------------------------------------------


def test_header_words_keep_their_place_in_the_text() -> None:
    text = "Belopp\tBudget 2025 Helårs- prognos Plan 2027- 2029 Mål"
    found = [(t.text, t.start, t.end, t.role) for t in classify(text, 7, len(text), LEX)]
    assert found == [("Budget", 7, 13, "kind"), ("2025", 14, 18, "year"), ("Helårsprognos", 19, 34, "kind"),
                     ("Plan", 35, 39, "kind"), ("2027-2029", 40, 50, "period"), ("Mål", 51, 54, "kind")]


def test_a_kind_word_wrapped_inside_is_joined_only_into_a_kind_word() -> None:
    assert words("Helårsprog nos 2025") == [("Helårsprognos", "kind"), ("2025", "year")]
    assert words("Totalbudg et") == [("Totalbudget", "kind")]
    # a lower-case kind word after a kind word is its modifier, not the rest of a word: 'Avvikelse budget' is
    # the deviation from budget, never a budget ('Avvikelsebudget')
    assert words("Avvikelse budget 2024") == [("Avvikelse", "kind"), ("budget", "kind"), ("2024", "year")]
    assert [(c.kind, c.year) for c in columns("Avvikelse budget 2024")] == [("avvikelse", "2024")]
    # a year with a hyphen is no half of a kind word
    assert words("2024- budget") == [("2024-", "other"), ("budget", "kind")]


def test_a_year_range_written_over_two_words_is_one_period() -> None:
    [token] = classify("2027- 2029", 0, 10, LEX)
    assert (token.text, token.start, token.end, token.period) == ("2027-2029", 0, 10, "2027/2029")
    assert [(c.kind, c.period) for c in columns("Plan 2027- 2029 Budget 2025")] == [("plan", "2027/2029"),
                                                                                   ("budget", "")]


@pytest.mark.parametrize(("word", "role", "period", "first", "month"), [
    ("2024", "year", "2024", 0, 0),
    ("(2024)", "year", "2024", 0, 0),
    ("2024*", "year", "2024", 0, 0),
    ("2024,", "year", "2024", 0, 0),
    ("20224", "year", "2022", 0, 0),  # a footnote after the year
    ("210131", "period", "2021-01", 0, 1),
    ("211231", "period", "2021-12", 0, 12),
    ("211331", "other", "", 0, 0),  # no month 13: not a date
    ("210031", "other", "", 0, 0),
    ("2024-01", "period", "2024-01", 0, 1),
    ("2024-12", "period", "2024-12", 0, 12),
    ("2024-13", "other", "", 0, 0),
    ("2024-00", "other", "", 0, 0),
    ("2024–2026", "period", "2024/2026", 0, 0),
    ("jun-21", "period", "2021-06", 0, 6),
    ("Jun21", "period", "2021-06", 0, 6),
    ("april", "month", "", 0, 4),
    ("jan–jun", "month", "", 1, 6),
    ("Mar-Aug", "month", "", 3, 8),
    ("Delår-aug", "other", "", 0, 0),  # only two months make a month range
    ("-", "dash", "", 0, 0),
    ("–", "dash", "", 0, 0),
    ("—", "dash", "", 0, 0),
    ("Halvår", "span", "", 0, 6),
    ("helår", "span", "", 0, 12),
    ("Kvinnor", "dimension", "", 0, 0),
    ("Kommentar", "other", "", 0, 0),
])
def test_each_header_word_names_what_it_says(word: str, role: str, period: str, first: int, month: int) -> None:
    [token] = classify(word, 0, len(word), LEX)
    assert (token.role, token.period, token.first_month, token.month) == (role, period, first, month)


def test_a_year_written_against_a_month_is_split_from_it() -> None:
    assert words("2022-Jun") == [("2022", "year"), ("-Jun", "month")]


def test_words_of_several_years_are_marked() -> None:
    assert [t.multi_year for t in classify("Totalbudget Budget", 0, 18, LEX)] == [True, False]


# -- columns ----------------------------------------------------------------------------------------------------


def test_a_month_before_its_kind_word_belongs_to_that_column() -> None:
    assert [(c.header(), c.kind, c.placed_period()) for c in columns("Jan-apr Utfall 2025 Budget 2025")] == [
        ("Jan-apr Utfall 2025", "utfall", "2025-04"), ("Budget 2025", "budget", "2025")]


def test_a_year_after_a_complete_column_opens_a_new_one() -> None:
    # the second year never rewrites the year of the column before it
    assert [(c.header(), c.kind, c.year) for c in columns("Utfall jan–jun 2023 2022")] == [
        ("Utfall jan–jun 2023", "utfall", "2023"), ("2022", "", "2022")]
    assert [(c.header(), c.year) for c in columns("Utfall 2023 2022")] == [("Utfall 2023", "2023"), ("2022", "2022")]
    assert [(c.header(), c.year, c.placed_period()) for c in columns("Utfall 2024 2025-04")] == [
        ("Utfall 2024", "2024", "2024"), ("2025-04", "2025", "2025-04")]
    # an open range without a year yet ('jan –jun') ends with the year after it: the next year is a new column
    assert [(c.header(), c.placed_period()) for c in columns("Utfall jan –jun 2024 2025")] == [
        ("Utfall jan –jun 2024", "2024-06"), ("2025", "2025")]


def test_a_range_of_months_and_years_is_one_column() -> None:
    found = columns("Utfall jan 2020 - jun 2020 Utfall jan 2021 -jun 2021")
    assert [(c.header(), c.placed_period()) for c in found] == [("Utfall jan 2020 - jun 2020", "2020-06"),
                                                               ("Utfall jan 2021 -jun 2021", "2021-06")]
    assert not any(c.open_range for c in found)


@pytest.mark.parametrize("header", ["Utfall 2020 – 2021", "Utfall jul 2020 – jun 2021", "Utfall 2020–2021"])
def test_a_range_over_two_years_is_placed_as_the_two_years(header: str) -> None:
    # once placed as '2020' (or '2020-06', the end month in the start year): a misplaced year
    [column] = columns(header)
    assert (column.header(), column.placed_period()) == (header, "2020/2021")


def test_a_month_after_a_placed_column_opens_a_new_one_unless_it_ends_a_range() -> None:
    found = columns("Utfall 2024 jan–apr 2025 Utfall jan 2024 –jun Mar")
    assert [(c.header(), c.first_month, c.last_month) for c in found] == [
        ("Utfall 2024", 0, 0), ("jan–apr 2025", 1, 4), ("Utfall jan 2024 –jun", 1, 6), ("Mar", 3, 3)]
    assert [c.open_range for c in found] == [False, False, True, False]


def test_groups_are_columns_of_their_own() -> None:
    found = columns("Kvinnor Män Totalt")
    assert [(c.header(), c.dimension, c.kind) for c in found] == [
        ("Kvinnor", "Kvinnor", ""), ("Män", "Män", ""), ("Totalt", "Totalt", "")]
    # after a placed column a group opens a column; after a kind still waiting for its year it is a modifier
    assert [(c.header(), c.dimension, c.kind) for c in columns("Budget 2025 Kvinnor")] == [
        ("Budget 2025", "", "budget"), ("Kvinnor", "Kvinnor", "")]
    assert [(c.header(), c.dimension, c.kind) for c in columns("Budget kvinnor 2025")] == [
        ("Budget kvinnor 2025", "", "budget")]


def test_a_part_of_the_year_is_a_modifier_of_a_kind_or_a_column_of_its_own() -> None:
    found = columns("Prognos helår Halvår 2020 Helår 2020")
    assert [(c.header(), c.kind, c.span, c.placed_period()) for c in found] == [
        ("Prognos helår", "prognos", True, ""), ("Halvår 2020", "", True, "2020-06"), ("Helår 2020", "", True, "2020")]
    assert [c.header() for c in columns("Budget 2024 Helår 2024")] == ["Budget 2024", "Helår 2024"]
    assert [c.header() for c in columns("Jan–jun 2024 Helår 2024")] == ["Jan–jun 2024", "Helår 2024"]


# -- a header line of periods under the kinds --------------------------------------------------------------------


def test_periods_on_the_line_below_complete_the_columns_in_order() -> None:
    found = columns("Utfall jan Utfall jan Budget")
    below = classify("-jun 2020 -jun 2021 2021-08", 0, 27, LEX)
    assert continue_columns(found, below)
    assert [(c.header(), c.kind, c.placed_period()) for c in found] == [
        ("Utfall jan -jun 2020", "utfall", "2020-06"), ("Utfall jan -jun 2021", "utfall", "2021-06"),
        ("Budget 2021-08", "budget", "2021-08")]


def test_periods_below_that_do_not_fit_change_nothing() -> None:
    found = columns("Utfall jan Budget")
    before = [(c.header(), c.year, c.period, c.last_month) for c in found]
    for line in ["-jun 2020 2021 2022", "-jun 2020", "2020 Totalt", "", "-jun 2021 2021"]:
        assert not continue_columns(found, classify(line, 0, len(line), LEX))
        assert [(c.header(), c.year, c.period, c.last_month) for c in found] == before
    assert not continue_columns(columns("Utfall 2024"), [])
    # a month without a dash is no range's end; a year a placed column already has is the next column's
    assert not continue_columns(columns("Utfall jan Utfall jan"), classify("-jun 2020 jun 2021", 0, 18, LEX))
    assert not continue_columns(columns("Utfall 2020 Budget"), classify("2020 2021", 0, 9, LEX))
    dims = columns("Kvinnor Män")
    assert continue_columns(dims, classify("2023 2024", 0, 9, LEX))
    assert [(c.header(), c.dimension, c.year) for c in dims] == [("Kvinnor 2023", "Kvinnor", "2023"),
                                                                 ("Män 2024", "Män", "2024")]


# -- placing ----------------------------------------------------------------------------------------------------


def test_a_column_that_names_nothing_is_not_placed() -> None:
    where = context(caption_kind="budget", caption_years=("2025",), document_year="2025")
    assert place(Column([HeaderToken("Kommentar", 0, 9)]), where) == ("", "", "")


def test_a_part_of_the_year_alone_is_an_outcome() -> None:
    assert placed("Halvår 2020 Helår 2020", document_year="2021") == [
        ("Halvår 2020", "utfall", "2020-06", ""), ("Helår 2020", "utfall", "2020", "")]


def test_months_to_date_in_a_year_are_the_outcome_to_date() -> None:
    assert placed("Jan–jun 2023 Jan–apr 2024", document_year="2024", document_month=8, report=True) == [
        ("Jan–jun 2023", "utfall", "2023-06", ""), ("Jan–apr 2024", "utfall", "2024-04", "")]
    assert placed("Jan–jun 2023", caption_kind="prognos", document_year="2023", document_month=8) == [
        ("Jan–jun 2023", "prognos", "2023-06", "")]
    # one month and a year is no span of months to date: a bare year of the document's own is not guessed
    assert placed("Jun 2023", document_year="2023", document_month=8, report=True) == [("Jun 2023", "", "", "")]


@pytest.mark.parametrize("kind", ["Budget", "Prognos", "Avvikelse", "Mål", "Plan", "Förändring"])
def test_a_planned_kind_without_a_year_takes_the_year_of_the_caption_or_the_document(kind: str) -> None:
    folded = LEX.kind_of(kind)
    assert placed(kind, caption_years=("2024",), document_year="2025") == [(kind, folded, "2024", "caption")]
    assert placed(kind, document_year="2025") == [(kind, folded, "2025", "document")]
    # two years in the caption: which one cannot be told
    assert placed(kind, caption_years=("2024", "2025"), document_year="2025") == [(kind, folded, "", "")]


def test_an_outcome_without_a_year_is_placed_only_by_a_caption_with_one_year_and_a_month() -> None:
    assert placed("Utfall", caption_years=("2024",), caption_month=8) == [("Utfall", "utfall", "2024-08",
                                                                            "caption")]
    assert placed("Utfall", caption_years=("2023", "2024"), caption_month=8) == [("Utfall", "utfall", "", "")]
    assert placed("Utfall", caption_years=("2024",)) == [("Utfall", "utfall", "", "")]
    assert placed("Budget", caption_years=("2024",), caption_month=8) == [("Budget", "budget", "2024", "caption")]
    assert placed("Utfall 2023", caption_years=("2024",), caption_month=8) == [("Utfall 2023", "utfall", "2023", "")]


def test_a_part_year_column_runs_to_the_month_of_the_caption_or_the_document() -> None:
    assert placed("Delår 2024", caption_years=("2024",), caption_month=4, document_month=8) == [
        ("Delår 2024", "utfall", "2024-04", "caption")]
    assert placed("Delår 2024", document_year="2024", document_month=8) == [
        ("Delår 2024", "utfall", "2024-08", "document")]
    assert placed("Delår 2024", document_year="2024") == [("Delår 2024", "utfall", "", "document")]
    for header in ["Halvårsbokslut 2024", "Tertialbokslut 2024", "Ack. utfall 2024", "ACK utfall 2024"]:
        assert placed(header, document_month=8)[0][1:] == ("utfall", "2024-08", "document"), header
    # a part-year header that names its month keeps it; a year that is not part of a year stays the year
    assert placed("Delår jan–apr 2024", document_month=8)[0][2] == "2024-04"
    assert placed("Utfall 2024", document_month=8)[0][2] == "2024"
    assert placed("Budget delår", caption_years=("2024",), caption_month=4)[0][1:] == ("budget", "2024-04",
                                                                                       "caption")


def test_a_group_column_takes_the_caption_kind_and_year() -> None:
    assert placed("Kvinnor Män", caption_years=("2024",)) == [("Kvinnor", "utfall", "2024", "caption"),
                                                              ("Män", "utfall", "2024", "caption")]
    assert placed("Kvinnor", caption_kind="mål", caption_years=("2024",)) == [("Kvinnor", "mål", "2024", "caption")]
    assert placed("Kvinnor", caption_years=("2023", "2024")) == [("Kvinnor", "utfall", "", "")]
    assert placed("Kvinnor") == [("Kvinnor", "", "", "")]
    assert placed("Kvinnor", caption_kind="budget") == [("Kvinnor", "budget", "", "")]


def test_a_budget_over_several_years_gets_no_year_from_its_context() -> None:
    assert placed("Totalbudget", document_year="2025") == [("Totalbudget", "budget", "", "")]
    assert placed("Totalbudget 2025", document_year="2025") == [("Totalbudget 2025", "budget", "2025", "")]


def test_a_bare_year_is_placed_from_the_document() -> None:
    assert placed("2023 2024", document_year="2024") == [("2023", "utfall", "2023", ""), ("2024", "", "", "")]
    assert placed("2023 2024", document_year="2024", report=True) == [("2023", "utfall", "2023", ""),
                                                                     ("2024", "utfall", "2024", "")]
    assert placed("2023", caption_kind="mål", document_year="2024") == [("2023", "mål", "2023", "")]
    assert placed("2023") == [("2023", "", "", "")]


def test_periods_below_leave_the_columns_above_as_they_were() -> None:
    found = columns("Budget 2025 Plan 2026–2027 Halvår")
    assert continue_columns(found, classify("2020", 0, 4, LEX))
    assert [(c.header(), *place(c, context())) for c in found] == [
        ("Budget 2025", "budget", "2025", ""), ("Plan 2026–2027", "plan", "2026/2027", ""),
        ("Halvår 2020", "utfall", "2020-06", "")]
    dashed = columns("Utfall jan")
    assert continue_columns(dashed, classify("- jun 2024", 0, 10, LEX))
    assert [(c.header(), c.placed_period()) for c in dashed] == [("Utfall jan - jun 2024", "2024-06")]
    # the range's end year, when it is the column's own year, is taken with it and not again
    ended = columns("Utfall jan 2020 Budget")
    assert continue_columns(ended, classify("-jun 2020 2020", 0, 14, LEX))
    assert [(c.header(), c.placed_period()) for c in ended] == [("Utfall jan 2020 -jun 2020", "2020-06"),
                                                                ("Budget 2020", "2020")]


def test_a_month_span_ending_in_a_dated_period_is_the_outcome_to_that_month() -> None:
    assert placed("Jan 2021-08", document_year="2021", document_month=8, report=True) == [
        ("Jan 2021-08", "utfall", "2021-08", "")]


def test_a_caption_year_never_places_a_bare_year_column() -> None:
    assert placed("2024", caption_years=("2024",), document_year="2024", document_month=8, report=True) == [
        ("2024", "", "", "")]


def test_a_group_column_with_a_year_keeps_its_own_year() -> None:
    # once placed under the caption's year: 'Kvinnor 2024' under 'Sjukfrånvaro 2023' became 2023
    assert placed("Kvinnor 2024 Män 2024", caption_years=("2023",)) == [("Kvinnor 2024", "utfall", "2024", ""),
                                                                        ("Män 2024", "utfall", "2024", "")]
    assert placed("Kvinnor 2024", caption_kind="budget", caption_years=("2023",)) == [
        ("Kvinnor 2024", "budget", "2024", "")]
