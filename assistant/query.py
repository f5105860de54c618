"""Text analysis for keyword search (Swedish stems, character n-grams) and question parsing (filters, glossary)."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Container, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from assistant.types import DocumentMeta

_TOKEN_RE = re.compile(r"\w+", re.UNICODE)
_YEAR_RE = re.compile(r"\b((?:19|20)\d\d)\b")


def _wordset(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Swedish function words (Snowball's list) plus question words; they carry no topic.
SWEDISH_STOPWORDS = _wordset(
    """alla allt att av blev bli blir blivit de dem den denna deras dess dessa det detta dig din dina ditt du där då
    efter ej eller en er era ert ett från för ha hade han hans har henne hennes hon honom hur här i icke ingen inom
    inte jag ju kan kunde man med mellan men mig min mina mitt mot mycket ni nu när någon något några och om oss på
    samma sedan sig sin sina sitta själv skulle som så sådan sådana sådant till under upp ut utan vad var vara varför
    varit varje vars vart vem vi vid vilka vilkas vilken vilket vår våra vårt än är åt över finns får ska enligt"""
)
ENGLISH_STOPWORDS = _wordset(
    """a an the of in on at to for from by with and or is are was were be been being has have had do does did what
    which who whom whose how many much when where why according did does this that these those its it their there
    than into about under over between per as s all"""
)
_ENGLISH_MARKERS = _wordset("the what which how does did is are was were of according who when why many much")
_SWEDISH_MARKERS = _wordset("och att det som för vad hur vilka vilken vilket är har var i på av med enligt")

# A small English→Swedish glossary of the domain; a TOML file (RetrievalSettings.glossary) can replace it.
DEFAULT_GLOSSARY: dict[str, str] = {
    "sick leave": "sjukfrånvaro", "sickness absence": "sjukfrånvaro", "absence": "frånvaro",
    "home care": "hemtjänst", "home help": "hemtjänst", "home-help": "hemtjänst",
    "budget": "budget", "budgeted": "budgeterat budget", "staff turnover": "personalomsättning",
    "turnover": "personalomsättning", "nursing home": "särskilt boende äldreboende",
    "nursing homes": "särskilt boende äldreboende", "elderly care": "äldreomsorg", "elderly": "äldre äldreomsorg",
    "disability": "funktionshinder funktionsstöd LSS", "daily activities": "daglig verksamhet",
    "user assessment": "brukarbedömning", "user assessments": "brukarbedömning",
    "satisfaction": "nöjdhet helhetssyn", "overall": "helhetssyn",
    "social workers": "socionomer", "social worker": "socionom", "experienced": "erfarna",
    "financial assistance": "ekonomiskt bistånd", "financial aid": "ekonomiskt bistånd",
    "welfare": "ekonomiskt bistånd försörjningsstöd", "income support": "försörjningsstöd",
    "long-term": "långvarigt", "children": "barn", "households": "hushåll", "household": "hushåll",
    "result": "resultat", "net result": "nettoresultat resultat", "costs": "kostnad kostnader",
    "cost": "kostnad", "gross": "brutto", "income": "intäkt intäkter", "revenue": "intäkt intäkter",
    "production area": "produktionsområde", "production areas": "produktionsområden",
    "committee": "nämnden", "board": "nämnden", "municipality": "kommun", "municipal": "kommunal",
    "all municipalities": "samtliga kommuner", "municipalities": "kommuner",
    "internal control": "intern kontroll internkontrollplan", "risk": "risk", "risks": "risker",
    "goal": "mål", "goals": "mål", "target": "mål", "targets": "mål", "indicator": "indikator",
    "indicators": "indikatorer", "forecast": "prognos", "outcome": "utfall", "deviation": "avvikelse",
    "investment": "investering investeringar", "investments": "investeringar", "staff": "personal medarbetare",
    "employees": "medarbetare anställda", "recruitment": "rekrytering kompetensförsörjning",
    "skills supply": "kompetensförsörjning", "competence": "kompetens", "housing": "boende bostad",
    "housing adaptation grants": "bostadsanpassningsbidrag", "parking permit": "parkeringstillstånd",
    "law": "lag", "act": "lag", "authority": "myndighetsutövning", "domestic violence": "våld i nära relationer",
    "violence": "våld", "women's shelter": "kvinnojour", "dementia": "demens", "early interventions": "tidiga insatser",
    "early intervention": "tidiga insatser", "preventive": "förebyggande", "earmarked": "riktade resurser",
    "framework": "ram", "allocation": "kommunbidrag ram", "municipal grant": "kommunbidrag",
    "prices and wages": "priser och löner", "price and wage": "priser och löner", "salaries": "löner",
    "wages": "löner", "public transport": "kollektivtrafik", "fare": "taxa", "tobacco": "tobak",
    "nicotine": "nikotinprodukter", "alcohol": "alkohol", "licence": "tillstånd", "license": "tillstånd",
    "complaints": "klagomål", "deviations": "avvikelser", "incidents": "avvikelser händelser",
    "falls": "fall", "medication": "läkemedel", "personal assistance": "personlig assistans",
    "short-term": "korttid korttidsverksamhet", "group housing": "gruppbostad", "supported housing": "boendestöd",
    "decide": "bestämma", "follow-up": "uppföljning", "follow up": "uppföljning",
    "private providers": "privata utförare",
    "digital": "digital digitala", "safety alarms": "trygghetslarm", "alarm": "larm", "premises": "lokaler",
    "rent": "hyra lokalhyror", "staffing": "bemanning", "full-time": "heltid", "part-time": "deltid",
    "annual report": "verksamhetsberättelse årsbokslut", "operational plan": "verksamhetsplan",
    "business plan": "verksamhetsplan", "interim report": "delårsrapport", "success factors": "framgångsfaktorer",
    "priorities": "prioriterade inriktningar", "prioritised": "prioritera prioriterade",
    "individual committee": "individnämnden", "social services committee": "socialnämnden",
    "social welfare committee": "socialnämnden", "care and welfare committee": "vård- och omsorgsnämnden",
    "support and care committee": "stöd- och omsorgsnämnden", "elderly care committee": "vård- och omsorgsnämnden",
    "operating": "drift", "operating budget": "driftbudget drift budget", "operations": "verksamhet drift",
    "trade union": "fackförbund", "trade unions": "fackförbund fackförbundet", "union": "fackförbund",
    "wrote": "skrivelse", "letter": "skrivelse", "workload": "arbetssituation arbetsbelastning",
    "working conditions": "arbetssituation arbetsmiljö", "work environment": "arbetsmiljö",
    "recipient": "tagare mottagare", "home care recipient": "hemtjänsttagare", "average": "medelvärde genomsnitt",
    "surplus": "överskott", "deficit": "underskott", "personnel costs": "personalkostnader",
    "full year": "helår", "year end": "bokslut helår", "waiting time": "väntetid", "days": "dagar",
    "complaints and views": "synpunkter och klagomål", "views": "synpunkter", "share": "andel",
    "proportion": "andel", "number of": "antal", "full time equivalents": "årsarbetare",
    "permanent": "tillsvidareanställda", "fixed term": "visstidsanställda", "retirements": "pensionsavgångar",
    "men": "män", "women": "kvinnor", "implementation": "verkställighet verkställighetstid",
    "decision": "beslut", "family care": "familjeomsorg", "individual and family care": "individ- och familjeomsorg",
    "user": "brukare", "users": "brukare", "satisfied": "nöjda nöjdhet", "grants": "bidrag",
    "allowance": "bidrag", "new type of housing": "boendeform", "type of housing": "boendeform",
    "profession": "yrket", "years": "år", "participants": "deltagare brukare", "dementia care": "demensvård",
    "earmarked resources": "riktade resurser", "net": "netto", "total": "totalt", "outcome for": "utfall",
    "result for": "resultat", "forecast for": "prognos", "health care": "hälso- och sjukvård",
    "healthcare": "hälso- och sjukvård", "primary care": "primärvård", "schools": "skola", "school": "skola",
}

_KIND_WORDS: dict[str, tuple[str, ...]] = {
    "plan": ("verksamhetsplan", "operational plan", "business plan"),
    "report": ("verksamhetsberättelse", "årsbokslut", "årsredovisning", "annual report"),
    "meeting_papers": ("handlingar", "delårsrapport", "protokoll", "interim report", "meeting papers"),
}


class Analyzer:
    """Swedish keyword analysis: Snowball stems for words, character n-grams for compounds and inflections."""

    def __init__(self, ngram_size: int = 4) -> None:
        import Stemmer  # PyStemmer

        self.stemmer = Stemmer.Stemmer("swedish")
        self.ngram_size = ngram_size

    @staticmethod
    def words(text: str) -> list[str]:
        """Lower-cased word tokens without stopwords."""
        return [w for w in _TOKEN_RE.findall(text.lower()) if w not in SWEDISH_STOPWORDS and w != "_"]

    def stems(self, text: str) -> list[str]:
        """Snowball Swedish stems of the words, with -ing/-ning nouns folded onto their verbs."""
        return [derive(s) for s in self.stemmer.stemWords(self.words(text))]

    def ngrams(self, text: str) -> list[str]:
        """Character n-grams inside each word (words up to n letters stay whole); digits-only words are skipped."""
        n = self.ngram_size
        out: list[str] = []
        if n <= 0:
            return out
        for word in self.words(text):
            if word.isdigit():
                continue
            if len(word) <= n:
                out.append(word)
            else:
                out.extend(word[i : i + n] for i in range(len(word) - n + 1))
        return out


    def query_stems(self, text: str, vocabulary: Container[str] = ()) -> dict[str, float]:
        """Query weights for the stem index: one per occurrence; unknown compounds also add their known parts."""
        weights: dict[str, float] = {}
        for stem in self.stems(text):
            weights[stem] = weights.get(stem, 0.0) + 1.0
            if stem not in vocabulary:
                for part in decompound(stem, vocabulary):
                    weights[part] = weights.get(part, 0.0) + 0.5
        return weights

    def query_ngrams(self, text: str) -> dict[str, float]:
        """Query weights for the n-gram index: one per n-gram occurrence.

        Measured: spreading each word's weight over its n-grams (1/len, 1/√len) lowered recall@5.
        """
        weights: dict[str, float] = {}
        for word in self.words(text):
            grams = self.ngrams(word)
            for gram in grams:
                weights[gram] = weights.get(gram, 0.0) + 1.0
        return weights


def derive(stem: str) -> str:
    """Fold a verbal noun onto its verb stem: investering → invester, utbildning → utbild, förändring → förändr."""
    for suffix in ("ning", "ing"):
        if stem.endswith(suffix) and len(stem) - len(suffix) >= 4:
            return stem[: -len(suffix)]
    return stem


def decompound(stem: str, vocabulary: Container[str], min_part: int = 4) -> list[str]:
    """Split a compound stem into two parts the index knows ('helårsavvik' → 'helår', 'avvik'); [] if none.

    A linking 's' between the parts is allowed; the most balanced split wins.
    """
    best: list[str] = []
    best_balance = 0
    for i in range(min_part, len(stem) - min_part + 1):
        head, tail = stem[:i], stem[i:]
        heads = [head] + ([head[:-1]] if head.endswith("s") and len(head) > min_part else [])
        known = next((h for h in heads if h in vocabulary), None)
        if known is not None and tail in vocabulary and min(len(known), len(tail)) > best_balance:
            best, best_balance = [known, tail], min(len(known), len(tail))
    return best


def is_english(question: str) -> bool:
    """A rough language guess: English function words outnumber Swedish ones."""
    words = _TOKEN_RE.findall(question.lower())
    en = sum(w in _ENGLISH_MARKERS for w in words)
    sv = sum(w in _SWEDISH_MARKERS for w in words)
    return en >= 2 and en > sv


def drop_english_stopwords(text: str) -> str:
    """The words of an English question that may carry topic (names, numbers, Swedish terms)."""
    return " ".join(w for w in _TOKEN_RE.findall(text) if w.lower() not in ENGLISH_STOPWORDS)


def load_glossary(path: Path | None) -> dict[str, str]:
    """The glossary from a TOML file ([glossary] english = "svenska"), or the built-in one."""
    if path is None:
        return dict(DEFAULT_GLOSSARY)
    data: dict[str, Any] = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    table = data.get("glossary", data)
    return {str(k).lower(): str(v) for k, v in table.items()}


def expand_english(question: str, glossary: dict[str, str]) -> list[str]:
    """Swedish terms for the English phrases of a question, longest phrases first, each once."""
    text = " " + _phrase_form(question) + " "
    found: list[str] = []
    for phrase in sorted(glossary, key=len, reverse=True):
        needle = f" {_phrase_form(phrase)} "
        if needle in text and glossary[phrase] not in found:
            found.append(glossary[phrase])
            text = text.replace(needle, " ")
    return found


def _phrase_form(text: str) -> str:
    """Lower case; hyphens and punctuation become spaces; a possessive 's is dropped."""
    text = re.sub(r"'s\b", "", text.lower().replace("’", "'"))
    return " ".join(re.sub(r"[^\w]+", " ", text).split())


