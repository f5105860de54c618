"""Retrieval: filters (given and inferred), Swedish compounds, English questions, dedupe, CLI, eval recall, server."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from assistant.cli import app
from assistant.embed import HashEmbedder
from assistant.evalset import load_items
from assistant.evaluate import covers, locate_gold
from assistant.ingest import Ingestor
from assistant.pipeline import build_index, build_retriever
from assistant.query import Filters
from assistant.retrieve import Retriever
from assistant.settings import RetrievalSettings, Settings
from assistant.store import Registry
from assistant.types import DocumentMeta
from deploy.local_cluster import chroma_server as local_chroma_server
from tests.conftest import CORPUS, REPO
from tests.retrieval_fixtures import ALINGSAS, documents, make_document, make_index

EVALS = REPO / "evals" / "qa.jsonl"
RECALL_TARGET = 0.97


@pytest.fixture
def retriever(tmp_path: Path) -> Retriever:
    """A retriever over the four small fixture documents (hash embedder)."""
    index = make_index(tmp_path)
    for document in documents():
        index.add(document)
    return Retriever(index, HashEmbedder(), RetrievalSettings())


def municipalities(retriever: Retriever, question: str, **kwargs: object) -> set[str]:
    return {c.meta.municipality for c in retriever.retrieve(question, **kwargs)}  # type: ignore[arg-type]


def test_quotes_are_document_spans_and_json_has_the_promised_fields(retriever: Retriever) -> None:
    by_id = {d.id: d for d in documents()}
    result = retriever.search("Hur mycket stärks individnämndens kommunbidrag 2024?", k=3)
    assert result.chunks and "kommunbidrag" in result.chunks[0].chunk.text
    for i, scored in enumerate(result.chunks, start=1):
        record = scored.to_json(str(i))
        document = by_id[scored.chunk.document_id]
        assert record["quote"] == document.text[record["start"] : record["end"]]
        assert "Lerums kommun ·" not in record["quote"]  # the header is indexed, never quoted
        assert {"key", "document", "title", "section", "start", "end", "page", "quote", "score"} <= set(record)
    assert [c.score for c in result.chunks] == sorted((c.score for c in result.chunks), reverse=True)
    assert {"parse", "embed", "dense", "bm25", "fuse", "total"} <= set(result.timings_ms)


def test_municipality_and_body_are_inferred_from_the_question(retriever: Retriever) -> None:
    assert municipalities(retriever, "Vad gäller för hemtjänsten i Lerum?") == {"Lerums kommun"}
    result = retriever.search("Hur mycket stärks kommunbidraget för individnämnden?")
    assert result.filters["body"] == "Individnämnden" and "body" in result.filters["inferred"]
    assert {c.meta.body for c in result.chunks} == {"Individnämnden"}


def test_explicit_filters_restrict_and_an_impossible_filter_gives_nothing(retriever: Retriever) -> None:
    assert municipalities(retriever, "sjukfrånvaro", filters=Filters(municipality="Alingsås")) == {"Alingsås kommun"}
    assert {c.meta.period for c in retriever.retrieve("sjukfrånvaro", filters=Filters(period="2021"))} == {"2021"}
    assert {c.meta.kind for c in retriever.retrieve("hemtjänst", filters=Filters(kind="plan"))} == {"plan"}
    assert retriever.retrieve("sjukfrånvaro", filters=Filters(municipality="Åmål")) == []


def test_inferred_filters_that_match_nothing_are_dropped(retriever: Retriever) -> None:
    # No Herrljunga document is a plan body called Individnämnden: the search falls back to everything.
    result = retriever.search("Hur hög var sjukfrånvaron i Herrljunga enligt individnämnden?")
    assert result.chunks and "inferred" not in result.filters


def test_inflections_and_compounds_match(retriever: Retriever) -> None:
    top = retriever.retrieve("Hur mycket investerade Alingsås under 2024?", k=1)[0]
    assert "investeringar på 5,1" in top.chunk.text  # investerade ~ investeringar
    top = retriever.retrieve("När migrerades ärendena till Combine?", k=1)[0]
    assert "Datamigreringen" in top.chunk.text  # migrerades ~ datamigreringen
    top = retriever.retrieve("Hur stor var helårsavvikelsen för investeringsbudgeten i Herrljunga?", k=1)[0]
    assert "investeringsbudgeten" in top.chunk.text


def test_english_questions_are_expanded_with_swedish_terms(retriever: Retriever) -> None:
    result = retriever.search("How high was sick leave in Alingsås in 2024?", k=1)
    assert "sjukfrånvaro" in result.expansions
    assert "Sjukfrånvaron" in result.chunks[0].chunk.text
    top = retriever.retrieve("What does Lerum's plan say about home care?", k=1)[0]
    assert "hemtjänst" in top.chunk.text.lower()
    top = retriever.retrieve("What was the staff turnover in Alingsås?", k=1)[0]
    assert "Personalomsättningen" in top.chunk.text


def test_table_rows_are_found_through_their_column_header(retriever: Retriever) -> None:
    top = retriever.retrieve("Vilken prognos för 2024 har individnämnden för erfarna socionomer?", k=1)[0]
    assert "Erfarna socionomer" in top.chunk.text


def test_several_named_municipalities_each_get_a_slot(retriever: Retriever) -> None:
    result = retriever.search("Jämför sjukfrånvaron i Alingsås och Herrljunga", k=2)
    assert {c.meta.municipality for c in result.chunks} == {"Alingsås kommun", "Herrljunga kommun"}
    assert result.filters["balanced"] == ["Alingsås kommun", "Herrljunga kommun"]


def test_the_same_plan_indexed_twice_takes_one_slot(tmp_path: Path) -> None:
    index = make_index(tmp_path)
    docs = documents()
    copy = make_document("alingsas-kopia.txt", ALINGSAS, **docs[2].meta.model_dump())
    for document in [*docs, copy]:
        index.add(document)
    retriever = Retriever(index, HashEmbedder(), RetrievalSettings())
    chunks = retriever.retrieve("investeringar sjukfrånvaro hemtjänst datamigreringen Alingsås", k=8)
    texts = [c.chunk.text for c in chunks]
    assert len(texts) == len(set(texts))
    # Two different plans that share template text are different documents: both may be cited.
    shared = retriever.retrieve("Verksamhetsplanens syfte delårsrapport årsredovisning", k=4)
    assert len({c.chunk.document_id for c in shared if "Verksamhetsplanen beskriver" in c.chunk.text}) == 2


def test_overlapping_chunks_of_one_document_never_both_appear(tmp_path: Path) -> None:
    index = make_index(tmp_path, max_tokens=30, overlap_units=1)
    for document in documents():
        index.add(document)
    chunks = Retriever(index, HashEmbedder(), RetrievalSettings()).retrieve("kommunbidrag priser löner", k=6)
    for a in chunks:
        for b in chunks:
            if a is not b and a.chunk.document_id == b.chunk.document_id:
                assert a.chunk.end <= b.chunk.start or b.chunk.end <= a.chunk.start


def test_period_named_in_the_question_is_a_soft_hint(tmp_path: Path) -> None:
    index = make_index(tmp_path)
    for document in documents():
        index.add(document)
    hinted = Retriever(index, HashEmbedder(), RetrievalSettings(hint_boost=1.0))
    top = hinted.retrieve("Hur hög var sjukfrånvaron 2021?", k=1)[0]
    assert top.meta.period == "2021"
    # Only a hint: documents of other periods still answer.
    assert len({c.meta.period for c in hinted.retrieve("Hur hög var sjukfrånvaron 2021?", k=5)}) > 1


def test_dense_results_fill_in_when_no_word_matches(retriever: Retriever) -> None:
    assert retriever.retrieve("qwxz", k=3)


def test_an_empty_index_returns_nothing_and_sees_documents_another_writer_adds(tmp_path: Path) -> None:
    retriever = Retriever(make_index(tmp_path), HashEmbedder(), RetrievalSettings())
    assert retriever.retrieve("sjukfrånvaro") == []
    writer = make_index(tmp_path)  # e.g. an ingestion run in another process
    writer.add(documents()[2])
    top = retriever.retrieve("sjukfrånvaro", k=1)
    assert top and top[0].meta.municipality == "Alingsås kommun"


def _ingest_fixture_corpus(tmp_path: Path, settings: Settings) -> None:
    folder = tmp_path / "fixtures"
    folder.mkdir()
    metadata: dict[str, DocumentMeta] = {}
    for document in documents():
        (folder / document.name).write_text(document.text, encoding="utf-8")
        metadata[document.name] = document.meta
    assert Ingestor(settings).ingest([folder], metadata=metadata).ok


def test_cli_ask_retrieve_only_json(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ASSISTANT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("ASSISTANT_EMBEDDING__KIND", "hash")
    monkeypatch.delenv("ASSISTANT_CONFIG", raising=False)
    monkeypatch.chdir(tmp_path)
    _ingest_fixture_corpus(tmp_path, Settings())
    result = CliRunner().invoke(app, ["ask", "--retrieve-only", "--json", "Hur hög var sjukfrånvaron?",
                                      "--municipality", "Alingsås", "--k", "2"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.output)
    assert len(payload["chunks"]) == 2 and payload["timings_ms"]["total"] > 0
    first = payload["chunks"][0]
    assert first["key"] == "1" and first["document"] == "alingsas.txt" and "Sjukfrånvaron" in first["quote"]
    assert first["title"].startswith("Verksamhetsberättelse") and first["section"] == "Personal"
    plain = CliRunner().invoke(app, ["ask", "--retrieve-only", "Hur hög var sjukfrånvaron?", "--k", "1"])
    assert plain.exit_code == 0 and "Sjukfrånvaron" in plain.output


# -- the real embedder over the corpus: eval recall and a Chroma server ------------------------------------------


def recall_at(retriever: Retriever, documents_text: dict[str, str], k: int = 5) -> tuple[float, float, list[list[str]]]:
    """Recall@k and MRR over the answerable eval items, plus each item's ranked chunk ids."""
    items = [i for i in load_items(EVALS) if i.category != "unanswerable"]
    hits, reciprocal, rankings = 0, 0.0, []
    for item in items:
        golds = locate_gold(item, documents_text)
        chunks = retriever.retrieve(item.question, k=k)
        rankings.append([c.chunk.id for c in chunks])
        rank = next((n for n, c in enumerate(chunks, 1) if any(covers(c.citation(str(n)), g) for g in golds)), None)
        if rank:
            hits, reciprocal = hits + 1, reciprocal + 1 / rank
    return hits / len(items), reciprocal / len(items), rankings


