"""Hostile files through the real ingestion (Chroma + BM25 sinks) and the real upload endpoint.

Every bad file gets a Swedish reason that names why, the good files of the same batch are ingested, nothing
crashes, and what was indexed before keeps exactly its chunks in both indexes.
"""

from __future__ import annotations

import os
import random
import shutil
import unicodedata
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from assistant.api import create_app
from assistant.index import HybridIndex
from assistant.ingest import Ingestor, safe_filename
from assistant.pipeline import build_ingestor
from assistant.service import AssistantService
from assistant.settings import IngestSettings, Settings
from assistant.store import Registry
from tests.conftest import CORPUS
from tests.filemakers import (
    make_docx,
    make_docx_with_broken_xml,
    make_docx_without_body,
    make_image_only_pdf,
    make_pdf,
    make_pdf_without_pages,
    make_zip_bomb_docx,
    make_zip_renamed,
    mixed_encoding_swedish,
    swedish_report,
)
from tests.index_checks import assert_index_matches_registry
from tests.uploads import upload, wait_for_job

SMALL = "lerum-individnamnden-verksamhetsplan-2024.txt"  # the smallest corpus document: quick to embed
FILE_LIMIT_MB = 6.0  # the 5 MB line stays under it, the large file goes over


def hostile_files(folder: Path, outside: Path) -> dict[str, str]:
    """Write bad files into folder; return file name → words its Swedish reason must contain."""
    rng = random.Random(11)
    expected: dict[str, str] = {}

    def bad(name: str, words: str) -> Path:
        expected[name] = words
        return folder / name

    noise = bytes(rng.randrange(256) for _ in range(4096))
    bad("tom.txt", "tom").write_bytes(b"")
    bad("tom.pdf", "tom").write_bytes(b"")
    bad("tom.docx", "tom").write_bytes(b"")
    bad("blanksteg.txt", "tom").write_text("   \n\t \r\n  \n")
    bad("osynlig.txt", "ingen läsbar text").write_text("\u200b\u00ad\u200b\n\u2060\ufeff\n")
    bad("skrap.txt", "binära").write_bytes(noise)
    bad("nolltecken.txt", "binära").write_bytes(b"Hemtj\x00nst och \x00omsorg\x00 " * 60)
    bad("nolltecken.md", "binära").write_bytes(b"# Rubrik\n\x00\x00\x00" * 40)
    bad("styrtecken.txt", "binära").write_bytes(b"Budget\x01\x02\x03\x04\x05\x06\x07\x08 " * 40)
    bad("trasig.pdf", "pdf").write_bytes(b"%PDF-1.7\n" + noise[:2000] + b"\n%%EOF")
    bad("bara-huvud.pdf", "pdf").write_bytes(b"%PDF-1.4\n%%EOF\n")
    full = make_pdf(folder / "hel.pdf", ["Text om hemtjänsten i kommunen. " * 80])
    bad("avkortad.pdf", "avkortad").write_bytes(full.read_bytes()[:700])
    full.unlink()
    make_pdf(bad("krypterad.pdf", "krypterad"), ["Hemlig rapport om budgeten"], user_password="hemligt")
    make_image_only_pdf(bad("skannad.pdf", "textlager"))
    make_pdf_without_pages(bad("sidlos.pdf", "inga sidor"))
    bad("webbsida.pdf", "ingen pdf").write_text("<!doctype html><html><body><p>Hemtjänst</p></body></html>")
    make_zip_renamed(bad("arkiv.pdf", "ingen pdf"))
    bad("bild.pdf", "ingen pdf").write_bytes(b"\x89PNG\r\n\x1a\n" + noise[:500])
    make_zip_bomb_docx(bad("bomb.docx", "zip-bomb"))
    bad("falsk.docx", "docx").write_text("det här är ingen docx utan vanlig text")
    make_docx_without_body(bad("utan-innehall.docx", "word/document.xml saknas"))
    make_docx_with_broken_xml(bad("trasig-xml.docx", "trasig"))
    real = make_docx(folder / "riktig.docx", "Plan", ["Nämnden följer upp budgeten varje månad."])
    bad("avkortad.docx", "docx").write_bytes(real.read_bytes()[:900])
    real.unlink()
    make_pdf(bad("pdf-som-docx.docx", "ingen giltig docx"), ["Det här är en PDF med fel filändelse."])
    bad("kalkyl.xlsx", "stöds inte").write_bytes(b"PK\x03\x04" + noise[:100])
    bad("program.exe", "stöds inte").write_bytes(b"MZ\x90\x00" + noise[:200])
    bad("utan-filandelse", "stöds inte").write_text("Text utan filändelse om hemtjänsten.")
    # One 5 MB line: no document looks like that, and it would take minutes to chunk and embed.
    words = ["hemtjänst", "nämnden", "budget", "äldreomsorg", "insatser", "kommunen", "boende", "uppföljning"]
    bad("en-rad.txt", "rad").write_text(" ".join(rng.choice(words) for _ in range(560_000))[:5_000_000])
    with open(bad("for-stor.txt", "större än gränsen"), "wb") as handle:
        handle.write(b"Budget och verksamhet. " * int((FILE_LIMIT_MB + 0.5) * 1024 * 1024 / 23))
    os.mkfifo(bad("ror.txt", "inte en vanlig fil"))
    (folder / "trasig-lank.txt").symlink_to(folder / "finns-inte.txt")
    expected["trasig-lank.txt"] = "inte en vanlig fil"
    (folder / "slinga-a.txt").symlink_to(folder / "slinga-b.txt")
    (folder / "slinga-b.txt").symlink_to(folder / "slinga-a.txt")
    expected["slinga-a.txt"] = expected["slinga-b.txt"] = "slinga"
    secret = outside / "hemlig.txt"
    secret.write_text("Lösenord och annat som inte hör till korpusen. Kontonummer 1234.")
    (folder / "lank-ut.txt").symlink_to(secret)
    expected["lank-ut.txt"] = "utanför mappen"
    (folder / "lank-ut-mapp").symlink_to(outside, target_is_directory=True)
    expected["lank-ut-mapp"] = "utanför mappen"
    return expected


