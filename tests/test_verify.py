"""The citation check (assistant.answering.verify): a number reaches the reader only when a cited quote holds it,
sign and all, and every problem is named to the reader in Swedish."""

from __future__ import annotations

from assistant.answering.verify import check_answer, unsupported_numbers
from assistant.prompts import CANNOT_ANSWER
from assistant.types import Citation


def cite(quote: str, key: str = "1", header: str = "") -> Citation:
    return Citation(key=key, document="d", start=0, end=len(quote), quote=quote, header=header)


# -- signs: '-1,3' and '1,3' are different numbers, whatever stands beside them -------------------------------


def test_a_key_written_against_a_negative_figure_does_not_drop_its_sign() -> None:
    # the answer says -1,3; the document says 1,3: the key before the minus must not turn it into a word break
    # that leaves '1,3' to be found in the quote
    assert unsupported_numbers("Resultatet blev [1]-1,3 mnkr", [cite("Resultatet blev 1,3 mnkr")]) == ["-1,3 mnkr"]
    assert unsupported_numbers("Resultatet blev [1]-1,3 mnkr", [cite("Resultatet blev -1,3 mnkr")]) == []


def test_a_footnote_key_in_a_quote_keeps_the_sign_of_the_figure_after_it() -> None:
    # '[2]' in the document is a footnote marker: the figure after it is still -1,3, never 1,3
    quote = cite("Avvikelse mot budget [2]-1,3 mnkr")
    assert unsupported_numbers("Avvikelsen mot budget var -1,3 mnkr [1]", [quote]) == []
    assert unsupported_numbers("Avvikelsen mot budget var 1,3 mnkr [1]", [quote]) == ["1,3 mnkr"]


# -- what the reader is told -----------------------------------------------------------------------------------


def test_a_refusal_where_passages_exist_is_reported_as_such() -> None:
    problems = check_answer(f"{CANNOT_ANSWER}", [cite("Sjukfrånvaron var 5,9 procent.")])
    assert problems == ["språkmodellen vägrade trots stöd i underlaget; sammanställt svar används"]


def test_each_problem_names_the_key_or_the_number_it_is_about() -> None:
    problems = check_answer("Sjukfrånvaron var 6,1 procent [3].", [cite("Sjukfrånvaron var 5,9 procent.")])
    assert problems == ["okänd källnyckel [3] i svaret", "svaret saknar källhänvisning",
                        "siffran 6,1 procent finns inte i någon citerad källa"]


def test_an_answer_without_any_key_is_rejected_even_when_its_number_is_right() -> None:
    assert check_answer("Sjukfrånvaron var 5,9 procent.", [cite("Sjukfrånvaron var 5,9 procent.")]) == [
        "svaret saknar källhänvisning", "siffran 5,9 procent finns inte i någon citerad källa"]
