"""Ingestion end to end: the corpus, re-ingestion, near-duplicates, hostile batches, the CLI."""

from __future__ import annotations

import hashlib
import os
import random
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from assistant.cli import app
from assistant.ingest import Ingestor, safe_filename
from assistant.settings import IngestSettings, Settings
from assistant.store import Registry
from assistant.types import DocumentMeta
from tests.conftest import CORPUS
from tests.filemakers import make_docx, make_image_only_pdf, make_pdf, make_zip_bomb_docx

LAYOUT = "lerum-stod-och-omsorgsnamnden-verksamhetsplan-2024-layout.txt"
CLEAN = "lerum-stod-och-omsorgsnamnden-verksamhetsplan-2024.txt"


def snapshot(data_dir: Path) -> dict[str, str]:
    """Hash of every file that matters under the data directory."""
    return {
        str(p.relative_to(data_dir)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(data_dir.rglob("*")) if p.is_file() and p.name != "ingest.lock"
    }


def test_corpus_gives_four_documents_and_one_duplicate(settings: Settings) -> None:
    report = Ingestor(settings).ingest([CORPUS])
    assert report.ok
    assert report.count("ingested") == 4
    assert report.count("duplicate") == 1
    dup = next(o for o in report.outcomes if o.status == "duplicate")
    assert dup.name == LAYOUT and dup.duplicate_of == CLEAN
    assert dup.similarity is not None and dup.similarity > 0.9
    registry = Registry(settings.data_dir)
    assert sorted(e.name for e in registry.indexed()) == sorted(
        p.name for p in CORPUS.glob("*.txt") if p.name != LAYOUT
    )
    docs = registry.documents()
    assert {d.meta.municipality for d in docs} == {"Lerums kommun", "Alingsås kommun", "Herrljunga kommun"}
    assert all(d.sections for d in docs)


def test_reingest_is_a_no_op(settings: Settings) -> None:
    Ingestor(settings).ingest([CORPUS])
    before = snapshot(settings.data_dir)
    report = Ingestor(settings).ingest([CORPUS])
    assert report.count("unchanged") == 5 and report.ok
    assert snapshot(settings.data_dir) == before


def test_better_copy_replaces_worse_primary_across_batches(settings: Settings) -> None:
    first = Ingestor(settings).ingest([CORPUS / LAYOUT])
    assert first.count("ingested") == 1
    second = Ingestor(settings).ingest([CORPUS / CLEAN])
    statuses = {o.name: o.status for o in second.outcomes}
    assert statuses == {CLEAN: "ingested", LAYOUT: "duplicate"}
    registry = Registry(settings.data_dir)
    assert [e.name for e in registry.indexed()] == [CLEAN]
    layout = registry.by_name(LAYOUT)
    assert layout is not None and layout.status == "duplicate"
    assert layout.duplicate_of == registry.by_name(CLEAN).id  # type: ignore[union-attr]


def test_duplicate_is_found_by_content_not_name(settings: Settings, tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(CORPUS / CLEAN, folder / "plan.txt")
    shutil.copy(CORPUS / CLEAN, folder / "kopia-med-annat-namn.txt")
    report = Ingestor(settings).ingest([folder])
    assert report.count("ingested") == 1 and report.count("duplicate") == 1


def test_changed_file_replaces_its_old_version(settings: Settings, tmp_path: Path) -> None:
    path = tmp_path / "notis.txt"
    path.write_text("Nämnden beslutade om hemtjänstens budget för 2024.\n\nBudgeten är 12 mkr.")
    Ingestor(settings).ingest([path])
    path.write_text("Nämnden beslutade om hemtjänstens budget för 2024.\n\nBudgeten är 14 mkr.")
    report = Ingestor(settings).ingest([path])
    assert report.count("updated") == 1
    registry = Registry(settings.data_dir)
    assert len(registry.entries) == 1
    assert "14 mkr" in registry.documents()[0].text


def test_pdf_and_docx_are_ingested_with_pages_and_sections(settings: Settings, tmp_path: Path) -> None:
    pdf = make_pdf(tmp_path / "delar.pdf", [
        "Delårsrapport 2024\n\nSocialnämnden redovisar hemtjänstens resultat för första halvåret i kommunen.",
        "Ekonomi\n\nNämnden prognostiserar ett underskott på 4 793 tkr för helåret 2024 inom äldreomsorgen.",
    ])
    doc = make_docx(tmp_path / "plan.docx", "Indikatorer för hemtjänsten",
                    ["Tabellen visar nämndens indikatorer för brukarnas upplevda kvalitet."],
                    [["Indikator", "2023", "2024"], ["Hemtjänstindex", "52,5", "66,9"]])
    meta = {"delar.pdf": DocumentMeta(title="Delårsrapport", municipality="Testkommun", body="Socialnämnden")}
    report = Ingestor(settings).ingest([pdf, doc], metadata=meta)
    assert report.count("ingested") == 2, report.outcomes
    docs = {d.name: d for d in Registry(settings.data_dir).documents()}
    pdf_doc = docs["delar.pdf"]
    assert pdf_doc.meta.municipality == "Testkommun"
    assert [p.page for p in pdf_doc.pages] == [1, 2]
    offset = pdf_doc.text.index("4 793 tkr")
    assert pdf_doc.page_at(offset) == 2
    assert pdf_doc.section_at(offset) == "Ekonomi"
    docx_doc = docs["plan.docx"]
    assert "Hemtjänstindex\t52,5\t66,9" in docx_doc.text
    assert docx_doc.section_at(docx_doc.text.index("52,5")) == "Indikatorer för hemtjänsten"


def hostile_batch(folder: Path, outside: Path) -> dict[str, str]:
    """Write bad files into folder; return file name → expected words of its message."""
    rng = random.Random(7)
    expected: dict[str, str] = {}

    def bad(name: str, message: str) -> Path:
        expected[name] = message
        return folder / name

    bad("tom.txt", "tom").write_bytes(b"")
    bad("blanksteg.txt", "tom").write_text("   \n\t \n  ")
    bad("skrap.txt", "binära").write_bytes(bytes(rng.randrange(256) for _ in range(4096)))
    bad("nolltecken.txt", "binära").write_bytes(b"Hemtj\x00nst\x00" * 50)
    bad("trasig.pdf", "PDF").write_bytes(b"%PDF-1.7\n" + bytes(rng.randrange(256) for _ in range(2000)) + b"\n%%EOF")
    full = make_pdf(folder / "hel.pdf", ["Text om hemtjänst " * 100])
    bad("avkortad.pdf", "avkortad").write_bytes(full.read_bytes()[:700])
    full.unlink()
    make_pdf(bad("krypterad.pdf", "krypterad"), ["Hemlig rapport"], user_password="hemligt")
    make_image_only_pdf(bad("skannad.pdf", "OCR"))
    bad("webbsida.pdf", "ingen PDF").write_text("<!doctype html><html><body>Hej</body></html>")
    make_zip_bomb_docx(bad("bomb.docx", "zip-bomb"))
    bad("falsk.docx", "DOCX").write_text("det här är ingen docx")
    bad("kalkyl.xlsx", "stöds inte").write_bytes(b"PK\x03\x04")
    bad("stor.txt", "större än gränsen").write_text("hemtjänst " * 120_000)  # ~1.2 MB, over the test limit
    (folder / "trasig-lank.txt").symlink_to(folder / "finns-inte.txt")
    expected["trasig-lank.txt"] = "inte en vanlig fil"
    secret = outside / "hemlig.txt"
    secret.write_text("Lösenord och annat som inte hör till korpusen.")
    (folder / "lank-ut.txt").symlink_to(secret)
    expected["lank-ut.txt"] = "utanför mappen"
    return expected


def good_batch(folder: Path) -> list[str]:
    """Write good files with awkward encodings; return their names."""
    (folder / "cp1252.txt").write_bytes(
        "Äldreomsorgen i Åmåls kommun\n\nNämnden ökar insatserna för särskilt boende under året.".encode("cp1252")
    )
    (folder / "bom.txt").write_bytes(
        "\ufeffIndividnämnden\n\nVåld i nära relationer är ett prioriterat område för nämnden i år.".encode()
    )
    make_pdf(folder / "bra.pdf", ["Socialnämnden\n\nNämnden redovisar personalomsättning och sjukfrånvaro."])
    make_docx(folder / "bra.docx", "Budget", ["Budgeten för hemtjänsten är 12 mkr enligt beslut."])
    return ["cp1252.txt", "bom.txt", "bra.pdf", "bra.docx"]


def test_hostile_batch_reports_each_bad_file_and_ingests_the_good(settings: Settings, tmp_path: Path) -> None:
    settings = settings.model_copy(update={"ingest": IngestSettings(max_file_mb=1.0)})
    folder, outside = tmp_path / "batch", tmp_path / "utanfor"
    folder.mkdir()
    outside.mkdir()
    # Already indexed before the hostile batch: must survive it untouched.
    Ingestor(settings).ingest([CORPUS / CLEAN])
    before = Registry(settings.data_dir).entries.copy()
    expected = hostile_batch(folder, outside)
    good = good_batch(folder)
    assert len(expected) >= 12
    report = Ingestor(settings).ingest([folder])
    outcomes = {o.name: o for o in report.outcomes}
    for name, words in expected.items():
        assert outcomes[name].status == "failed", name
        assert words.lower() in outcomes[name].reason.lower(), (name, outcomes[name].reason)
    for name in good:
        assert outcomes[name].status == "ingested", (name, outcomes[name].reason)
    registry = Registry(settings.data_dir)
    for doc_id, entry in before.items():
        assert registry.entries[doc_id] == entry
    assert len(registry.indexed()) == 1 + len(good)
    texts = {d.name: d.text for d in registry.documents()}
    assert "Äldreomsorgen i Åmåls kommun" in texts["cp1252.txt"]
    assert texts["bom.txt"].startswith("Individnämnden")
    assert not report.ok


@pytest.mark.slow  # the CLI embeds the corpus with the real model (~35 s)
def test_cli_exit_status_and_summary(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ASSISTANT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("COLUMNS", "200")
    runner = CliRunner()
    result = runner.invoke(app, ["ingest", str(CORPUS)])
    assert result.exit_code == 0, result.output
    assert "inläst: 4" in result.output and "dubblett: 1" in result.output
    assert "likhet 0.9" in result.output
    again = runner.invoke(app, ["ingest", str(CORPUS)])
    assert again.exit_code == 0 and "oförändrad: 5" in again.output
    (tmp_path / "tom.txt").write_text("")
    failed = runner.invoke(app, ["ingest", str(tmp_path / "tom.txt"), str(CORPUS / CLEAN)])
    assert failed.exit_code == 1
    assert "tom.txt" in failed.output and "filen är tom" in failed.output


def test_missing_path_is_reported(settings: Settings, tmp_path: Path) -> None:
    report = Ingestor(settings).ingest([tmp_path / "saknas.txt"])
    assert report.outcomes[0].status == "failed" and "finns inte" in report.outcomes[0].reason


@pytest.mark.parametrize(
    ("name", "expected"),
    [("../../x.txt", "x.txt"), ("..\\..\\y.pdf", "y.pdf"), ("a\x00b.txt", "a_b.txt"), ("", "namnlos.txt"),
     ("  plan 2024: ver?.docx ", "plan 2024_ ver_.docx"), ("/etc/passwd", "passwd")],
)
def test_safe_filename(name: str, expected: str) -> None:
    assert safe_filename(name) == expected
    assert os.sep not in safe_filename(name)


def synthetic_personnummer() -> str:
    """A made-up personnummer (1912-03-04) with a valid Luhn check digit, never a real person's."""
    from assistant.pii import luhn_check_digit

    base = "120304123"
    return f"19{base[:6]}-{base[6:]}{luhn_check_digit(base)}"


def test_personnummer_masked_before_anything_is_stored(settings: Settings, tmp_path: Path) -> None:
    pnr = synthetic_personnummer()
    path = tmp_path / "beslut.txt"
    path.write_text(f"Beslut om insats\n\nBrukaren {pnr} beviljas hemtjänst från och med 2024-01-01.")
    Ingestor(settings).ingest([path])
    stored = "".join(p.read_text() for p in settings.data_dir.rglob("*.json"))
    assert pnr not in stored and pnr[2:] not in stored
    doc = Registry(settings.data_dir).documents()[0]
    assert "XXXXXXXX-XXXX" in doc.text and "2024-01-01" in doc.text
    assert len(doc.text) == len(path.read_text())


# ---------------------------------------------------------------- one file's failure, Chroma batches, progress

WORDS = [
    "hemtjänst", "äldreomsorg", "budget", "mål", "utfall", "personal", "skola", "förskola", "bibliotek", "kultur",
    "fritid", "miljö", "bygglov", "trafik", "vatten", "avlopp", "socialtjänst", "ekonomi", "prognos",
    "investering", "lokal", "digitalisering", "kompetens", "rekrytering", "sjukfrånvaro", "brukare", "nöjdhet",
    "kvalitet", "uppföljning", "nämnd", "kommun", "plan", "insats"
]


def plan_text(name: str, lines: int) -> str:
    """A plan of distinct, seeded random sentences (no two files are near-duplicates)."""
    rng = random.Random(name)
    sentences = [" ".join(rng.choice(WORDS) for _ in range(14)).capitalize() + f" {rng.randint(1, 999)} procent."
                 for _ in range(lines)]
    return f"Verksamhetsplan {name}\n\n" + "\n\n".join(sentences) + "\n"


def hash_settings(tmp_path: Path) -> Settings:
    """A data directory with the fast deterministic embedder (the real Chroma and BM25)."""
    return Settings(data_dir=tmp_path / "data", embedding={"kind": "hash"})


def write_plans(folder: Path, names: list[str], lines: int = 20) -> Path:
    """Small, distinct plans (different enough not to be near-duplicates of each other)."""
    folder.mkdir(parents=True, exist_ok=True)
    for name in names:
        (folder / name).write_text(plan_text(name, lines), encoding="utf-8")
    return folder


def test_an_exception_while_indexing_one_file_fails_only_that_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from assistant.index import HybridIndex
    from assistant.pipeline import build_index, build_ingestor

    real = HybridIndex._add_vectors

    def breaks_on_b(self: HybridIndex, nodes: list) -> None:
        real(self, nodes[:3])  # half-way: some of b's vectors are already in Chroma
        if nodes and nodes[0].metadata["document"] == "b.txt":
            raise RuntimeError("disken är full")
        real(self, nodes[3:])

    monkeypatch.setattr(HybridIndex, "_add_vectors", breaks_on_b)
    settings = hash_settings(tmp_path)
    folder = write_plans(tmp_path / "in", ["a.txt", "b.txt", "c.txt"])
    report = build_ingestor(settings).ingest([folder])
    outcomes = {o.name: o for o in report.outcomes}
    assert (outcomes["a.txt"].status, outcomes["c.txt"].status) == ("ingested", "ingested")
    assert outcomes["b.txt"].status == "failed"
    assert "kunde inte indexeras" in outcomes["b.txt"].reason and "disken är full" in outcomes["b.txt"].reason
    registry = Registry(settings.data_dir)
    assert sorted(e.name for e in registry.entries.values()) == ["a.txt", "c.txt"]
    assert sorted(p.stem for p in registry.documents_dir.glob("*.json")) == sorted(registry.entries)
    monkeypatch.setattr(HybridIndex, "_add_vectors", real)
    index = build_index(settings, sync=False)
    assert index.document_ids() == set(registry.entries)  # no half-written vectors of b.txt are left
    assert set(index.lexical.by_document) == set(registry.entries)


def test_the_cli_prints_the_summary_after_a_file_fails_while_indexing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from assistant.index import HybridIndex

    def fails(self: HybridIndex, document: object, progress: object = None) -> None:
        if getattr(document, "name", "") == "b.txt":
            raise MemoryError("slut på minne")
        return real(self, document, progress)  # type: ignore[arg-type]

    real = HybridIndex.add
    monkeypatch.setattr(HybridIndex, "add", fails)
    monkeypatch.setenv("ASSISTANT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("ASSISTANT_EMBEDDING__KIND", "hash")
    monkeypatch.setenv("COLUMNS", "200")
    result = CliRunner().invoke(app, ["ingest", str(write_plans(tmp_path / "in", ["a.txt", "b.txt", "c.txt"]))])
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    assert "inläst: 2" in result.output and "misslyckades: 1" in result.output
    assert "b.txt" in result.output and "slut på minne" in result.output


def test_chroma_writes_are_batched_under_its_max_batch_size(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from llama_index.vector_stores.chroma import ChromaVectorStore

    from assistant.pipeline import build_index

    settings = hash_settings(tmp_path)
    index = build_index(settings, sync=False)
    index.__dict__["max_batch_size"] = 7  # as if this Chroma took at most 7 records per write
    sizes: list[int] = []
    real_add = ChromaVectorStore.add
    monkeypatch.setattr(ChromaVectorStore, "add", lambda self, nodes, **kw: sizes.append(len(nodes)) or real_add(
        self, nodes, **kw))
    report = Ingestor(settings, sinks=[index]).ingest([write_plans(tmp_path / "in", ["stor.txt"], lines=120)])
    assert report.ok, report.outcomes
    doc_id = report.outcomes[0].document_id
    assert doc_id is not None
    assert sum(sizes) == index.chunk_count(doc_id) > 7 * 3
    assert max(sizes) <= 7 and len(sizes) >= 3
    real_limit = type(index).max_batch_size.func(index)  # type: ignore[attr-defined]
    assert 1000 < real_limit < 100_000  # the embedded store's own limit (5,461 on SQLite's defaults)


def test_progress_moves_per_chunk_within_one_document(tmp_path: Path) -> None:
    from assistant.pipeline import build_ingestor

    events: list[tuple[str, int, int]] = []
    settings = hash_settings(tmp_path)
    report = build_ingestor(settings).ingest([write_plans(tmp_path / "in", ["stor.txt"], lines=400)],
                                             progress=lambda stage, done, total: events.append((stage, done, total)))
    assert report.ok
    chunks = [(done, total) for stage, done, total in events if stage == "textdelar"]
    total = chunks[-1][1]
    assert chunks[-1] == (total, total) and total >= 100
    assert len(chunks) >= total // 32  # many steps for one document, not one per document
    assert [done for done, _ in chunks] == sorted(done for done, _ in chunks)
    assert [e for e in events if e[0] == "indexerar"] == [("indexerar", 0, 1), ("indexerar", 1, 1)]


def test_a_file_read_by_an_older_reader_is_read_again_in_place_keeping_its_reviews(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import assistant.ingest as ingest_module
    from assistant.pipeline import build_factdb, build_index, build_ingestor

    settings = hash_settings(tmp_path)
    folder = write_plans(tmp_path / "in", ["a.txt"])
    (folder / "a.txt").write_text(plan_text("a.txt", 20) + "\nNyckeltal\nIndikator\tUtfall 2024\tBudget 2025\n"
                                  "Besök\t88 120\t91 300\n", encoding="utf-8")
    assert build_ingestor(settings).ingest([folder]).outcomes[0].status == "ingested"
    facts = build_factdb(settings)
    first = facts.facts()
    assert first
    facts.review([first[0].id], "approve", who="granskare")
    chunks = len(build_index(settings, sync=False).lexical.records)
    assert build_ingestor(settings).ingest([folder]).outcomes[0].status == "unchanged"

    monkeypatch.setattr(ingest_module, "reader_version", lambda: "a newer reader")
    outcome = build_ingestor(settings).ingest([folder]).outcomes[0]
    assert outcome.status == "updated" and "på nytt" in outcome.reason
    registry = Registry(settings.data_dir)
    assert [(e.name, e.reader) for e in registry.entries.values()] == [("a.txt", "a newer reader")]
    assert registry.load_document(outcome.document_id).text  # the stored document is there
    index = build_index(settings, sync=False)
    assert len(index.lexical.records) == chunks and index.document_ids() == {outcome.document_id}  # not doubled
    again = {f.id: f.review for f in build_factdb(settings).facts()}
    assert set(again) == {f.id for f in first} and again[first[0].id] == "reviewed"
    assert build_ingestor(settings).ingest([folder]).outcomes[0].status == "unchanged"


def test_a_folder_is_read_without_its_manifest_readme_and_fact_lists(tmp_path: Path) -> None:
    from assistant.ingest import collect_files

    for name in ("rapport.txt", "manifest.toml", "README.md", "indicators.csv", "extracted.csv", ".dold.txt"):
        (tmp_path / name).write_text("x", encoding="utf-8")
    found, problems = collect_files([tmp_path])
    assert [f.name for f, _ in found] == ["rapport.txt"] and problems == []
    found, _ = collect_files([tmp_path / "README.md"])  # named on its own, it is read like any file
    assert [f.name for f, _ in found] == ["README.md"]