def good_files(folder: Path) -> dict[str, str]:
    """Write good files with awkward encodings and formats; return file name → a phrase of its cleaned text."""
    (folder / "cp1252.txt").write_bytes(
        "Äldreomsorgen i Åmåls kommun\n\nNämnden ökar insatserna för särskilt boende under året.".encode("cp1252")
    )
    (folder / "blandad.txt").write_bytes(mixed_encoding_swedish())
    (folder / "bom.txt").write_bytes(
        "\ufeffIndividnämnden\n\nVåld i nära relationer är ett prioriterat område för nämnden i år.".encode()
    )
    (folder / "rubriker.md").write_text("# Fritidsnämnden\n\nSimhallen i **Tjörn** öppnar igen efter renoveringen.\n")
    make_pdf(folder / "bra.pdf", ["Socialnämnden\n\nNämnden redovisar personalomsättning och sjukfrånvaro."])
    make_docx(folder / "bra.docx", "Budget", ["Budgeten för färdtjänsten är 12 mkr enligt beslut."])
    name, text = swedish_report(3)
    (folder / name).write_text(text, encoding="utf-8")
    return {
        "cp1252.txt": "Äldreomsorgen i Åmåls kommun", "blandad.txt": "Äldreomsorgen fick nya lokaler i Älvsbyn",
        "bom.txt": "Individnämnden", "rubriker.md": "Simhallen i Tjörn",
        "bra.pdf": "personalomsättning", "bra.docx": "färdtjänsten är 12 mkr", name: "Verksamhetsplan",
    }


def index_state(index: HybridIndex, doc_id: str) -> tuple[set[str], set[str]]:
    """A document's chunk ids in Chroma and in BM25."""
    chroma = set(index.collection.get(where={"document_id": doc_id}, include=[])["ids"])
    return chroma, set(index.lexical.by_document.get(doc_id, []))