@pytest.fixture(scope="module")
def corpus_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """The corpus ingested once with the real embedder into an embedded Chroma."""
    settings = Settings(data_dir=tmp_path_factory.mktemp("real") / "data", corpus_dir=CORPUS)
    ingestor = Ingestor(settings, sinks=[build_index(settings)])
    assert ingestor.ingest([CORPUS]).ok
    return settings


@pytest.fixture(scope="module")
def embedded_run(corpus_settings: Settings) -> tuple[float, float, list[list[str]]]:
    retriever = build_retriever(corpus_settings)
    texts = {d.name: d.text for d in Registry(corpus_settings.data_dir).documents()}
    return recall_at(retriever, texts)


@pytest.mark.slow
def test_eval_recall_at_5_with_the_real_embedder(embedded_run: tuple[float, float, list[list[str]]]) -> None:
    recall, mrr, _ = embedded_run
    print(f"retrieval recall@5={recall:.3f} mrr={mrr:.3f}")
    assert recall >= RECALL_TARGET


@pytest.fixture(scope="module")
def chroma_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`chroma run` on a free loopback port, stopped afterwards."""
    path = tmp_path_factory.mktemp("chroma-server")
    with local_chroma_server(path / "db", path / "server.log") as url:
        yield url


@pytest.mark.slow
@pytest.mark.server
def test_a_chroma_server_gives_the_same_rankings(
    corpus_settings: Settings, embedded_run: tuple[float, float, list[list[str]]], chroma_server: str,
    tmp_path: Path,
) -> None:
    data_dir = tmp_path / "server-data"
    data_dir.mkdir()
    shutil.copytree(corpus_settings.data_dir / "documents", data_dir / "documents")
    shutil.copy(corpus_settings.registry_path, data_dir / "registry.json")
    if (corpus_settings.data_dir / "cache").is_dir():  # vectors come from the cache (unless a shared one is set)
        shutil.copytree(corpus_settings.data_dir / "cache", data_dir / "cache")
    settings = corpus_settings.model_copy(update={"data_dir": data_dir, "chroma_url": chroma_server})
    retriever = build_retriever(settings)
    import chromadb

    port = int(chroma_server.rsplit(":", 1)[1])
    names = {getattr(c, "name", c) for c in chromadb.HttpClient(host="127.0.0.1", port=port).list_collections()}
    assert retriever.index.collection_name in names  # the chunks live in the server
    assert retriever.index.document_ids() == {e.id for e in Registry(data_dir).indexed()}
    texts = {d.name: d.text for d in Registry(data_dir).documents()}
    recall, mrr, rankings = recall_at(retriever, texts)
    print(f"server: retrieval recall@5={recall:.3f} mrr={mrr:.3f}")
    assert recall >= RECALL_TARGET
    diffs = [(i, a, b) for i, (a, b) in enumerate(zip(rankings, embedded_run[2], strict=True)) if a != b]
    assert not diffs, diffs[:3]
