"""The optional LLM step: the model rewrites the composed answer from the same cited passages (quoted as data)."""

from __future__ import annotations

from assistant.language.messages import message
from assistant.llm import LLM, LLMError
from assistant.prompts import CANNOT_ANSWER, load_prompt
from assistant.types import Answer


def polish(llm: LLM, composed: Answer) -> tuple[str, str]:
    """(the model's text, '') or ('', why it gave none)."""
    block = "\n\n".join(f"[{c.key}] ({c.title}, {c.section})\n\"\"\"\n{c.header + chr(10) if c.header else ''}"
                        f"{c.quote}\n\"\"\"" for c in composed.citations)
    prompt = load_prompt("answer").render(question=composed.question, passages=block, cannot_answer=CANNOT_ANSWER)
    system = load_prompt("answer_system").render(cannot_answer=CANNOT_ANSWER)
    try:
        return llm.complete(prompt, system=system).strip(), ""
    except LLMError as exc:
        return "", message("answering", "model_failed", error=exc)
