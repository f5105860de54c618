"""Near-duplicates: word shingles (case and layout ignored), MinHash signatures, similarity, extraction quality."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from assistant.clean import clean_text
from assistant.dedupe import extraction_quality, shingles, signature, similarity
from assistant.settings import IngestSettings
from tests.conftest import CORPUS

LIMITS = IngestSettings()
SIZE, PERMUTATIONS = LIMITS.shingle_words, LIMITS.minhash_permutations


def corpus_text(name: str) -> str:
    return clean_text((CORPUS / name).read_text(encoding="utf-8"))


def sig(text: str) -> list[int]:
    return signature(text, SIZE, PERMUTATIONS)


PLAN = "lerum-stod-och-omsorgsnamnden-verksamhetsplan-2024.txt"
PLAN_LAYOUT = "lerum-stod-och-omsorgsnamnden-verksamhetsplan-2024-layout.txt"
OTHER = "lerum-individnamnden-verksamhetsplan-2024.txt"


def test_near_duplicates_ignore_letter_case() -> None:
    """A copy whose case was changed (a heading set in capitals, an all-caps export) is the same document."""
    text = corpus_text(PLAN)
    assert similarity(sig(text), sig(text.upper())) == 1.0
    assert similarity(sig(text), sig(text.swapcase())) == 1.0
    assert shingles("Stöd- och OMSORGSNÄMNDEN", 2) == {b"st\xc3\xb6d och", b"och omsorgsn\xc3\xa4mnden"}


def test_shingles_are_overlapping_word_windows_without_punctuation_or_layout() -> None:
    words = "Kompetens-\nförsörjning, i (hela) förvaltningen."
    assert shingles(words, 3) == {b"kompetens f\xc3\xb6rs\xc3\xb6rjning i", "försörjning i hela".encode(),
                                  b"i hela f\xc3\xb6rvaltningen"}
    assert shingles("ett två tre fyra", 2) == {b"ett tv\xc3\xa5", "två tre".encode(), b"tre fyra"}


def test_a_text_shorter_than_a_shingle_is_one_shingle_and_an_empty_text_none() -> None:
    assert shingles("Hemtjänst Lerum", 3) == {"hemtjänst lerum".encode()}
    assert shingles("ett två tre", 3) == {"ett två tre".encode()}
    assert shingles(" \n– . ", 3) == set()
    assert signature("", SIZE, 8) == signature("   ", SIZE, 8)


@given(st.lists(st.sampled_from(["hemtjänst", "Lerum", "budget", "2024", "ÄLDRE", "vård"]), min_size=0, max_size=12),
       st.integers(min_value=1, max_value=5))
def test_shingle_count_is_one_window_per_position(words: list[str], size: int) -> None:
    text = " ".join(words)
    windows = {" ".join(w.lower() for w in words[i : i + size]).encode() for i in range(max(1, len(words) - size + 1))}
    assert shingles(text, size) == (windows if words else set())


def test_signature_has_one_value_per_permutation_and_is_stable_across_runs() -> None:
    """Signatures are stored with each document and compared with later ingestions: the same text must give the
    same values in every process and release (fixed seed, CRC32 over the shingles)."""
    values = signature("Hemtjänsten i Lerum växer.", 3, 8)
    assert values == [1105752073, 159667362, 2902576846, 836700945, 1012282846, 2766550007, 2260289615, 1824138028]
    assert all(type(v) is int for v in values)
    assert len(signature("Hemtjänsten i Lerum växer.", 3, PERMUTATIONS)) == PERMUTATIONS


def test_the_two_extractions_of_one_plan_are_near_duplicates_and_other_plans_are_not() -> None:
    """The corpus' layout extraction of Stöd- och omsorgsnämnden's plan is one document with the plain one."""
    plan, layout, other = sig(corpus_text(PLAN)), sig(corpus_text(PLAN_LAYOUT)), sig(corpus_text(OTHER))
    assert similarity(plan, layout) >= 0.9 > LIMITS.duplicate_threshold
    assert similarity(plan, other) < LIMITS.duplicate_threshold


def test_similarity_is_the_share_of_equal_positions() -> None:
    assert similarity([1, 2, 3, 4], [1, 2, 3, 4]) == 1.0
    assert similarity([1, 2, 3, 4], [1, 9, 3, 9]) == 0.5
    assert similarity([1, 2, 3, 4], [5, 6, 7, 8]) == 0.0
    assert similarity([2**32 - 1, 7], [2**32 - 1, 8]) == 0.5


@pytest.mark.parametrize(("a", "b"), [([], []), ([], [1]), ([1, 2], [1]), ([1], [1, 2])])
def test_signatures_that_cannot_be_compared_are_not_similar(a: list[int], b: list[int]) -> None:
    assert similarity(a, b) == 0.0


def test_similarity_estimates_the_jaccard_index_of_the_shingles() -> None:
    words = [f"ord{i}" for i in range(300)]
    a, b = " ".join(words[:200]), " ".join(words[100:])
    sa, sb = shingles(a, SIZE), shingles(b, SIZE)
    jaccard = len(sa & sb) / len(sa | sb)
    assert similarity(signature(a, SIZE, 512), signature(b, SIZE, 512)) == pytest.approx(jaccard, abs=0.08)


def test_extraction_quality_is_mean_characters_per_nonblank_line() -> None:
    assert extraction_quality("ab\n\n  \nabcd\nb") == round((2 + 4 + 1) / 3, 2) == 2.33
    assert extraction_quality("två ord\nett") == 5.0  # whole lines, spaces included
    assert extraction_quality("") == 0.0
    assert extraction_quality("\n \n\t\n") == 0.0
    plain, layout = corpus_text(PLAN), corpus_text(PLAN_LAYOUT)
    assert extraction_quality(plain) > extraction_quality(layout)  # the plain extraction keeps lines whole

