"""Chunking: sections → token-bounded chunks with exact spans and a contextual header; Chunk ↔ TextNode."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from llama_index.core.schema import NodeRelationship, RelatedNodeInfo, TextNode

from assistant.settings import ChunkSettings
from assistant.types import Chunk, SourceDocument, content_id

CHUNKER_VERSION = "1"
HEADER_SEPARATOR = "\n\n"

_MIN_REGION_CHARS = 160  # sections shorter than this (a heading, a table label) join the next one
_MIN_BODY_TOKENS = 48  # the header is shortened rather than leaving less than this for the text
_SENTENCE_RE = re.compile(r"[^.!?;]+(?:[.!?;]+|$)\s*")
_WORD_SPAN_RE = re.compile(r"\S+\s*")
_NUMBER_RE = re.compile(r"^[-–+<>]?\d[\d,.%]*$")
_YEAR_RE = re.compile(r"^(?:\(?(?:19|20)\d\d(?:[-–]\d\d(?:[-–]\d\d)?)?\)?|\d{6}|[a-zåäö]{3}-\d\d)$")
_COLUMN_WORDS = {
    "utfall", "budget", "budgeterat", "prognos", "mål", "avvikelse", "bokslut", "resultat", "intäkt", "intäkter",
    "kostnad", "kostnader", "brutto", "netto", "totalt", "summa", "kvinnor", "män", "riskområde", "risk",
    "kontrollmetod", "tidpunkt", "ärende", "lagrum", "delegat", "anteckning", "indikator", "indikatorer",
    "mätetal", "nyckeltal", "helår", "period", "tkr", "mnkr", "år", "ombudgetering", "bedömning", "åtgärd",
    "kontroll", "riskbeskrivning", "identifierad", "nr", "förändring", "diff", "differens", "(tkr)", "s:a",
}


@dataclass(frozen=True)
class _Span:
    start: int
    end: int


def _count_tiktoken(encoding: str) -> Callable[[str], int]:
    """A tiktoken counter (the BPE files come from llama-index's bundled cache; see assistant.offline)."""
    import tiktoken

    from assistant.offline import configure_offline_env

    configure_offline_env()  # library callers too: tiktoken must read the bundled files, never download them
    enc = tiktoken.get_encoding(encoding)
    return lambda text: len(enc.encode(text, disallowed_special=()))


def is_column_header(line: str) -> bool:
    """A table's column header line: mostly years and column words ('Indikator Mål 2024 Utfall 2024 …')."""
    stripped = line.strip()
    if not stripped or len(stripped) > 160 or stripped.endswith((".", ":")):
        return False
    tokens = stripped.replace("\t", " ").lower().split()
    hits = sum(1 for t in tokens if t in _COLUMN_WORDS or _YEAR_RE.match(t))
    return hits >= 2 and hits >= 0.4 * len(tokens) and _plain_numbers(tokens) <= 1


def _plain_numbers(tokens: list[str]) -> int:
    """Numbers that are not years: a data row has several, a column header at most a footnote-glued one."""
    return sum(1 for t in tokens if _NUMBER_RE.match(t) and not _YEAR_RE.match(t))


def _is_data_row(line: str) -> bool:
    return _plain_numbers(line.lower().split()) >= 2


def _is_prose(line: str) -> bool:
    return "\t" not in line and len(line) > 160 and line.rstrip().endswith((".", "!", "?"))


def _lines(text: str, start: int, end: int) -> list[_Span]:
    """Non-blank lines of text[start:end] as spans without their surrounding whitespace."""
    spans = []
    for match in re.finditer(r"[^\n]+", text[start:end]):
        s, e = start + match.start(), start + match.end()
        while s < e and text[s].isspace():
            s += 1
        while e > s and text[e - 1].isspace():
            e -= 1
        if e > s:
            spans.append(_Span(s, e))
    return spans


class Chunker:
    """Cuts a document into chunks that fit both the LLM budget (tiktoken) and the embedder (its own tokenizer)."""

    def __init__(
        self,
        settings: ChunkSettings,
        count_embed_tokens: Callable[[str], int],
        embed_max_tokens: int,
        count_llm_tokens: Callable[[str], int] | None = None,
    ) -> None:
        self.settings = settings
        self.count_embed = lru_cache(maxsize=65536)(count_embed_tokens)
        self.embed_limit = min(settings.max_embed_tokens or embed_max_tokens, embed_max_tokens)
        self.count_llm = lru_cache(maxsize=65536)(count_llm_tokens or _count_tiktoken(settings.encoding))

    @property
    def fingerprint(self) -> dict[str, Any]:
        """What changes the chunks: version, parameters and the embedder limit."""
        return {"chunker": CHUNKER_VERSION, **self.settings.model_dump(mode="json"), "embed_limit": self.embed_limit}

    # -- headers ---------------------------------------------------------------------------------------------

    def header_for(self, document: SourceDocument, section: str, table: str = "") -> str:
        """Municipality, body, title, section and (for table rows) the table heading and columns."""
        meta = document.meta
        first = " · ".join(p for p in (meta.municipality, meta.body) if p)
        title = meta.title or document.name
        lines = [f"{first}: {title[:120]}" if first else title[:120]]
        if section and section.casefold() not in title.casefold():
            lines.append(f"Avsnitt: {section[:100]}")
        if table:
            lines.append(table)
        return "\n".join(lines)

    def table_context(self, text: str, region_start: int, at: int) -> str:
        """'Tabell: heading | Kolumner: …' when `at` lies in a table whose column header line precedes it."""
        if not self.settings.table_header:
            return ""
        # Only the last 60 lines before `at` are looked at: scan a bounded window, not the whole section
        # (a long section would otherwise cost O(n) per chunk and O(n²) per document).
        window = max(region_start, at - 24_000)
        if window > region_start:
            window = text.find("\n", window, at) + 1 or at
        lines = _lines(text, window, at)
        for i in range(len(lines) - 1, max(-1, len(lines) - 60), -1):
            line = text[lines[i].start : lines[i].end]
            if is_column_header(line):
                columns = [line]
                # Headers broken over lines ('Utfall' / '2021-08' / 'Budget' …) continue until the first row.
                for nxt in lines[i + 1 : i + 12]:
                    piece = text[nxt.start : nxt.end]
                    if len(piece) > 30 or not all(t.lower() in _COLUMN_WORDS or _YEAR_RE.match(t.lower())
                                                  for t in piece.split()):
                        break
                    columns.append(piece)
                heading = ""
                if i > 0:
                    prev = text[lines[i - 1].start : lines[i - 1].end]
                    if len(prev) <= 120 and not is_column_header(prev) and not _is_data_row(prev):
                        heading = prev
                cols = re.sub(r"\s+", " ", " ".join(columns))[:200]
                return f"Tabell: {heading[:100]} | Kolumner: {cols}" if heading else f"Kolumner: {cols}"
            if _is_prose(line):
                return ""
        return ""

    # -- splitting -------------------------------------------------------------------------------------------

    def _regions(self, document: SourceDocument) -> list[tuple[str, int, int]]:
        """(section title, start, end) covering the whole text; tiny sections join the next one."""
        text = document.text
        bounds: list[tuple[str, int, int]] = []
        first = document.sections[0].start if document.sections else len(text)
        if text[:first].strip():
            bounds.append(("", 0, first))
        bounds += [(s.title, s.start, s.end) for s in document.sections]
        merged: list[tuple[str, int, int]] = []
        pending: tuple[str, int] | None = None
        for title, start, end in bounds:
            if pending is not None:
                title, start = pending
                pending = None
            if len(text[start:end].strip()) < _MIN_REGION_CHARS and (title, start, end) != bounds[-1]:
                pending = (title, start)
                continue
            merged.append((title, start, end))
        return merged

    def _units(self, text: str, start: int, end: int, budget: int) -> list[_Span]:
        """Lines; a line over budget becomes sentences, a sentence over budget becomes word windows."""
        units: list[_Span] = []
        for line in _lines(text, start, end):
            if self._cost(text, line) <= budget:
                units.append(line)
                continue
            for match in _SENTENCE_RE.finditer(text[line.start : line.end]):
                sentence = _Span(line.start + match.start(), line.start + match.start() + len(match.group().rstrip()))
                if sentence.end <= sentence.start:
                    continue
                if self._cost(text, sentence) <= budget:
                    units.append(sentence)
                else:
                    units.extend(self._word_windows(text, sentence, budget))
        return units

    def _word_windows(self, text: str, span: _Span, budget: int) -> list[_Span]:
        out: list[_Span] = []
        cur_start, cur_cost, cur_end = span.start, 0, span.start
        for match in _WORD_SPAN_RE.finditer(text[span.start : span.end]):
            w = _Span(span.start + match.start(), span.start + match.start() + len(match.group().rstrip()))
            cost = self._cost(text, w)
            if cur_cost and cur_cost + cost > budget:
                out.append(_Span(cur_start, cur_end))
                cur_start, cur_cost = w.start, 0
            cur_cost += cost
            cur_end = w.end
        if cur_end > cur_start:
            out.append(_Span(cur_start, cur_end))
        return out

    def _cost(self, text: str, span: _Span) -> int:
        """Embedder pieces of a span, without the two special tokens."""
        return max(0, self.count_embed(text[span.start : span.end]) - 2)

    def _fits(self, header: str, body: str) -> bool:
        return (
            self.count_embed(header + HEADER_SEPARATOR + body) <= self.embed_limit
            and self.count_llm(body) <= self.settings.max_tokens
        )

    def _header_budget(self, header: str) -> tuple[str, int]:
        """The header (shortened if it would crowd out the text) and the embedder pieces left for the body."""
        budget = self.embed_limit - self.count_embed(header + HEADER_SEPARATOR)
        while budget < _MIN_BODY_TOKENS and "\n" in header:
            header = header.rsplit("\n", 1)[0]
            budget = self.embed_limit - self.count_embed(header + HEADER_SEPARATOR)
        return header, budget

    # -- chunking --------------------------------------------------------------------------------------------

    def chunk(self, document: SourceDocument) -> list[Chunk]:
        """All chunks of a document, in text order; each quote is document.text[start:end]."""
        text = document.text
        chunks: list[Chunk] = []
        for title, r_start, r_end in self._regions(document):
            _, base_budget = self._header_budget(self.header_for(document, title))
            units = self._units(text, r_start, r_end, min(base_budget, self.settings.max_tokens))
            i = 0
            while i < len(units):
                table = self.table_context(text, r_start, units[i].start)
                header, budget = self._header_budget(self.header_for(document, title, table))
                j, cost = i, 0
                while j < len(units):
                    extra = self._cost(text, units[j])
                    if j > i and cost + extra > budget:
                        break
                    cost += extra
                    j += 1
                while j > i + 1 and not self._fits(header, text[units[i].start : units[j - 1].end]):
                    j -= 1
                if j == i + 1 and not self._fits(header, text[units[i].start : units[i].end]):
                    # A unit that fitted the plain header may not fit beside a table header: cut it finer.
                    pieces = self._word_windows(text, units[i], min(budget, self.settings.max_tokens) - 8)
                    if len(pieces) > 1:
                        units[i : i + 1] = pieces
                        continue
                chunks.append(self._make(document, title, header, units[i].start, units[j - 1].end))
                i = max(j - self.settings.overlap_units, i + 1) if j < len(units) else j
        return chunks

    def _make(self, document: SourceDocument, section: str, header: str, start: int, end: int) -> Chunk:
        body = document.text[start:end]
        chunk_id = content_id(f"{document.id}:{start}:{end}:{header}")
        return Chunk(
            id=chunk_id, document_id=document.id, document=document.name, section=section, start=start, end=end,
            text=body, header=header, page=document.page_at(start), tokens=self.count_llm(body),
        )


def indexed_text(chunk: Chunk) -> str:
    """What is embedded and keyword-indexed: the header, a blank line, then the quote."""
    return f"{chunk.header}{HEADER_SEPARATOR}{chunk.text}" if chunk.header else chunk.text


def to_node(chunk: Chunk, document: SourceDocument) -> TextNode:
    """The llama-index node for a chunk; metadata is enough to rebuild the Chunk and its Citation."""
    meta = document.meta
    return TextNode(
        id_=chunk.id,
        text=indexed_text(chunk),
        start_char_idx=chunk.start,
        end_char_idx=chunk.end,
        metadata={
            "document": chunk.document, "title": meta.title, "municipality": meta.municipality, "body": meta.body,
            "kind": meta.kind, "period": meta.period, "section": chunk.section, "start": chunk.start,
            "end": chunk.end, "page": chunk.page if chunk.page is not None else -1,
            "header_chars": len(chunk.header) + len(HEADER_SEPARATOR) if chunk.header else 0,
            "tokens": chunk.tokens,
        },
        relationships={NodeRelationship.SOURCE: RelatedNodeInfo(node_id=document.id)},
    )


def from_node(node: TextNode) -> Chunk:
    """Rebuild a Chunk from a stored node (the inverse of to_node)."""
    meta = node.metadata
    cut = int(meta.get("header_chars", 0))
    text = node.get_content()
    page = int(meta.get("page", -1))
    return Chunk(
        id=node.node_id, document_id=node.ref_doc_id or "", document=str(meta["document"]),
        section=str(meta.get("section", "")), start=int(meta["start"]), end=int(meta["end"]), text=text[cut:],
        header=text[:cut].rstrip("\n") if cut else "", page=page if page >= 0 else None,
        tokens=int(meta.get("tokens", 0)),
    )
