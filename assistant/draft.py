"""Follow-up drafts: a body's facts by table, in template or fact-locked model text, every number checked."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Literal

from assistant.clean import clean_text
from assistant.draftcheck import (
    Rendered,
    Scope,
    check,
    comparable,
    compare,
    findings_text,
    join_rendered,
    period_end,
    render,
)
from assistant.facts import read_facts_csv
from assistant.factstore import FactStore, fold, period_matches
from assistant.llm import LLM, LLMError
from assistant.manifest import load_manifest
from assistant.prompts import load_prompt
from assistant.query import may_read
from assistant.sections import detect_sections
from assistant.settings import Settings
from assistant.store import Registry
from assistant.types import (
    Citation,
    DocumentMeta,
    Draft,
    DraftRequest,
    DraftSection,
    Fact,
    Finding,
    Section,
    SourceDocument,
    content_id,
)

_KIND_SV = {"utfall": "utfall", "mål": "målvärde", "prognos": "prognos", "differens": "förändring"}
_MONTHS = ["januari", "februari", "mars", "april", "maj", "juni", "juli", "augusti", "september", "oktober",
           "november", "december"]
_ORDINAL = {"1": "första", "2": "andra", "3": "tredje", "4": "fjärde"}
_INDICATOR_TABLE = re.compile(r"indikator|mätetal|nyckeltal", re.IGNORECASE)
_BULLET = re.compile(r"(?m)^[ \t]*[-•–*][ \t]+(\S[^\n]*?)[ \t]*$")
_ORIGIN_RANK = {"template": 0, "llm": 1, "repaired": 2, "fallback": 3}
INTRO = ("Utkastet bygger på nämndens granskade faktaunderlag. Alla värden är inlagda av programmet ur källan och "
         "kontrollerade; luckorna [Analys: …] fylls i av handläggaren.")
INTRO_UNREVIEWED = ("Obs! Utkastet bygger delvis på fakta som ingen har granskat ännu: de värdena är märkta "
                    "[ej granskad] och ska kontrolleras mot källan (fliken Fakta) innan utkastet används. Alla värden "
                    "är inlagda av programmet ur källan; luckorna [Analys: …] fylls i av handläggaren.")


Origin = Literal["template", "llm", "repaired", "fallback"]


class DraftError(ValueError):
    """A draft request the fact set cannot serve; the message is Swedish and names what exists."""


def period_sv(label: str) -> str:
    """A period label in running Swedish: '2021-08' → 'augusti 2021', '2020-H1' → 'första halvåret 2020'."""
    if m := re.fullmatch(r"(\d{4})-(\d{2})", label):
        return f"{_MONTHS[int(m[2]) - 1]} {m[1]}"
    if m := re.fullmatch(r"(\d{4})-H([12])", label):
        return f"{_ORDINAL[m[2]]} halvåret {m[1]}"
    if m := re.fullmatch(r"(\d{4})-Q([1-4])", label):
        return f"{_ORDINAL[m[2]]} kvartalet {m[1]}"
    return label.replace("/", "–")


def _join_sv(items: list[str]) -> str:
    """'a, b och c'."""
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " och " + items[-1]


class Sources:
    """The reviewed fact set, document metadata and cleaned texts (from the registry, else the corpus files)."""

    def __init__(self, settings: Settings, roles: tuple[str, ...] = ()) -> None:
        self.settings = settings
        self.roles = roles  # the reader's roles; empty means no access restriction (local administration)
        self._texts: dict[str, SourceDocument | None] = {}

    @cached_property
    def facts(self) -> list[Fact]:
        """Every fact of a document the reader may see, with its review status: the data directory's fact store
        (facts of every ingested document), and the committed reviewed set for documents the store does not hold."""
        stored = self._stored_facts()
        path = self.settings.draft.facts_path or self.settings.corpus_dir / "indicators.csv"
        if not path.is_file() and not stored:
            raise DraftError(f"Faktaunderlaget {path} saknas och inga dokument är inlästa; läs in dokument först.")
        held = {f.document for f in stored}
        committed = [f for f in read_facts_csv(path) if f.document not in held] if path.is_file() else []
        public = DocumentMeta(access="public")
        return [f for f in stored + committed if may_read(self.meta.get(f.document, public), self.roles)]

    def _stored_facts(self) -> list[Fact]:
        """The fact store's facts, when the data directory has one."""
        from assistant.factdb import FactDB, database_url, store_exists

        if not store_exists(self.settings.data_dir, self.settings.database_url):
            return []
        return FactDB(database_url(self.settings.data_dir, self.settings.database_url)).facts()

    @cached_property
    def registry(self) -> Registry | None:
        """The document registry, when the corpus has been ingested."""
        registry = Registry.of(self.settings)
        return registry if registry.shared is not None or self.settings.registry_path.is_file() else None

    @cached_property
    def meta(self) -> dict[str, DocumentMeta]:
        """Metadata by file name: the manifest, overridden by what ingestion recorded."""
        meta = dict(load_manifest(self.settings.corpus_dir)) if self.settings.corpus_dir.is_dir() else {}
        if self.registry:
            meta |= {e.name: e.meta for e in self.registry.entries.values()}
        return meta

    def document(self, name: str) -> SourceDocument | None:
        """The cleaned text of a document (None when it cannot be read)."""
        if name not in self._texts:
            registry, path = self.registry, self.settings.corpus_dir / name
            entry = registry.by_name(name) if registry else None
            if registry and entry and entry.status == "indexed" and registry.document_path(entry.id).is_file():
                self._texts[name] = registry.load_document(entry.id)
            elif path.suffix.lower() in (".txt", ".md") and path.is_file():
                raw = path.read_text(encoding="utf-8")
                text = clean_text(raw)
                meta = self.meta.get(name) or DocumentMeta(title=name, access="public")
                self._texts[name] = SourceDocument(id=content_id(raw), name=name, sha256=content_id(raw, 64), meta=meta,
                                                   text=text, sections=detect_sections(text), quality=0.0)
            else:
                self._texts[name] = None
        return self._texts[name]