@pytest.mark.slow
def test_hostile_batch_through_the_real_index(settings: Settings, tmp_path: Path) -> None:
    settings = settings.model_copy(update={"ingest": IngestSettings(max_file_mb=FILE_LIMIT_MB)})
    ingestor = build_ingestor(settings)
    index = ingestor.sinks[0]
    assert isinstance(index, HybridIndex)
    first = ingestor.ingest([CORPUS / SMALL])
    assert first.count("ingested") == 1, first.outcomes
    corpus_id = first.outcomes[0].document_id
    assert corpus_id is not None
    before_entry = Registry(settings.data_dir).entries[corpus_id]
    before_chunks = index_state(index, corpus_id)
    assert before_chunks[0] and before_chunks[0] == before_chunks[1]

    folder, outside = tmp_path / "batch", tmp_path / "utanfor"
    folder.mkdir()
    outside.mkdir()
    expected = hostile_files(folder, outside)
    good = good_files(folder)
    shutil.copy(folder / "cp1252.txt", folder / "kopia-med-annat-namn.txt")
    shutil.copy(CORPUS / SMALL, folder / "samma-som-korpusen.txt")
    near = (CORPUS / SMALL).read_text(encoding="utf-8").replace("nämnden", "Nämnden", 3) + "\nTillägg i slutet.\n"
    (folder / "nastan-samma.txt").write_text(near, encoding="utf-8")
    assert len(expected) >= 30

    report = ingestor.ingest([folder, tmp_path / "saknas.txt"])

    outcomes = {o.name: o for o in report.outcomes}
    for name, words in expected.items():
        outcome = outcomes[name]
        assert outcome.status == "failed", (name, outcome)
        assert words.lower() in outcome.reason.lower(), (name, outcome.reason)
    assert outcomes["saknas.txt"].status == "failed" and "finns inte" in outcomes["saknas.txt"].reason
    for name in good:
        assert outcomes[name].status == "ingested", (name, outcomes[name].reason)
    duplicates = {"kopia-med-annat-namn.txt": "cp1252.txt", "samma-som-korpusen.txt": SMALL, "nastan-samma.txt": SMALL}
    for name, original in duplicates.items():
        outcome = outcomes[name]
        assert (outcome.status, outcome.duplicate_of) == ("duplicate", original), (name, outcome)
        assert "samma innehåll" in outcome.reason
    assert set(outcomes) == {*expected, *good, *duplicates, "saknas.txt"}  # every file has an outcome
    assert not report.ok

    registry = Registry(settings.data_dir)
    assert registry.entries[corpus_id] == before_entry
    assert index_state(index, corpus_id) == before_chunks
    assert {e.name for e in registry.indexed()} == {SMALL, *good}
    assert not any(e.name in expected for e in registry.entries.values())
    texts = {d.name: d.text for d in registry.documents()}
    for name, phrase in good.items():
        assert phrase in texts[name], (name, texts[name][:200])
    assert "\ufffd" not in texts["cp1252.txt"] + texts["blandad.txt"]
    assert "Kontonummer" not in "".join(texts.values())  # nothing read through the links out of the folder
    assert_index_matches_registry(settings)  # and so it stays after reopening the stores


def test_symlink_inside_the_folder_is_read(settings: Settings, tmp_path: Path) -> None:
    folder = tmp_path / "in"
    (folder / "original").mkdir(parents=True)
    name, text = swedish_report(5)
    (folder / "original" / name).write_text(text, encoding="utf-8")
    (folder / "lank.txt").symlink_to(folder / "original" / name)
    report = Ingestor(settings).ingest([folder])
    statuses = {o.name: o.status for o in report.outcomes}
    assert sorted(statuses.values()) == ["duplicate", "ingested"], report.outcomes  # same content, read once


# -- uploads ---------------------------------------------------------------------------------------------------

UPLOAD_NAMES = [
    "../../x.txt", "..\\..\\windows.txt", "/etc/passwd.txt", "....//....//djup.txt", "a\x00b.txt",
    "rad\nbrytning.txt", "flik\tnamn.txt", "plan 2024: ver?*<>|.txt", ".dold.txt", "  mellanslag  .txt  ",
    "..", ".", "", "nfd-A\u030arsrapport.txt", "h\u00f6g\u202etxt.exe.txt", "ä" * 200 + ".txt", "a" * 400 + ".txt",
    "%2e%2e%2fkodad.txt", "~/hemkatalog.txt", "C:\\Users\\x\\skrivbord.txt",
]


def multipart(name: str, content: bytes) -> tuple[bytes, str]:
    """A multipart/form-data body with the file name exactly as given (no client-side escaping)."""
    boundary = "grans-0123456789abcdef"
    head = (f'--{boundary}\r\nContent-Disposition: form-data; name="files"; filename="{name}"\r\n'
            "Content-Type: text/plain\r\n\r\n")
    body = head.encode("utf-8") + content + f"\r\n--{boundary}--\r\n".encode()
    return body, f"multipart/form-data; boundary={boundary}"


