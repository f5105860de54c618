"""OCR of scanned pages: a page that is only a picture (no text layer) becomes text, tables, facts and answers.

The page is drawn with Pillow and saved as a picture-only PDF; the real Tesseract (tesseract-ocr with
tesseract-ocr-swe) reads it. Without Tesseract the tests skip locally and fail in CI, which installs it.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from assistant.facts.extract import facts_of
from assistant.ingest import read_document
from assistant.language.messages import message
from assistant.ocr import tesseract_available
from assistant.service import AssistantService
from assistant.settings import Settings
from assistant.types import AskRequest, DocumentMeta
from tests.filemakers import make_scanned_pdf

LETTER = ["Skrivelse till socialnämnden i Testby", "", "Hemtjänsten hade 412 brukare i december 2024.",
          "Väntetiden till särskilt boende minskade till 38 dagar under", "året, från 45 dagar året innan."]
TABLE = [("Nyckeltal", "Utfall 2023", "Utfall 2024"), ("Brukare i hemtjänst", "398", "412"),
         ("Väntetid till särskilt boende, dagar", "45", "38"), ("Andel nöjda brukare", "81 %", "86 %")]
META = DocumentMeta(title="Skrivelse om hemtjänsten 2024", municipality="Testby kommun", body="Socialnämnden",
                    kind="other", period="2024")


@pytest.fixture(autouse=True)
def needs_tesseract() -> None:
    """Skip without Tesseract and its Swedish data; in CI a missing Tesseract is a failure."""
    if tesseract_available("swe"):
        return
    if os.environ.get("CI"):
        pytest.fail("Tesseract med svenska saknas i CI: .ci/run ska installera tesseract-ocr och tesseract-ocr-swe")
    pytest.skip("Tesseract med svenska saknas: apt-get install tesseract-ocr tesseract-ocr-swe")


@pytest.fixture(scope="module")
def scan(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_scanned_pdf(tmp_path_factory.mktemp("skannat") / "skrivelse-hemtjanst.pdf", LETTER, TABLE)


def test_the_scan_has_no_text_layer(scan: Path) -> None:
    import pdfplumber

    with pdfplumber.open(scan) as pdf:
        assert [page.extract_words() for page in pdf.pages] == [[]]


def test_a_scanned_page_becomes_searchable_text_with_its_table(scan: Path) -> None:
    document = read_document(scan, META)
    assert document.ocr_pages == [1]
    words = " ".join(document.text.lower().split())  # OCR may read a capital as small ('väntetiden'): search folds
    for phrase in ("socialnämnden i testby", "412 brukare i december 2024", "väntetiden till särskilt boende"):
        assert phrase in words, document.text
    assert [c.header for c in document.tables[0].columns] == ["Utfall 2023", "Utfall 2024"]
    facts = {(f.indicator, f.period, f.kind, f.value) for f in facts_of(document).facts}
    assert {("Väntetid till särskilt boende, dagar", "2024", "utfall", "38"),
            ("Brukare i hemtjänst", "2023", "utfall", "398")} <= facts
    assert all(f.page == 1 for f in facts_of(document).facts)


def test_an_ingested_scan_is_answered_and_its_citations_say_ocr(scan: Path, tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / scan.name).write_bytes(scan.read_bytes())
    (folder / "bibliotek-2024.txt").write_text(
        "Biblioteken i Testby\n\nBiblioteken hade 52 000 besök under 2024. Meröppet infördes i Ekeberga.\n",
        encoding="utf-8")
    service = AssistantService(Settings(data_dir=tmp_path / "data", embedding={"kind": "hash"}))
    report = service.ingest([folder], metadata={scan.name: META})
    assert report.ok, report.outcomes
    answer = service.ask(AskRequest(question="Hur lång var väntetiden till särskilt boende 2024?"))
    assert not answer.refused, answer.answer
    cited = [c for c in answer.citations if c.document == scan.name]
    assert cited and all(c.ocr for c in cited), answer.citations
    assert "38" in answer.answer
    assert ("Väntetid till särskilt boende, dagar", "2024", "38") in {(f.indicator, f.period, f.value)
                                                                     for f in answer.facts}
    assert message("answering", "ocr_note") in answer.answer
    typed = service.ask(AskRequest(question="Hur många besök hade biblioteken 2024?"))
    assert [c.ocr for c in typed.citations if c.document == "bibliotek-2024.txt"] == [False]
    assert message("answering", "ocr_note") not in typed.answer