@dataclass
class Row:
    """One indicator (a table row) and its facts."""

    table: str
    indicator: str
    facts: list[Fact]


@dataclass
class Block:
    """One table of the draft: indicator tables first, then economy and personnel tables."""

    document: str
    title: str
    group: Literal["indicators", "economy"]
    rows: list[Row] = field(default_factory=list)


def _resolve(query: str, names: set[str], label: str, matches: Callable[[str, str], bool], where: str = "") -> str:
    """The one known name a query means ('Lerum' → 'Lerums kommun'); DraftError naming the known ones."""
    q = fold(query).strip()
    exact = [n for n in names if fold(n) == q]
    if len(exact) == 1:
        return exact[0]
    hits = sorted(n for n in names if matches(q, fold(n)))
    if len(hits) == 1:
        return hits[0]
    known = ", ".join(sorted(names)) or "inga"
    why = "är tvetydig" if hits else f"finns inte{where} i faktaunderlaget"
    raise DraftError(f"{label} ”{query.strip()}” {why}. Kända: {known}.")


def _place_match(q: str, name: str) -> bool:
    """'lerum' matches 'lerums kommun'."""
    a, b = q.removesuffix(" kommun"), name.removesuffix(" kommun")
    return bool(a) and (b.startswith(a) or a.startswith(b))


def _body_match(q: str, name: str) -> bool:
    """Every query word starts a word of the body name."""
    words = re.findall(r"\w+", name)
    return bool(q.strip()) and all(any(w.startswith(x) for w in words) for x in re.findall(r"\w+", q))


def scope_facts(request: DraftRequest, sources: Sources) -> tuple[str, str, list[Fact]]:
    """The municipality, body and facts a request covers: the body's plan or report of the period."""
    facts = [f for f in sources.facts if f.review != "rejected"]
    municipality = _resolve(request.municipality, {f.municipality for f in facts}, "Kommunen", _place_match)
    mine = [f for f in facts if f.municipality == municipality]
    body = _resolve(request.body, {f.body for f in mine}, "Nämnden", _body_match, f" för {municipality}")
    mine = [f for f in mine if f.body == body]
    meta = sources.meta
    chosen = [f for f in mine if f.document in meta and period_matches(meta[f.document].period, request.period)]
    if not chosen:
        rows = {(f.document, f.table, f.indicator) for f in mine if period_matches(f.period, request.period)}
        chosen = [f for f in mine if (f.document, f.table, f.indicator) in rows]
    if not chosen:
        periods = sorted({meta[f.document].period for f in mine if f.document in meta} - {""}) or sorted(
            {f.period for f in mine}, key=period_end)
        raise DraftError(f"Det finns inga fakta för {body}, {municipality} och perioden ”{request.period}”. "
                         f"Perioder i underlaget: {', '.join(periods)}.")
    usable = [f for f in chosen if f.reviewed or (request.include_unreviewed and f.review == "extracted")]
    if not usable:
        _unreviewed_only(request, chosen)
    return municipality, body, sorted(usable, key=lambda f: (f.document, f.start, f.end))


