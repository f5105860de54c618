"""A synthetic Swedish corpus derived from corpus/: same text, other municipalities, bodies, years and figures.

Run: .venv/bin/python benchmarks/synth.py --chunks 10000 --out benchmarks/.work/synth-10k
Each generated file is one source document rewritten: municipality and body names swapped (genitive kept),
every year shifted by one offset, every other figure replaced by a random number with as many digits, so
word, number and table statistics stay those of real plans. Deterministic for a given seed; writes a
manifest.toml with each file's metadata, so the files ingest like the real corpus. Files derived from one
source stay near-duplicates of each other, so benchmarks ingest them with ingest.duplicate_threshold above 1
(NO_DEDUPE): every file is indexed, and the duplicate check is still computed and paid for.
"""

from __future__ import annotations

import argparse
import random
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

CORPUS = Path(__file__).resolve().parents[1] / "corpus"
BYTES_PER_CHUNK = 395  # measured: 3.9 MB of generated text → 9,884 chunks with the default chunker

# The primary source documents (the layout extraction is a near-duplicate and would be set aside on ingest).
SOURCES: dict[str, dict[str, str]] = {
    "lerum-stod-och-omsorgsnamnden-verksamhetsplan-2024.txt": {
        "town": "Lerum", "body": "Stöd- och omsorgsnämnden", "kind": "plan", "year": "2024",
        "title": "Verksamhetsplan {year} {body}",
    },
    "lerum-individnamnden-verksamhetsplan-2024.txt": {
        "town": "Lerum", "body": "Individnämnden", "kind": "plan", "year": "2024",
        "title": "Verksamhetsplan {year} {body}",
    },
    "alingsas-vard-och-omsorgsnamnden-verksamhetsberattelse-2024.txt": {
        "town": "Alingsås", "body": "Vård- och omsorgsnämnden", "kind": "report", "year": "2024",
        "title": "Verksamhetsberättelse och årsbokslut {year} {body}",
    },
    "herrljunga-socialnamnden-handlingar-2021-09.txt": {
        "town": "Herrljunga", "body": "Socialnämnden", "kind": "meeting_papers", "year": "2021",
        "title": "{body}s handlingar september {year}",
    },
}

TOWNS = [
    "Ale", "Borås", "Bollebygd", "Essunga", "Falköping", "Grästorp", "Gullspång", "Götene", "Hjo", "Karlsborg",
    "Kungälv", "Lidköping", "Mark", "Mariestad", "Mellerud", "Partille", "Skara", "Skövde", "Stenungsund",
    "Svenljunga", "Tanum", "Tibro", "Tidaholm", "Tjörn", "Tranemo", "Trollhättan", "Töreboda", "Uddevalla",
    "Ulricehamn", "Vara", "Vårgårda", "Vänersborg", "Åmål", "Öckerö", "Orust", "Sotenäs", "Strömstad", "Lysekil",
    "Munkedal", "Färgelanda", "Dals-Ed", "Bengtsfors", "Härryda", "Mölndal", "Kungsbacka", "Varberg", "Falkenberg",
    "Halmstad", "Laholm", "Hylte", "Gislaved", "Gnosjö", "Värnamo", "Vaggeryd", "Jönköping", "Habo", "Mullsjö",
    "Tranås", "Eksjö", "Nässjö", "Aneby", "Sävsjö", "Vetlanda", "Motala", "Mjölby", "Linköping", "Norrköping",
    "Finspång", "Vadstena", "Ödeshög", "Boxholm", "Kinda", "Ydre", "Åtvidaberg", "Valdemarsvik", "Söderköping",
]
BODIES = [
    "Socialnämnden", "Individnämnden", "Vård- och omsorgsnämnden", "Stöd- och omsorgsnämnden",
    "Omsorgsnämnden", "Äldrenämnden", "Individ- och familjeomsorgsnämnden", "Arbetsmarknads- och socialnämnden",
    "Social- och omsorgsnämnden", "Funktionsstödsnämnden",
]
KINDS_BY_TITLE = {"plan": "Verksamhetsplan", "report": "Verksamhetsberättelse", "meeting_papers": "Handlingar"}