@pytest.fixture
def upload_client(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> TestClient:
    """The real API (no UI) over a fresh data directory, real index sinks with the fast hash embedder."""
    monkeypatch.chdir(tmp_path)
    settings = Settings(data_dir=tmp_path / "deep" / "er" / "data", embedding={"kind": "hash"},
                        app={"max_upload_mb": 1.0})
    return TestClient(create_app(AssistantService(settings), ui=False, prepare=False))


def test_upload_names_are_sanitized_and_stay_in_uploads(upload_client: TestClient, tmp_path: Path) -> None:
    service_dir = tmp_path / "deep" / "er" / "data"
    uploads = (service_dir / "uploads").resolve()
    def outside() -> set[Path]:
        return {p for p in tmp_path.rglob("*") if not p.is_relative_to(service_dir) and not p.is_dir()}

    before_outside = outside()
    with upload_client as client:
        for i, name in enumerate(UPLOAD_NAMES):
            _, text = swedish_report(100 + i, sections=1, paragraphs=2)
            body, content_type = multipart(name, text.encode())
            response = client.post("/api/documents", content=body, headers={"content-type": content_type})
            stored = safe_filename(name)
            if not stored.endswith(".txt"):
                assert response.status_code == 400, (name, response.text)
                assert "filtypen stöds inte" in response.json()["error"]
                continue
            outcome = wait_for_job(client, response)["outcomes"][0]
            assert outcome["status"] in ("ingested", "updated"), (name, outcome)  # "..", "." and "" share a name
            assert outcome["name"] == stored
            assert "/" not in stored and "\\" not in stored and not stored.startswith(".")
            assert stored == unicodedata.normalize("NFC", stored)
            assert len(stored.encode()) <= 200
            assert not any(unicodedata.category(c).startswith("C") for c in stored), repr(stored)
            assert (uploads / stored).is_file()
        listed = {d["name"] for d in client.get("/api/documents").json()}
    for path in uploads.rglob("*"):
        assert path.resolve().is_relative_to(uploads) and path.parent == uploads
        assert not path.name.endswith(".part")
    assert listed == {p.name for p in uploads.iterdir()}
    assert outside() == before_outside  # nothing was written beside or above the data directory
    assert not (service_dir.parent / "x.txt").exists() and not (tmp_path / "x.txt").exists()


def test_hostile_uploads_get_reasons_and_keep_the_index(upload_client: TestClient, tmp_path: Path) -> None:
    files = tmp_path / "filer"
    files.mkdir()
    hostile: dict[str, tuple[bytes, str]] = {
        "tom.txt": (b"", "tom"),
        "binar.txt": (bytes(range(256)) * 8, "binära"),
        "webbsida.pdf": (b"<html><body>hej</body></html>", "ingen pdf"),
        "arkiv.pdf": (make_zip_renamed(files / "a.zip").read_bytes(), "ingen pdf"),
        "krypterad.pdf": (make_pdf(files / "k.pdf", ["Hemligt"], user_password="x").read_bytes(), "krypterad"),
        "skannad.pdf": (make_image_only_pdf(files / "s.pdf").read_bytes(), "textlager"),
        "bomb.docx": (make_zip_bomb_docx(files / "b.docx", megabytes=250).read_bytes(), "zip-bomb"),
    }
    with upload_client as client:
        _, text = swedish_report(7)
        first = upload(client, files=[("files", ("plan.txt", text.encode(), "text/plain"))])
        assert first["outcomes"][0]["status"] == "ingested"
        doc_id = first["outcomes"][0]["document_id"]
        for name, (content, words) in hostile.items():
            outcome = upload(client, files=[("files", (name, content, "application/octet-stream"))])["outcomes"][0]
            assert outcome["status"] == "failed" and words in outcome["reason"].lower(), (name, outcome)
        big = client.post("/api/documents", files=[("files", ("stor.txt", b"Budget. " * 200_000, "text/plain"))])
        assert big.status_code == 413 and "större än gränsen" in big.json()["error"]
        copy = upload(client, files=[("files", ("kopia.txt", text.encode(), "text/plain"))])
        assert copy["outcomes"][0]["status"] == "duplicate"
        docs = {d["name"]: d for d in client.get("/api/documents").json()}
    assert docs["plan.txt"]["id"] == doc_id and docs["plan.txt"]["status"] == "indexed"
    assert set(docs) == {"plan.txt"}  # an exact copy is reported, not registered
    settings = Settings(data_dir=tmp_path / "deep" / "er" / "data", embedding={"kind": "hash"})
    assert_index_matches_registry(settings)
