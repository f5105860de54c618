"""Chunking: exact spans, token bounds for both tokenizers, contextual headers, table columns, nodes."""

from __future__ import annotations

from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from assistant.chunk import (
    HEADER_SEPARATOR,
    Chunker,
    from_node,
    indexed_text,
    to_node,
)
from assistant.embed import HashEmbedder, SentenceTransformerEmbedder
from assistant.ingest import Ingestor
from assistant.settings import ChunkSettings, Settings
from tests.conftest import CORPUS
from tests.retrieval_fixtures import documents, make_chunker, make_document


def _tiktoken_count(text: str) -> int:
    import tiktoken

    return len(tiktoken.get_encoding("cl100k_base").encode(text, disallowed_special=()))


def test_quotes_are_exact_spans_in_order_without_header() -> None:
    chunker = make_chunker(HashEmbedder())
    for document in documents():
        chunks = chunker.chunk(document)
        assert chunks
        for chunk in chunks:
            assert chunk.text == document.text[chunk.start : chunk.end]
            assert chunk.document_id == document.id and chunk.document == document.name
            assert chunk.header and chunk.header not in chunk.text
            assert indexed_text(chunk) == chunk.header + HEADER_SEPARATOR + chunk.text
        assert [c.start for c in chunks] == sorted(c.start for c in chunks)
        assert all(a.end <= b.start for a, b in zip(chunks, chunks[1:], strict=False))  # no overlap by default
        covered = "".join(document.text[c.start : c.end] for c in chunks)
        assert "".join(covered.split()) == "".join(document.text.split())  # nothing is lost


@given(st.lists(st.tuples(st.sampled_from(["Mål", "Ekonomi och resultat", "Bilaga"]),
                          st.integers(min_value=0, max_value=400)), min_size=1, max_size=5))
@hypothesis_settings(max_examples=60, deadline=None)
def test_no_text_is_lost_whatever_the_section_lengths(sections: list[tuple[str, int]]) -> None:
    # Short sections join the next; a short last section (after a tiny one) once vanished from the index.
    words = "Nämnden följer upp verksamheten och redovisar utfallet i tabellen nedan. "
    text = "Verksamhetsberättelse 2024\n\n" + "".join(
        f"{title}\n\n{(words * 9)[:length].strip() or 'Se ovan.'}\n\n" for title, length in sections)
    document = make_document("kort.txt", text.strip(), municipality="Testby kommun")
    chunks = make_chunker(HashEmbedder()).chunk(document)
    covered = "".join(document.text[c.start : c.end] for c in chunks)
    assert "".join(covered.split()) == "".join(document.text.split())


def test_header_names_municipality_body_title_and_section() -> None:
    document = documents()[0]
    chunk = next(c for c in make_chunker(HashEmbedder()).chunk(document) if "kommunbidrag" in c.text)
    assert chunk.section == "Ekonomi och förutsättningar"
    assert chunk.header.startswith("Lerums kommun · Individnämnden: Verksamhetsplan 2024 Individnämnden")
    assert "Avsnitt: Ekonomi och förutsättningar" in chunk.header


def test_chunk_ids_are_stable_content_hashes() -> None:
    document = documents()[1]
    first = [c.id for c in make_chunker(HashEmbedder()).chunk(document)]
    assert first == [c.id for c in make_chunker(HashEmbedder()).chunk(document)]
    assert len(set(first)) == len(first)


def test_table_rows_carry_heading_and_column_header() -> None:
    rows = "\n".join(f"Brukarbedömning område {i} andel nöjda {60 + i}% {61 + i}% {62 + i}% Ökande" for i in range(60))
    text = (
        "Indikatorer\nIndikatorerna följs upp i årsredovisningen och visar utvecklingen över tid för nämnden.\n\n"
        "Nämndens indikatorer för brukarnöjdhet\nIndikator 2021 2022 2023 Prognos 2024\n" + rows + "\n"
    )
    document = make_document("tabell.txt", text, title="Plan", municipality="Lerums kommun", body="Nämnden")
    chunks = make_chunker(HashEmbedder(), max_tokens=120).chunk(document)
    later = [c for c in chunks if c.start > text.index("område 30")]
    assert later
    for chunk in later:
        assert "Kolumner: 2021 | 2022 | 2023 | Prognos 2024" in chunk.header
        assert "Tabell: Nämndens indikatorer för brukarnöjdhet" in chunk.header
        assert "Kolumner" not in chunk.text


def test_table_header_can_be_switched_off() -> None:
    rows = "\n".join(f"Rad {i} 10 20 30" for i in range(80))
    text = "Tabell\nIndikator 2021 2022 2023\n" + rows + "\n"
    document = make_document("t.txt", text, title="Plan")
    chunks = make_chunker(HashEmbedder(), max_tokens=60, table_header=False).chunk(document)
    assert len(chunks) > 1 and not any("Kolumner" in c.header for c in chunks)


def test_a_line_without_punctuation_is_cut_into_word_windows() -> None:
    text = "Avsnitt\n" + " ".join(f"ord{i}" for i in range(2000)) + "\n"
    document = make_document("lang.txt", text, title="Lång")
    embedder = HashEmbedder(max_tokens=64)
    chunker = Chunker(ChunkSettings(), embedder.count_tokens, embedder.max_tokens)
    chunks = chunker.chunk(document)
    assert len(chunks) > 20
    assert all(embedder.count_tokens(indexed_text(c)) <= 64 for c in chunks)
    assert all(c.text == text[c.start : c.end] for c in chunks)


def test_overlap_repeats_units() -> None:
    text = "Lista\n" + "\n".join(f"Punkt {i}: nämnden ska följa upp insatsen." for i in range(40)) + "\n"
    document = make_document("lista.txt", text, title="Plan")
    plain = make_chunker(HashEmbedder(), max_tokens=60).chunk(document)
    overlapping = make_chunker(HashEmbedder(), max_tokens=60, overlap_units=1).chunk(document)
    assert len(overlapping) >= len(plain)
    assert any(a.end > b.start for a, b in zip(overlapping, overlapping[1:], strict=False))


def test_node_round_trip_keeps_everything_for_a_citation() -> None:
    document = documents()[0]
    for chunk in make_chunker(HashEmbedder()).chunk(document):
        node = to_node(chunk, document)
        assert node.ref_doc_id == document.id
        assert node.get_content() == indexed_text(chunk)
        assert node.metadata["municipality"] == "Lerums kommun" and node.metadata["period"] == "2024"
        assert from_node(node) == chunk


def test_corpus_chunks_fit_the_real_tokenizer_and_the_llm_budget(settings: Settings) -> None:
    """No chunk is silently truncated by all-MiniLM-L6-v2 (256 word pieces) or exceeds the tiktoken budget."""
    Ingestor(settings).ingest([CORPUS])
    from assistant.store import Registry

    embedder = SentenceTransformerEmbedder()
    chunker = Chunker(settings.chunk, embedder.count_tokens, embedder.max_tokens)
    total = 0
    for document in Registry(settings.data_dir).documents():
        chunks = chunker.chunk(document)
        total += len(chunks)
        for chunk in chunks:
            assert chunk.text == document.text[chunk.start : chunk.end]
            assert embedder.count_tokens(indexed_text(chunk)) <= embedder.max_tokens
            assert _tiktoken_count(chunk.text) <= settings.chunk.max_tokens
            assert chunk.tokens == _tiktoken_count(chunk.text)
            assert document.sections == [] or chunk.section in {s.title for s in document.sections} | {""}
    assert total > 300
    assert embedder._model is None  # chunking needs only the tokenizer