def _unreviewed_only(request: DraftRequest, facts: list[Fact]) -> None:
    """No reviewed fact for the request: say how many wait for review instead of drafting from nothing."""
    waiting = sum(f.review == "extracted" for f in facts)
    raise DraftError(f"Inga fakta för {request.body} och perioden {request.period} är granskade ännu ({waiting} väntar "
                     "på granskning). Granska dem i fliken Fakta, eller välj att ta med ogranskade värden (de märks "
                     "[ej granskad] i utkastet).")


def select_rows(facts: list[Fact], wanted: list[str] | None) -> tuple[list[Fact], list[str]]:
    """Facts of the requested indicators (exact name, table name, else indicator words); unmatched requests."""
    if not wanted:
        return facts, []
    rows: set[tuple[str, str]] = set()
    unmatched = []
    for query in wanted:
        q = fold(query).strip()
        hits = {(f.table, f.indicator) for f in facts if fold(f.indicator) == q}
        hits = hits or {(f.table, f.indicator) for f in facts if fold(f.table) == q}
        hits = hits or {(f.table, f.indicator) for f in FactStore(facts).search(query, limit=len(facts))}
        rows |= hits
        if not hits:
            unmatched.append(query)
    return [f for f in facts if (f.table, f.indicator) in rows], unmatched


def _row_order(fact: Fact, group: str) -> tuple[int, object, int]:
    """Facts in the order the templates state them."""
    if group == "indicators":
        return ({"utfall": 0, "mål": 1, "prognos": 2}.get(fact.kind, 3), period_end(fact.period), fact.end)
    return (0, 0, fact.end)


def build_blocks(facts: list[Fact]) -> list[Block]:
    """Tables in document order, indicator tables first; rows in table order."""
    blocks: dict[tuple[str, str], Block] = {}
    for f in facts:
        key = (f.document, f.table.strip() or f.table_id)
        block = blocks.setdefault(key, Block(f.document, _block_title(f), "economy"))
        row = next((r for r in block.rows if r.indicator == f.indicator), None)
        if row is None:
            block.rows.append(row := Row(f.table, f.indicator, []))
        row.facts.append(f)
        if f.kind == "mål" or _INDICATOR_TABLE.search(f.table):
            block.group = "indicators"
    for block in blocks.values():
        for row in block.rows:
            row.facts.sort(key=lambda f, g=block.group: _row_order(f, g))  # type: ignore[misc]
    return sorted(blocks.values(), key=lambda b: b.group != "indicators")


def _block_title(fact: Fact) -> str:
    """The table's caption; a table without one is named by where it stands ('Tabell utan rubrik, rapport.pdf s. 4')."""
    if fact.table.strip():
        return fact.table.strip()
    page = f" s. {fact.page}" if fact.page else ""
    return f"Tabell utan rubrik, {fact.document}{page}"


def _ph(keys: dict[str, str], fact: Fact) -> str:
    """The placeholder of a fact, followed by its unit when the value as written does not carry it ('48 372 tkr')."""
    placeholder = "{" + keys[fact.id] + "}"
    unit = fact.unit.strip()
    if not fact.present or not unit or unit == "riktning" or unit in fact.value:
        return placeholder
    return f"{placeholder}{'' if unit == '%' else ' '}{unit}"


def _change(facts: list[Fact], keys: dict[str, str], noun: str) -> str:
    """'Mellan 2022 och 2023 ökade värdet från {F1} till {F2}.' for the last two comparable values."""
    ok = [f for f in facts if comparable(f) and (f.number or 0) >= 0]  # signed money: a direction word misleads
    if len(ok) < 2:
        return ""
    a, b = ok[-2], ok[-1]
    between = f"Mellan {period_sv(a.period)} och {period_sv(b.period)}"
    if compare(a, b) == "lika":
        return f" {between} var {noun} oförändrat: {_ph(keys, a)} respektive {_ph(keys, b)}."
    word = "ökade" if compare(a, b) == "upp" else "minskade"
    return f" {between} {word} {noun} från {_ph(keys, a)} till {_ph(keys, b)}."


