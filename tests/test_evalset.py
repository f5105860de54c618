"""Tests for the hand-written eval set and its validator (assistant.evalset)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assistant.evalset import (
    EvalItem,
    EvalSetError,
    check_coverage,
    dataset_stats,
    find_quote,
    load_items,
    normalize_ws,
    validate,
)

REPO_ROOT = Path(__file__).resolve().parents[1]
CORPUS_DIR = REPO_ROOT / "corpus"
QA_PATH = REPO_ROOT / "evals" / "qa.jsonl"
INDEXED_DOCUMENTS = [
    "lerum-stod-och-omsorgsnamnden-verksamhetsplan-2024.txt",
    "lerum-individnamnden-verksamhetsplan-2024.txt",
    "alingsas-vard-och-omsorgsnamnden-verksamhetsberattelse-2024.txt",
    "herrljunga-socialnamnden-handlingar-2021-09.txt",
]
LAYOUT_DUPLICATE = "lerum-stod-och-omsorgsnamnden-verksamhetsplan-2024-layout.txt"

DOC_TEXT = (
    "Rubrik\n\nNämndens nettoram stärks med totalt\t44,3 miljoner\nkronor år 2024.\n"
    + "Utfyllnad. " * 60
    + "\nLångt bort står siffran 99,9 som inte hör till citatet.\n"
)


def _item(**overrides: object) -> dict[str, object]:
    """Return a valid raw item dict, with optional field overrides."""
    raw: dict[str, object] = {
        "id": "t001",
        "question": "Med hur mycket stärks nettoramen?",
        "answer": "Med 44,3 miljoner kronor.",
        "must_include": ["44,3"],
        "sources": [{"document": "doc.txt", "quote": "nettoram stärks med totalt 44,3 miljoner kronor"}],
        "category": "budget_figure",
    }
    raw.update(overrides)
    return raw


def _write_jsonl(path: Path, rows: list[dict[str, object]]) -> Path:
    """Write rows as UTF-8 JSON lines and return the path."""
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    """A one-document corpus directory."""
    d = tmp_path / "corpus"
    d.mkdir()
    (d / "doc.txt").write_text(DOC_TEXT, encoding="utf-8")
    return d


# --- the real eval set -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def real_items() -> list[EvalItem]:
    """The committed evals/qa.jsonl."""
    return load_items(QA_PATH)


def test_real_evalset_is_valid_against_corpus(real_items: list[EvalItem]) -> None:
    """Every quote is found in the repo's corpus and every must_include lies near its quote."""
    assert CORPUS_DIR.is_dir(), f"corpus saknas: {CORPUS_DIR}"
    problems = validate(real_items, CORPUS_DIR)
    assert problems == [], "\n".join(problems)


@pytest.mark.parametrize("name", ["heldout.jsonl", "heldout2.jsonl"])
def test_heldout_sets_are_valid_against_corpus(name: str) -> None:
    """The held-out sets follow the same rules: every quote is in the corpus."""
    items = load_items(REPO_ROOT / "evals" / name)
    assert len(items) == 40 and sum(i.category == "unanswerable" for i in items) == 5
    problems = validate(items, CORPUS_DIR)
    assert problems == [], "\n".join(problems)


def test_real_evalset_size_and_coverage(real_items: list[EvalItem]) -> None:
    """At least 100 items, ≥10 % English, ≥8 % unanswerable, ≥15 items per indexed document."""
    assert len(real_items) >= 100
    assert check_coverage(real_items, INDEXED_DOCUMENTS, min_per_document=15) == []
    stats = dataset_stats(real_items)
    assert LAYOUT_DUPLICATE not in stats["per_document"]
    assert set(stats["per_category"]) == {
        "indicator_value",
        "indicator_trend",
        "budget_figure",
        "fact_lookup",
        "list",
        "multi_hop",
        "cross_doc",
        "unanswerable",
        "ambiguous_municipality",
    }