@dataclass
class Filters:
    """Metadata restrictions; empty fields do not restrict."""

    municipality: str = ""
    body: str = ""
    period: str = ""
    kind: str = ""
    document_ids: list[str] = field(default_factory=list)
    access: tuple[str, ...] = ()  # the reader's roles; empty: no access restriction (local administration)

    def is_empty(self) -> bool:
        """True when nothing is restricted."""
        return not (self.municipality or self.body or self.period or self.kind or self.document_ids)

    def as_dict(self) -> dict[str, Any]:
        """The non-empty fields."""
        return {k: v for k, v in self.__dict__.items() if v}


def _norm(value: str) -> str:
    """Lower case without 'kommun' and genitive/definite endings: 'Lerums kommun' → 'lerum'."""
    value = value.lower().replace(" kommun", "").strip()
    return re.sub(r"(?:ens|en|s)$", "", value)


def may_read(meta: DocumentMeta, roles: tuple[str, ...]) -> bool:
    """Whether a reader with these roles may see a document: its access label is one of them (admin sees all)."""
    return not roles or "admin" in roles or meta.access in roles


def meta_matches(meta: DocumentMeta, filters: Filters) -> bool:
    """Whether a document passes the metadata filters (tolerant: 'Lerum' matches 'Lerums kommun')."""
    checks = (
        (filters.municipality, meta.municipality), (filters.body, meta.body), (filters.kind, meta.kind),
    )
    for wanted, value in checks:
        if wanted and _norm(wanted) not in _norm(value) and _norm(value) not in _norm(wanted):
            return False
    return not (filters.period and filters.period not in meta.period)


@dataclass
class InferredFilters:
    """What the question itself names: hard filters (municipality, body) and soft hints (period, kind)."""

    filters: Filters
    municipalities: list[str]
    bodies: list[str]
    periods: list[str]
    kinds: list[str]


def infer_filters(question: str, metas: Iterable[DocumentMeta]) -> InferredFilters:
    """Municipalities and bodies named in the question (as the indexed documents spell them), years and kinds."""
    text = question.lower()
    metas = list(metas)
    municipalities = {m.municipality for m in metas if m.municipality}
    bodies = {m.body for m in metas if m.body}
    found_m = sorted(m for m in municipalities if re.search(r"\b" + re.escape(_norm(m)), text))
    found_b = sorted(b for b in bodies if _norm(b) in text or _norm(b).replace("- och ", " och ") in text)
    periods = _YEAR_RE.findall(question)
    kinds = [kind for kind, words in _KIND_WORDS.items() if any(w in text for w in words)]
    filters = Filters(
        municipality=found_m[0] if len(found_m) == 1 else "",
        body=found_b[0] if len(found_b) == 1 else "",
    )
    return InferredFilters(filters=filters, municipalities=found_m, bodies=found_b, periods=periods, kinds=kinds)
