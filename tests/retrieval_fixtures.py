"""Small Swedish documents and a hash-embedder index over them, shared by the chunk, index and retrieve tests."""

from __future__ import annotations

from pathlib import Path

from assistant.chunk import Chunker
from assistant.embed import Embedder, HashEmbedder
from assistant.index import HybridIndex
from assistant.sections import detect_sections
from assistant.settings import ChunkSettings, IndexSettings
from assistant.tables import find_tables
from assistant.types import DocumentMeta, SourceDocument, content_id

TEMPLATE = (
    "Verksamhetsplanens syfte\n"
    "Verksamhetsplanen beskriver hur nämnden ska arbeta under året för att nå kommunfullmäktiges mål och "
    "nämndens grunduppdrag. Den följs upp i delårsrapport och årsredovisning.\n"
)

LERUM_IN = TEMPLATE + """
Ekonomi och förutsättningar
Individnämndens kommunbidrag stärks med totalt 2,6 miljoner kronor år 2024.
Ökade priser och löner står för 2,5 miljoner kronor av förstärkningen.

Indikatorer
Indikatorerna visar utvecklingen på en övergripande nivå och utgår från grunduppdraget.

Indikatorer 2021 2022 2023 Prognos 2024
Erfarna socionomer inom Barn och familj 65,1% 65,2% 74,7% Ökande
Brukarbedömning individ- och familjeomsorg totalt 80% 81% 83% Ökande

Våld i nära relationer
Socialtjänsten ska betala ut skadestånd och underhåll till kvinnan och sedan kräva in beloppet av mannen.
"""

ALINGSAS = """Ekonomisk analys
Förvaltningen har under 2024 gjort investeringar på 5,1 miljoner kronor, främst i inventarier till nya lokaler.

Digitalisering
Datamigreringen till det nya verksamhetssystemet Combine blev klar i oktober och alla ärenden finns nu i systemet.

Personal
Sjukfrånvaron bland medarbetarna minskade till 8,2 procent under 2024. Personalomsättningen var 12 procent.

Hemtjänst
Hemtjänsten utförde 120 000 timmar hos brukare i hemmet under året och nöjdheten var fortsatt hög.
"""

LERUM_SON = TEMPLATE + """
Tidiga och förebyggande insatser
Riktade resurser om 3 miljoner kronor avser tidiga insatser med fokus på demens inom äldreomsorgen.

Hemtjänst
En trygg och säker hemtjänst med hög kontinuitet för brukaren är nämndens prioritet.
"""

HERRLJUNGA = """Personalredovisning
Total sjukfrånvaro i förvaltningen var 10,5 procent i juni 2021 jämfört med 9,1 procent ett år tidigare.

Investeringar
Hela investeringsbudgeten prognostiseras att användas under året, utom inventarier till Hagen.
"""


def make_document(name: str, text: str, **meta: str) -> SourceDocument:
    """A SourceDocument as ingestion would make it (sections detected, id from the content)."""
    document_meta = DocumentMeta(**meta)
    sections = detect_sections(text)
    return SourceDocument(
        id=content_id(name + text), name=name, sha256=content_id(text, 64), meta=document_meta, text=text,
        sections=sections, tables=find_tables(text, document_meta, sections=sections),
    )


def documents() -> list[SourceDocument]:
    """Four documents: two Lerum plans sharing a template, an Alingsås report, Herrljunga meeting papers."""
    return [
        make_document("lerum-in.txt", LERUM_IN, title="Verksamhetsplan 2024 Individnämnden",
                      municipality="Lerums kommun", body="Individnämnden", kind="plan", period="2024"),
        make_document("lerum-son.txt", LERUM_SON, title="Verksamhetsplan 2024 Stöd- och omsorgsnämnden",
                      municipality="Lerums kommun", body="Stöd- och omsorgsnämnden", kind="plan", period="2024"),
        make_document("alingsas.txt", ALINGSAS, title="Verksamhetsberättelse 2024 Vård- och omsorgsnämnden",
                      municipality="Alingsås kommun", body="Vård- och omsorgsnämnden", kind="report", period="2024"),
        make_document("herrljunga.txt", HERRLJUNGA, title="Socialnämndens handlingar september 2021",
                      municipality="Herrljunga kommun", body="Socialnämnden", kind="meeting_papers", period="2021"),
    ]


def make_chunker(embedder: Embedder, **settings: object) -> Chunker:
    """A chunker sized for this embedder."""
    return Chunker(ChunkSettings(**settings), embedder.count_tokens, embedder.max_tokens)  # type: ignore[arg-type]


def make_index(data_dir: Path, embedder: Embedder | None = None, chroma_url: str | None = None,
               **chunk_settings: object) -> HybridIndex:
    """A HybridIndex (embedded Chroma unless a server URL is given) with a hash embedder by default."""
    embedder = embedder or HashEmbedder()
    return HybridIndex(data_dir, embedder, make_chunker(embedder, **chunk_settings), IndexSettings(),
                       chroma_url=chroma_url)