def test_real_evalset_ambiguous_items_name_the_municipality(real_items: list[EvalItem]) -> None:
    """ambiguous_municipality items require the municipality name in must_include."""
    towns = ("Lerum", "Alingsås", "Herrljunga")
    for item in real_items:
        if item.category == "ambiguous_municipality":
            assert any(t in item.must_include for t in towns), item.id


# --- validator unit tests -----------------------------------------------------------------------


def test_good_item_passes(tmp_path: Path, corpus: Path) -> None:
    """A correctly quoted item yields no problems."""
    items = load_items(_write_jsonl(tmp_path / "qa.jsonl", [_item()]))
    assert validate(items, corpus) == []


def test_misquoted_item_fails(tmp_path: Path, corpus: Path) -> None:
    """A quote that is not in the document is reported."""
    bad = _item(sources=[{"document": "doc.txt", "quote": "nettoram stärks med totalt 45,3 miljoner kronor"}])
    problems = validate(load_items(_write_jsonl(tmp_path / "qa.jsonl", [bad])), corpus)
    assert len(problems) == 1 and "hittas inte" in problems[0]


def test_must_include_far_from_quote_fails(tmp_path: Path, corpus: Path) -> None:
    """A must_include string that only occurs far (>300 chars) from the quote is reported."""
    far = _item(answer="44,3 och 99,9", must_include=["44,3", "99,9"])
    problems = validate(load_items(_write_jsonl(tmp_path / "qa.jsonl", [far])), corpus)
    assert len(problems) == 1 and "'99,9'" in problems[0]


def test_unknown_document_fails(tmp_path: Path, corpus: Path) -> None:
    """A source naming a file not in the corpus is reported."""
    bad = _item(sources=[{"document": "saknas.txt", "quote": "nettoram"}])
    problems = validate(load_items(_write_jsonl(tmp_path / "qa.jsonl", [bad])), corpus)
    assert any("okänt dokument" in p for p in problems)


def test_unanswerable_rules(tmp_path: Path, corpus: Path) -> None:
    """Unanswerable items must have no sources/must_include; answerable ones must have both."""
    rows = [
        _item(id="u1", category="unanswerable"),
        _item(id="u2", category="unanswerable", must_include=[], sources=[]),
        _item(id="a1", must_include=[], sources=[]),
    ]
    problems = validate(load_items(_write_jsonl(tmp_path / "qa.jsonl", rows)), corpus)
    assert any(p.startswith("u1:") and "must_include" in p for p in problems)
    assert any(p.startswith("u1:") and "sources" in p for p in problems)
    assert not any(p.startswith("u2:") for p in problems)
    assert any(p.startswith("a1:") and "sources saknas" in p for p in problems)
    assert any(p.startswith("a1:") and "must_include saknas" in p for p in problems)


def test_answer_must_contain_must_include(tmp_path: Path, corpus: Path) -> None:
    """The reference answer itself must contain the must_include strings."""
    bad = _item(answer="Med drygt 44 miljoner.")
    problems = validate(load_items(_write_jsonl(tmp_path / "qa.jsonl", [bad])), corpus)
    assert any("referenssvaret" in p for p in problems)


def test_bad_json_names_file_and_line(tmp_path: Path) -> None:
    """Malformed JSON raises EvalSetError naming the file and the line number."""
    path = tmp_path / "qa.jsonl"
    path.write_text(json.dumps(_item(), ensure_ascii=False) + "\n{inte json\n", encoding="utf-8")
    with pytest.raises(EvalSetError, match=r"qa\.jsonl, rad 2: ogiltig JSON"):
        load_items(path)


def test_bad_fields_name_the_line(tmp_path: Path) -> None:
    """Unknown fields or a bad category raise EvalSetError naming the line."""
    path = _write_jsonl(tmp_path / "qa.jsonl", [_item(), _item(id="t002", extra="x")])
    with pytest.raises(EvalSetError, match=r"rad 2: ogiltiga fält"):
        load_items(path)
    path = _write_jsonl(tmp_path / "qa.jsonl", [_item(category="gissning")])
    with pytest.raises(EvalSetError, match=r"rad 1: ogiltiga fält: category"):
        load_items(path)