def indicator_template(row: Row, keys: dict[str, str]) -> str:
    """An indicator's values, change, relation to target and forecast, with placeholders and an analysis slot."""
    utfall = [f for f in row.facts if f.kind == "utfall"]
    text = ""
    if utfall:
        text += " Utfall: " + _join_sv([f"{_ph(keys, f)} ({period_sv(f.period)})" for f in utfall]) + "."
        text += _change(utfall, keys, "värdet")
    for goal in (f for f in row.facts if f.kind == "mål"):
        text += f" Målvärdet för {period_sv(goal.period)} är {_ph(keys, goal)}."
        same = [u for u in utfall if period_matches(u.period, goal.period)]
        done = [u for u in same if compare(goal, u)]
        if done:
            u = done[-1]
            where = {"upp": "över", "ner": "under", "lika": "i nivå med"}[compare(goal, u) or "lika"]
            text += f" Utfallet {_ph(keys, u)} ({period_sv(u.period)}) ligger {where} målvärdet {_ph(keys, goal)}."
        elif not any(u.present for u in same):
            text += " Utfall för samma period saknas, så måluppfyllelsen kan inte bedömas."
    for f in (f for f in row.facts if f.kind not in ("utfall", "mål")):
        text += f" {_KIND_SV.get(f.kind, f.kind).capitalize()} {period_sv(f.period)}: {_ph(keys, f)}."
    return f"**{row.indicator}** –{text} [Analys: kommentera utvecklingen och måluppfyllelsen.]"


def economy_template(row: Row, keys: dict[str, str]) -> str:
    """A budget or personnel row: every value with kind and period, and the change where it is unambiguous."""
    values = "; ".join(f"{_KIND_SV.get(f.kind, f.kind)} {period_sv(f.period)}: {_ph(keys, f)}" for f in row.facts)
    series = [f for f in row.facts if f.kind in ("utfall", "bokslut")]
    kind = max(("utfall", "bokslut"), key=lambda k: sum(f.kind == k for f in series))
    ordered = sorted((f for f in series if f.kind == kind), key=lambda f: period_end(f.period))
    return f"**{row.indicator}**: {values}.{_change(ordered, keys, 'värdet')}"


def block_template(rows: list[Row], group: str, keys: dict[str, str]) -> str:
    """The deterministic text of some rows of a table."""
    make = indicator_template if group == "indicators" else economy_template
    return "\n\n".join(make(r, keys) for r in rows)


def prioritised_directions(doc: SourceDocument) -> tuple[str, list[tuple[int, int]]]:
    """The section 'Prioriterade inriktningar …' of a plan and the spans of its bullet lines."""
    sections = doc.sections or detect_sections(doc.text)
    section = next((s for s in sections if fold(s.title).startswith("prioriterade inriktningar")), None)
    if section is None:
        m = re.search(r"(?im)^prioriterade inriktningar[^\n]*$", doc.text)
        if m is None:
            return "", []
        later = [s.start for s in sections if s.start > m.end()]
        section = Section(title=m.group(0).strip(), start=m.start(), end=min(later, default=len(doc.text)))
    bullets = [(section.start + b.start(1), section.start + b.end(1))
               for b in _BULLET.finditer(doc.text[section.start : section.end])]
    return section.title, bullets


@dataclass
class _Run:
    """What one draft collects while it is written."""

    request: DraftRequest
    municipality: str
    body: str
    scope: Scope
    keys: dict[str, str]
    rejected: list[Finding] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


