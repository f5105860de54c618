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

CHUNKER_VERSION = "3"  # 3: a short last section after a tiny one is no longer lost
HEADER_SEPARATOR = "\n\n"

_MIN_REGION_CHARS = 160  # sections shorter than this (a heading, a table label) join the next one
_MIN_BODY_TOKENS = 48  # the header is shortened rather than leaving less than this for the text
_SENTENCE_RE = re.compile(r"[^.!?;]+(?:[.!?;]+|$)\s*")
_WORD_SPAN_RE = re.compile(r"\S+\s*")
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

    def table_context(self, document: SourceDocument, at: int) -> str:
        """'Tabell: caption | Kolumner: …' when `at` lies in one of the document's tables (read at ingestion)."""
        if not self.settings.table_header:
            return ""
        table = next((t for t in document.tables if t.header_start <= at < t.end), None)
        if table is None:
            return ""
        columns = re.sub(r"\s+", " ", " | ".join(c.header for c in table.columns))[:200]
        caption = table.caption[:100]
        return f"Tabell: {caption} | Kolumner: {columns}" if caption else f"Kolumner: {columns}"

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
        for i, (title, start, end) in enumerate(bounds):
            if pending is not None:
                title, start = pending
                pending = None
            if len(text[start:end].strip()) < _MIN_REGION_CHARS and i < len(bounds) - 1:
                pending = (title, start)
                continue
            merged.append((title, start, end))  # the last region always stays, however short
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
                table = self.table_context(document, units[i].start)
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