def test_duplicate_ids_are_rejected(tmp_path: Path) -> None:
    """A repeated id raises EvalSetError naming both lines."""
    path = _write_jsonl(tmp_path / "qa.jsonl", [_item(), _item()])
    with pytest.raises(EvalSetError, match=r"rad 2: dubblett-id 't001' \(första gången på rad 1\)"):
        load_items(path)


def test_eval_set_error_is_value_error() -> None:
    """EvalSetError is a ValueError subclass."""
    assert issubclass(EvalSetError, ValueError)


def test_lang_field_defaults_to_swedish() -> None:
    """lang is optional, defaults to 'sv' and only accepts sv/en."""
    assert EvalItem.model_validate(_item()).lang == "sv"
    assert EvalItem.model_validate(_item(lang="en")).lang == "en"
    with pytest.raises(ValueError):
        EvalItem.model_validate(_item(lang="de"))


# --- whitespace handling ------------------------------------------------------------------------


def test_normalize_ws_collapses_all_whitespace() -> None:
    """Tabs, newlines and no-break spaces collapse to one space; ends are stripped."""
    assert normalize_ws("  a\t\tb\n\nc\u00a0d\u202fe \r\n ") == "a b c d e"
    assert normalize_ws("") == ""


def test_find_quote_is_whitespace_insensitive_and_maps_offsets() -> None:
    """A quote with different whitespace matches, and the span points into the original text."""
    doc = "Intro.\nTotalt\t235,8\t-1031,4\n\n-1\u00a0081,7  slut"
    quote = "Totalt 235,8 -1031,4 -1 081,7"
    span = find_quote(doc, quote)
    assert span is not None
    start, end = span
    assert start == doc.index("Totalt")
    assert end == doc.index("081,7") + len("081,7")
    assert normalize_ws(doc[start:end]) == quote


def test_find_quote_handles_leading_whitespace_and_misses() -> None:
    """Leading/trailing whitespace in the quote is ignored; absent quotes give None."""
    doc = "a\n\nb\tc"
    assert find_quote(doc, "  b   c\n") == (3, 6)
    assert find_quote(doc, "b d") is None
    assert find_quote(doc, "   ") is None


def test_validate_accepts_quote_with_other_whitespace(tmp_path: Path, corpus: Path) -> None:
    """Quotes written with single spaces match text split by tabs and newlines."""
    row = _item(sources=[{"document": "doc.txt", "quote": "stärks med totalt 44,3 miljoner kronor år 2024."}])
    assert validate(load_items(_write_jsonl(tmp_path / "qa.jsonl", [row])), corpus) == []


# --- dataset-level checks -----------------------------------------------------------------------


def test_check_coverage_reports_shortfalls(tmp_path: Path) -> None:
    """Too few English/unanswerable items and an uncovered document are all reported."""
    items = [EvalItem.model_validate(_item(id=f"t{i}")) for i in range(10)]
    problems = check_coverage(items, ["doc.txt", "annan.txt"])
    assert any("engelska" in p for p in problems)
    assert any("obesvarbara" in p for p in problems)
    assert any("annan.txt" in p for p in problems)
    assert not any("doc.txt" in p for p in problems)


def test_english_heuristic_and_stats() -> None:
    """English questions are detected without a lang field; stats count categories and documents."""
    en = EvalItem.model_validate(_item(id="e1", question="What is the net budget frame for the committee?"))
    un = EvalItem.model_validate(
        _item(id="u1", category="unanswerable", must_include=[], sources=[], answer="Framgår inte.")
    )
    stats = dataset_stats([en, un])
    assert stats["per_language"] == {"en": 1, "sv": 1}
    assert stats["per_category"] == {"budget_figure": 1, "unanswerable": 1}
    assert stats["per_document"] == {"doc.txt": 1}
    assert check_coverage([en, un], ["doc.txt"]) == []
