"""Prompt files: every shipped prompt loads with the expected placeholders; rendering is strict."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.prompts import (
    CANNOT_ANSWER,
    EXPECTED,
    Prompt,
    PromptError,
    default_prompts_dir,
    load_prompt,
    parse_placeholders,
    prompt_hashes,
)


def test_shipped_prompts_are_exactly_the_registered_ones() -> None:
    shipped = {path.stem for path in default_prompts_dir().glob("*.txt")}
    assert shipped == set(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_every_shipped_prompt_loads_with_expected_placeholders(name: str) -> None:
    prompt = load_prompt(name)
    assert prompt.name == name
    assert prompt.placeholders == EXPECTED[name]
    rendered = prompt.render(**{key: f"<{key}>" for key in prompt.placeholders})
    for key in prompt.placeholders:
        assert f"<{key}>" in rendered
    assert "{{" not in rendered  # doubled literal braces collapse when rendered


def test_answer_prompts_carry_the_cannot_answer_sentence() -> None:
    system = load_prompt("answer_system").render(cannot_answer=CANNOT_ANSWER)
    user = load_prompt("answer").render(question="Vad?", passages="[K1] Text.", cannot_answer=CANNOT_ANSWER)
    assert CANNOT_ANSWER in system
    assert CANNOT_ANSWER in user
    # The literal sentence lives only in code: prompt files refer to it by placeholder.
    for name in EXPECTED:
        assert CANNOT_ANSWER not in load_prompt(name).text


def test_draft_prompt_shows_fact_placeholders_with_single_braces() -> None:
    values = {key: "x" for key in EXPECTED["draft_indicator"]}
    rendered = load_prompt("draft_indicator").render(**values)
    assert "{F12}" in rendered
    assert "[Analys:" in rendered
    assert "{F12}" in load_prompt("draft_system").render()
    assert "{F12}" in load_prompt("repair").render(draft="d", findings="f")


def test_render_missing_value_is_an_error() -> None:
    prompt = load_prompt("repair")
    with pytest.raises(PromptError, match=r"missing values for \['findings'\]"):
        prompt.render(draft="utkast")


def test_render_unknown_value_is_an_error() -> None:
    prompt = load_prompt("repair")
    with pytest.raises(PromptError, match=r"unknown values \['extra'\]"):
        prompt.render(draft="utkast", findings="fel", extra="x")


def test_render_keeps_braces_inside_values() -> None:
    prompt = Prompt.from_text("t", "Fråga: {question}")
    assert prompt.render(question="Vad betyder {F1} och {}?") == "Fråga: Vad betyder {F1} och {}?"


def test_wrong_placeholder_in_registered_prompt_fails_at_load(tmp_path: Path) -> None:
    (tmp_path / "repair.txt").write_text("Utkast: {draft}\nFel: {findngs}\n", encoding="utf-8")
    with pytest.raises(PromptError, match=r"missing \['findings'\], unexpected \['findngs'\]"):
        load_prompt("repair", tmp_path)


def test_unregistered_prompt_loads_without_registry_check(tmp_path: Path) -> None:
    (tmp_path / "egen.txt").write_text("Hej {namn}, {{inte}} en platshållare.", encoding="utf-8")
    prompt = load_prompt("egen", tmp_path)
    assert prompt.placeholders == {"namn"}
    assert prompt.render(namn="Ada") == "Hej Ada, {inte} en platshållare."


@pytest.mark.parametrize("text", ["{0}", "{}", "{a.b}", "{a[0]}"])
def test_positional_and_attribute_fields_are_refused(text: str) -> None:
    with pytest.raises(PromptError, match="only plain names"):
        parse_placeholders(text)


def test_unbalanced_brace_is_refused() -> None:
    with pytest.raises(PromptError, match="not a valid format string"):
        parse_placeholders("Ett ensamt { tecken")


def test_missing_file_and_bad_names(tmp_path: Path) -> None:
    with pytest.raises(PromptError, match="does not exist"):
        load_prompt("answer", tmp_path)
    for bad in ["", "../answer", ".hidden", "a/b"]:
        with pytest.raises(PromptError, match="Invalid prompt name"):
            load_prompt(bad)


def test_hash_is_stable_and_tracks_content(tmp_path: Path) -> None:
    hashes = prompt_hashes(sorted(EXPECTED))
    assert hashes == prompt_hashes(sorted(EXPECTED))
    assert set(hashes) == set(EXPECTED)
    assert all(len(value) == 64 for value in hashes.values())
    assert len(set(hashes.values())) == len(hashes)

    (tmp_path / "egen.txt").write_text("A {x}", encoding="utf-8")
    before = load_prompt("egen", tmp_path).sha256
    assert before == Prompt.from_text("egen", "A {x}").sha256
    (tmp_path / "egen.txt").write_text("A {x}.", encoding="utf-8")
    assert load_prompt("egen", tmp_path).sha256 != before