NO_DEDUPE = 1.01  # ingest.duplicate_threshold that keeps every generated file (similarity never exceeds 1)
_YEAR_RE = re.compile(r"(?<!\d)(?:19[89]\d|20[0-4]\d)(?!\d)")
_NUMBER_RE = re.compile(r"(?<![\d\w])\d+(?![\d\w])")


@dataclass
class SynthDocument:
    """One generated file and its manifest entry."""

    file: str
    title: str
    municipality: str
    body: str
    kind: str
    period: str
    text: str


def genitive(name: str) -> str:
    """Swedish genitive: -s, except after s, x or z."""
    return name if name[-1] in "sxz" else name + "s"


def _swap_names(text: str, old: str, new: str) -> str:
    """Replace a name and its genitive, capitalised or lower-case as in the text."""
    pairs = [(genitive(old), genitive(new)), (old, new)]
    for before, after in pairs:
        text = re.sub(rf"\b{re.escape(before)}\b", after, text)
        text = re.sub(rf"\b{re.escape(before.lower())}\b", after.lower(), text)
    return text


def _vary_figures(text: str, rng: random.Random, shift: int) -> str:
    """Shift years by `shift`; replace every other digit run with a random one of the same length."""

    def number(match: re.Match[str]) -> str:
        digits = match.group(0)
        if _YEAR_RE.fullmatch(digits):
            return str(int(digits) + shift)
        if len(digits) == 1:
            return str(rng.randint(1 if digits != "0" else 0, 9))
        return str(rng.randint(10 ** (len(digits) - 1), 10 ** len(digits) - 1))

    return _NUMBER_RE.sub(number, text)


def generate(chunks: int, seed: int = 7) -> list[SynthDocument]:
    """Enough rewritten documents for about `chunks` chunks with the default chunker."""
    rng = random.Random(seed)
    sources = [(name, info, (CORPUS / name).read_text(encoding="utf-8")) for name, info in SOURCES.items()]
    target = chunks * BYTES_PER_CHUNK
    out: list[SynthDocument] = []
    total = 0
    i = 0
    while total < target:
        name, info, text = sources[i % len(sources)]
        town, body = rng.choice(TOWNS), rng.choice(BODIES)
        year = rng.randint(2016, 2025)
        shift = year - int(info["year"])
        varied = _swap_names(text, info["town"], town)
        varied = varied.replace(info["body"], body).replace(info["body"].lower(), body.lower())
        varied = _vary_figures(varied, rng, shift)
        slug = f"{i:05d}-{town}-{body}".lower().replace(" ", "-")
        out.append(SynthDocument(
            file=f"{slug}-{year}.txt",
            title=info["title"].format(year=year, body=body),
            municipality=f"{town} kommun" if town[-1] in "sxz" else f"{genitive(town)} kommun",
            body=body, kind=info["kind"], period=str(year), text=varied,
        ))
        total += len(varied.encode())
        i += 1
    return out


def _toml_string(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def write_corpus(documents: list[SynthDocument], folder: Path) -> int:
    """Write the files and their manifest into a fresh folder; returns the bytes of text written."""
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    size = 0
    entries = []
    for doc in documents:
        (folder / doc.file).write_text(doc.text, encoding="utf-8")
        size += len(doc.text.encode())
        entries.append("\n".join([
            "[[document]]",
            *(f"{key} = {_toml_string(getattr(doc, key))}"
              for key in ("file", "title", "municipality", "body", "kind", "period")),
        ]))
    (folder / "manifest.toml").write_text("\n\n".join(entries) + "\n", encoding="utf-8")
    return size


def main() -> None:
    """Generate a corpus of about --chunks chunks into --out."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--chunks", type=int, default=1000)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    documents = generate(args.chunks, args.seed)
    size = write_corpus(documents, args.out)
    print(f"{len(documents)} documents, {size / 1e6:.1f} MB → {args.out}")


if __name__ == "__main__":
    main()