class Drafter:
    """Writes follow-up drafts from the fact set: templates, or a model whose every number is checked."""

    def __init__(
        self, settings: Settings, llm: LLM | None = None, sources: Sources | None = None, roles: tuple[str, ...] = ()
    ) -> None:
        self.settings = settings
        self.llm = llm
        self.sources = sources or Sources(settings, roles)
        self.prompts = {n: load_prompt(n) for n in ("draft_system", "draft_indicator", "repair")}

    def draft(self, request: DraftRequest) -> Draft:
        """A checked draft; model text that fails its checks is repaired once, else replaced by the template."""
        municipality, body, facts = scope_facts(request, self.sources)
        facts, unmatched = select_rows(facts, request.indicators)
        blocks = build_blocks(facts)
        ordered = [f for b in blocks for r in b.rows for f in r.facts]
        keys = {f.id: f"F{i}" for i, f in enumerate(ordered, start=1)}
        quotes, citations, directions = self._directions(blocks)
        scope = Scope.build({keys[f.id]: f for f in ordered}, request.period, request.allow_numbers, quotes,
                            [b.title for b in blocks])
        run = _Run(request, municipality, body, scope, keys)
        title = f"Uppföljning {request.period}: {body}, {municipality}"
        intro = INTRO if all(f.reviewed or not f.present for f in ordered) else INTRO_UNREVIEWED
        pieces = [Rendered(f"# {title}\n\n{intro}\n", [])]
        sections: list[DraftSection] = []
        for group, heading in (("indicators", "Indikatorer"), ("directions", "Prioriterade inriktningar"),
                               ("economy", "Ekonomi och personal")):
            chosen = [b for b in blocks if b.group == group]
            if group == "directions":
                out = render(directions, scope)
                sections.append(DraftSection(title=heading, group="directions", text=out.text))
                pieces += [Rendered(f"\n## {heading}\n\n", []), out, Rendered("\n", [])]
                continue
            if chosen:
                pieces.append(Rendered(f"\n## {heading}\n", []))
            for block in chosen:
                out, origin = self._block(block, run)
                sections.append(DraftSection(title=block.title, group=block.group, text=out.text, origin=origin,
                                             fact_keys=[keys[f.id] for r in block.rows for f in r.facts]))
                pieces += [Rendered(f"\n### {block.title}\n\n", []), out, Rendered("\n", [])]
        return self._finish(run, title, pieces, sections, blocks, unmatched, citations)

    def _directions(self, blocks: list[Block]) -> tuple[dict[str, str], list[Citation], str]:
        """Quotes (P-keys), their citations and the template of the prioritised-directions section."""
        quotes: dict[str, str] = {}
        citations: list[Citation] = []
        lines = []
        for name in dict.fromkeys(b.document for b in blocks):
            doc = self.sources.document(name)
            section, bullets = prioritised_directions(doc) if doc else ("", [])
            for start, end in bullets:
                assert doc is not None
                key = f"P{len(quotes) + 1}"
                quotes[key] = doc.text[start:end]
                citations.append(Citation(key=key, document=name, title=doc.meta.title, section=section, start=start,
                                          end=end, quote=quotes[key]))
                lines.append(f"- {{{key}}} [{key}] [Analys: beskriv status för genomförandet.]")
        if not lines:
            return quotes, citations, "Underlaget innehåller inga prioriterade inriktningar för nämnden."
        return quotes, citations, "Nämndens prioriterade inriktningar enligt planen:\n\n" + "\n".join(lines)

    def _block(self, block: Block, run: _Run) -> tuple[Rendered, Origin]:
        """A table's text and who wrote it: template, or model text in parts of at most max_facts_per_prompt facts."""
        parts: list[tuple[Rendered, Origin]] = []
        chunk: list[Row] = []
        limit = self.settings.draft.max_facts_per_prompt
        for row in [*block.rows, None]:
            if chunk and (row is None or sum(len(r.facts) for r in chunk) + len(row.facts) > limit):
                parts.append(self._part(block, chunk, run))
                chunk = []
            if row is not None:
                chunk.append(row)
        tail = "\n\n[Analys: kommentera avvikelser och förändringar i tabellen.]" if block.group == "economy" else ""
        joined = join_rendered([p for p, _ in parts], "\n\n")
        return Rendered(joined.text + tail, joined.spans), max((o for _, o in parts), key=_ORIGIN_RANK.__getitem__)

    def _part(self, block: Block, rows: list[Row], run: _Run) -> tuple[Rendered, Origin]:
        """Some rows of a table: model text that passes its checks (after at most repair_rounds), else the template."""
        template = block_template(rows, block.group, run.keys)
        if self.llm is None:
            return render(template, run.scope), "template"
        cfg = self.settings.draft
        sub = run.scope.sub(run.keys[f.id] for r in rows for f in r.facts)
        prompt = self.prompts["draft_indicator"].render(
            municipality=run.municipality, body=run.body, period=run.request.period,
            facts=fact_table(rows, run.keys), passages=self._passages(rows))
        system = self.prompts["draft_system"].render()
        try:
            reply = self.llm.complete(prompt, system=system, max_tokens=cfg.max_tokens)
            for attempt in range(cfg.repair_rounds + 1):
                out = render(clean_reply(reply), sub)
                result = check(out.text, out.spans, sub, require=[(r.table, r.indicator) for r in rows])
                findings = out.findings + result.findings
                if not findings:
                    return Rendered(out.text, out.spans + result.literal), "llm" if attempt == 0 else "repaired"
                run.rejected += [f.model_copy(update={"section": f"{block.title} (försök {attempt + 1})"})
                                 for f in findings]
                if attempt < cfg.repair_rounds:
                    repair = self.prompts["repair"].render(draft=reply, findings=findings_text(findings))
                    reply = self.llm.complete(f"{prompt}\n\n{repair}", system=system, max_tokens=cfg.max_tokens)
            run.notes.append(f"{block.title}: modelltexten underkändes efter {cfg.repair_rounds} "
                             f"reparationsomgång(ar); mallens text används.")
        except LLMError as exc:
            run.notes.append(f"{block.title}: språkmodellen kunde inte svara ({exc}); mallens text används.")
        return render(template, run.scope), "fallback"

    def _passages(self, rows: list[Row]) -> str:
        """The plan text around the table, as background for the model."""
        first = rows[0].facts[0]
        doc = self.sources.document(first.document)
        if doc is None or not self.settings.draft.passage_chars:
            return "(inga)"
        section = next((s for s in reversed(doc.sections) if s.start <= first.start), None)
        start = section.start if section else max(0, first.start - self.settings.draft.passage_chars // 2)
        text = doc.text[start : start + self.settings.draft.passage_chars].strip()
        return f"[K1] {doc.meta.title} – {section.title if section else ''}\n{text}"

    def _finish(self, run: _Run, title: str, pieces: list[Rendered], sections: list[DraftSection],
                blocks: list[Block], unmatched: list[str], citations: list[Citation]) -> Draft:
        """Check the whole text once more and collect the facts, citations and findings."""
        whole = join_rendered(pieces)
        rows = [(r.table, r.indicator) for b in blocks for r in b.rows]
        result = check(whole.text, whole.spans, run.scope, literal=False, require=rows)
        findings = result.findings + [
            Finding(kind="missing_indicator", text=q, reason=f"Nyckeltalet ”{q}” finns inte i faktaunderlaget för "
                    f"{run.body}.") for q in unmatched]
        used = {r.key: r.fact for r in result.refs}
        order = sorted(used, key=lambda k: int(k[1:]))
        for key in order:
            fact = used[key]
            doc = self.sources.document(fact.document)
            citations.append(Citation(
                key=key, document=fact.document, title=doc.meta.title if doc else fact.document,
                section=doc.section_at(fact.start) if doc else "", start=fact.start, end=fact.end,
                page=doc.page_at(fact.start) if doc else None, quote=doc.text[fact.start : fact.end] if doc else ""))
        missing = unmatched + [f.text for f in findings if f.kind == "missing_indicator" and f.text not in unmatched]
        return Draft(
            request=run.request, municipality=run.municipality, body=run.body, period=run.request.period,
            title=title, text=whole.text, sections=sections, facts=[used[k] for k in order],
            fact_keys={k: used[k].id for k in order},
            citations=sorted(citations, key=lambda c: (c.key[0], int(c.key[1:]))), numbers=result.numbers,
            findings=findings, rejected=run.rejected, missing_indicators=missing, passed=not findings,
            backend=self.llm.name if self.llm else "mall", notes=run.notes)


def fact_table(rows: list[Row], keys: dict[str, str]) -> str:
    """The fact table of a prompt: one line per fact with its key."""
    lines = ["id | nyckeltal | period | typ | värde | enhet"]
    for row in rows:
        for f in row.facts:
            value = f.value if f.present else "saknas (skriv: uppgift saknas)"
            lines.append(f"{keys[f.id]} | {row.indicator} | {f.period} | {f.kind} | {value} | {f.unit or '-'}")
    return "\n".join(lines)


def clean_reply(reply: str) -> str:
    """Model text without fences, headings, a leading 'Utkast:' or passage keys."""
    text = re.sub(r"```\w*", "", reply).strip()
    text = re.sub(r"(?im)^\s*(?:utkast|rättat utkast)\s*:\s*", "", text)
    text = re.sub(r"(?m)^#+\s*", "", text)
    return re.sub(r"\s*\[K\d+\]", "", text).strip()


def draft_llm(settings: Settings, choice: str | None) -> LLM | None:
    """The model a draft uses: the request's choice, else the draft.llm setting; None for templates."""
    backend = choice or settings.draft.llm
    if backend == "none":
        return None
    from assistant.llm import build_llm

    return build_llm(settings.llm.model_copy(update={"backend": backend}))


def build_draft(request: DraftRequest, settings: Settings, llm: LLM | None = None) -> Draft:
    """Draft with the given model (None: templates)."""
    return Drafter(settings, llm).draft(request)
