"""Report-like PDFs with tables, generated with fpdf2 (a real text layer), and the truth of every cell they hold.

The three header styles of Swedish municipal reports are drawn as a report's layout program draws them: kind and
year in one cell ("Bokslut 2024"), kind over year on two lines ("Utfall" / "2024"), and compact or part-year
headers ("Utfall 240831", "Utfall jan–jun 2024", "Prognos helår", "Avvikelse"). Row labels may wrap over two
lines, and a table may have a column whose header names no kind or year ("Riket", "Kommentar"). The generator
writes every value itself, so it knows each (indicator, period, kind, value) a reader should find: the truth the
tests score extraction against. Used by tests/test_pdf_tables.py and benchmarks/bench_tables.py.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from pathlib import Path

from fpdf import FPDF

from assistant.types import DocumentMeta

LEFT = 15.0  # mm
ROW_HEIGHT = 5.0
FONT_SIZE = 8
CELL_PADDING = 1.8  # mm inside each cell: a text cell never touches the figure beside it


def font_path() -> Path:
    """DejaVu Sans as shipped by matplotlib (a dependency): it has å, ä, ö and the minus sign U+2212."""
    import matplotlib

    return Path(matplotlib.get_data_path()) / "fonts" / "ttf" / "DejaVuSans.ttf"


@dataclass(frozen=True)
class Column:
    """A value column: its header lines (top to bottom) and what a reader takes its figures for."""

    header: tuple[str, ...]
    kind: str  # '' when the header cannot be placed
    period: str
    shape: str = ""  # amount, decimal, percent, count, text; '' takes the table's

    @property
    def title(self) -> str:
        return " ".join(self.header)


@dataclass(frozen=True)
class Row:
    """A row: its label lines (wrapped labels have two) and one value per column ('' for an empty cell)."""

    label: tuple[str, ...]
    values: tuple[str, ...]

    @property
    def indicator(self) -> str:
        """The label as a reader writes it: wrapped lines joined, a word hyphenated at the wrap made whole."""
        out = self.label[0]
        for line in self.label[1:]:
            hyphenated = out.endswith("-") and line[:1].islower() and line.split()[0] not in ("och", "eller")
            out = out[:-1] + line if hyphenated else f"{out} {line}"
        return out


@dataclass
class TableSpec:
    """A table as the generator draws it."""

    caption: str
    label_header: str
    columns: list[Column]
    rows: list[Row]
    width: float = 20.0  # mm per value column at least
    align: str = "R"  # how header cells stand over their columns: R (right) or C (centred)
    values_low: bool = False  # a wrapped row's values beside its last label line (else beside its first)


@dataclass(frozen=True)
class Truth:
    """One cell a reader finds: (document, table, indicator, column header, period, kind, value)."""

    document: str
    table: str
    indicator: str
    column: str
    period: str
    kind: str
    value: str


@dataclass
class ReportSpec:
    """A generated report: file name, metadata and pages of blocks (a paragraph or a table)."""

    name: str
    meta: DocumentMeta
    pages: list[list[str | TableSpec]] = field(default_factory=list)

    def tables(self) -> list[TableSpec]:
        return [b for page in self.pages for b in page if isinstance(b, TableSpec)]

    def truth(self) -> list[Truth]:
        """Every non-empty cell of every table, placed as the header says (kind/period '' where it cannot)."""
        out = []
        for table in self.tables():
            for row in table.rows:
                for column, value in zip(table.columns, row.values, strict=True):
                    if value:
                        out.append(Truth(self.name, table.caption, row.indicator, column.title, column.period,
                                         column.kind, value))
        return out


# -- values --------------------------------------------------------------------------------------------------


def _grouped(number: int) -> str:
    """12345 → '12 345' (Swedish thousands, a space between groups)."""
    return f"{number:,}".replace(",", " ")


def value(rng: random.Random, shape: str) -> str:
    """One value as a report writes it: minus as U+2212 or '-', comma decimals, spaced thousands, '%'."""
    minus = rng.choice(["−", "-"])
    if shape == "amount":
        number = rng.choice([rng.randint(1000, 250000), rng.randint(10, 999)])
        return f"{minus if rng.random() < 0.5 else ''}{_grouped(number)}"
    if shape == "decimal":
        whole = rng.choice([rng.randint(0, 99), rng.randint(1000, 4000)])
        return f"{minus if rng.random() < 0.4 else ''}{_grouped(whole)},{rng.randint(0, 9)}"
    if shape == "percent":
        return f"{rng.randint(1, 99)},{rng.randint(0, 9)} %" if rng.random() < 0.8 else f"{rng.randint(1, 99)} %"
    if shape == "count":
        return _grouped(rng.randint(3, 30000))
    return rng.choice(["Enligt plan", "Något lägre", "Ny mätning", "Ökande"])


def rows_for(rng: random.Random, labels: list[tuple[str, ...]], columns: list[Column], shape: str,
             blanks: float = 0.0) -> list[Row]:
    """Rows with one generated value per column (a column's own shape wins over the table's); a few blank."""
    out = []
    for label in labels:
        values = tuple("" if rng.random() < blanks and c.shape != "text" else value(rng, c.shape or shape)
                       for c in columns)
        out.append(Row(label, values))
    return out


# -- drawing -------------------------------------------------------------------------------------------------


def _widths(pdf: FPDF, table: TableSpec) -> tuple[float, float]:
    """The label column's and each value column's width: wide enough for every label and header line, as a
    layout program sets them (a report never prints one header over the next)."""
    pad = 2 * CELL_PADDING + 1
    label = max(pdf.get_string_width(t) for r in table.rows for t in (*r.label, table.label_header)) + pad
    texts = [t for c in table.columns for t in c.header] + [v for r in table.rows for v in r.values]
    column = max([table.width] + [pdf.get_string_width(t) + pad for t in texts])
    if LEFT + label + column * len(table.columns) > 200:
        raise ValueError(f"tabellen {table.caption!r} får inte plats på sidans bredd")
    return label, column


def _draw_table(pdf: FPDF, table: TableSpec) -> None:
    pdf.set_font("DejaVu", size=FONT_SIZE + 1)
    pdf.multi_cell(0, 6, table.caption)
    pdf.ln(1)
    pdf.set_font("DejaVu", size=FONT_SIZE)
    pdf.c_margin = CELL_PADDING
    label_width, width = _widths(pdf, table)
    depth = max(len(c.header) for c in table.columns)
    top = pdf.get_y()
    pdf.set_xy(LEFT, top + (depth - 1) * ROW_HEIGHT)
    pdf.cell(label_width, ROW_HEIGHT, table.label_header)
    for k, column in enumerate(table.columns):
        x = LEFT + label_width + k * width
        for line, text in enumerate(column.header, start=depth - len(column.header)):
            pdf.set_xy(x, top + line * ROW_HEIGHT)
            pdf.cell(width, ROW_HEIGHT, text, align=table.align)
    y = top + depth * ROW_HEIGHT + 1.5
    for row in table.rows:
        for line, text in enumerate(row.label):
            pdf.set_xy(LEFT, y + line * ROW_HEIGHT)
            pdf.cell(label_width, ROW_HEIGHT, text)
        low = y + (len(row.label) - 1) * ROW_HEIGHT if table.values_low else y
        for k, (column, text) in enumerate(zip(table.columns, row.values, strict=True)):
            pdf.set_xy(LEFT + label_width + k * width, low)
            pdf.cell(width, ROW_HEIGHT, text, align="L" if column.shape == "text" else "R")
        y += len(row.label) * ROW_HEIGHT
    pdf.set_xy(LEFT, y + 4)


def write_report(spec: ReportSpec, folder: Path) -> Path:
    """The report as a PDF in folder; its path."""
    pdf = FPDF()
    pdf.add_font("DejaVu", fname=str(font_path()))
    pdf.set_margins(LEFT, 15)
    pdf.set_auto_page_break(False)
    for blocks in spec.pages:
        pdf.add_page()
        pdf.set_font("DejaVu", size=11)
        for block in blocks:
            if isinstance(block, TableSpec):
                _draw_table(pdf, block)
            else:
                pdf.set_font("DejaVu", size=11)
                pdf.multi_cell(0, 6, block)
                pdf.ln(3)
    path = folder / spec.name
    path.write_bytes(bytes(pdf.output()))
    return path


# -- the reports -----------------------------------------------------------------------------------------------

_OPERATIONS = [("Nämnd och styrelse",), ("Förvaltningsgemensamt",), ("Bibliotek",), ("Kulturskola",),
               ("Allmän kulturverksamhet",), ("Stöd till studieförbund och", "kulturföreningar"), ("Fritidsgårdar",),
               ("Idrotts- och fritidsanläggningar",), ("Lokalt aktivitetsstöd",), ("Föreningsbidrag",),
               ("Simhallen",), ("Ungdomens hus och öppna", "mötesplatser")]
_KEY_FIGURES = [("Andel nöjda besökare på biblioteken",), ("Andel elever i kulturskolan som är", "flickor"),
                ("Andel föreningar med jämställdhetsplan",), ("Utlåning per invånare",),
                ("Andel barn 7–12 år som deltar i", "föreningsaktiviteter"),
                ("Andel ungdomar som besöker fritidsgård",),
                ("Sjukfrånvaro",), ("Andel heltidsanställda",), ("Personalomsättning",),
                ("Andel digitala besök",)]
_CARE = [("Andel brukare som är nöjda med", "hemtjänsten"), ("Väntetid till särskilt boende, dagar",),
         ("Antal personal som en brukare möter", "under 14 dagar"), ("Andel fallskador",),
         ("Antal brukare i hemtjänst",), ("Andel med genomförandeplan",), ("Kontinuitet i hemtjänsten",),
         ("Andel brukare som känner sig trygga",), ("Antal belagda platser i korttidsboende",),
         ("Andel medarbetare med undersköterske-", "kompetens"), ("Sjukfrånvaro",), ("Andel heltider",)]
_PLAN = [("Intäkter",), ("Personalkostnader",), ("Lokalkostnader",), ("Köp av verksamhet",),
         ("Övriga kostnader",), ("Kapitalkostnader",), ("Hemtjänst och hemsjukvård",),
         ("Särskilt boende för äldre",), ("Funktionsstöd enligt LSS och", "socialtjänstlagen"), ("Nettokostnad",)]
_SOCIAL = [("Nämnd och förvaltning",), ("Individ- och familjeomsorg",), ("Ekonomiskt bistånd",),
           ("Missbruksvård för vuxna",), ("Placeringar av barn och unga i", "familjehem"), ("Institutionsvård",),
           ("Öppenvård",), ("Familjerätt",), ("Flyktingmottagande",), ("Arbetsmarknadsåtgärder",),
           ("Summa verksamhet",)]
_STAFF = [("Antal tillsvidareanställda",), ("Andel kvinnor",), ("Sjukfrånvaro totalt",),
          ("Korttidssjukfrånvaro dag 1–14",), ("Andel medarbetare som arbetar", "heltid"), ("Antal timavlönade",),
          ("Personalomsättning",), ("Antal vakanta tjänster",)]


def _annual(rng: random.Random) -> ReportSpec:
    """Style (a): kind and year in one cell, and a column no header word places ('Riket')."""
    year_cols = [Column(("Bokslut 2023",), "utfall", "2023"), Column(("Bokslut 2024",), "utfall", "2024"),
                 Column(("Budget 2025",), "budget", "2025"), Column(("Utfall 2025",), "utfall", "2025")]
    key_cols = [Column(("Utfall 2023",), "utfall", "2023", ""), Column(("Utfall 2024",), "utfall", "2024", ""),
                Column(("Mål 2025",), "mål", "2025", ""), Column(("Utfall 2025",), "utfall", "2025", ""),
                Column(("Riket",), "", "", "")]
    drift = TableSpec("Tabell 1. Driftredovisning per verksamhet (tkr)", "Verksamhet", year_cols,
                      rows_for(rng, _OPERATIONS, year_cols, "amount", blanks=0.05))
    keys = TableSpec("Tabell 2. Nyckeltal", "Nyckeltal", key_cols, rows_for(rng, _KEY_FIGURES, key_cols, "percent"))
    meta = DocumentMeta(title="Verksamhetsberättelse 2025 Kultur- och fritidsnämnden", municipality="Testkommun",
                        body="Kultur- och fritidsnämnden", kind="report", period="2025")
    return ReportSpec("kultur-och-fritid-verksamhetsberattelse-2025.pdf", meta, [
        ["Verksamhetsberättelse 2025", "Nämnden redovisar ett resultat i balans. Biblioteken hade fler besök än "
         "året innan och kulturskolan tog emot 1 250 elever under året.", drift],
        ["Nyckeltal", "Tabellen visar nämndens nyckeltal jämfört med riket. Målen följs upp varje år.", keys],
    ])


def _plan(rng: random.Random) -> ReportSpec:
    """Style (b): the kind on one line and the year under it, right-aligned and centred."""
    ind_cols = [Column(("Utfall", "2022"), "utfall", "2022"), Column(("Utfall", "2023"), "utfall", "2023"),
                Column(("Utfall", "2024"), "utfall", "2024"), Column(("Mål", "2025"), "mål", "2025")]
    eco_cols = [Column(("Bokslut", "2024"), "utfall", "2024"), Column(("Budget", "2025"), "budget", "2025"),
                Column(("Plan", "2026"), "plan", "2026"), Column(("Plan", "2027"), "plan", "2027")]
    indicators = TableSpec("Tabell 1. Indikatorer för kvalitet och personal", "Indikator", ind_cols,
                           _mixed_rows(rng, _CARE, ind_cols))
    economy = TableSpec("Tabell 2. Ekonomisk plan (mnkr)", "Belopp i mnkr", eco_cols,
                        rows_for(rng, _PLAN, eco_cols, "decimal"), align="C")
    meta = DocumentMeta(title="Verksamhetsplan 2025 Vård- och omsorgsnämnden", municipality="Testkommun",
                        body="Vård- och omsorgsnämnden", kind="plan", period="2025")
    return ReportSpec("vard-och-omsorg-verksamhetsplan-2025.pdf", meta, [
        ["Verksamhetsplan 2025", "Nämnden ska under 2025 öka andelen heltider och korta väntetiden till "
         "särskilt boende.", indicators],
        ["Ekonomi", "Budgeten för 2025 och planen för de två följande åren framgår av tabellen.", economy],
    ])


def _mixed_rows(rng: random.Random, labels: list[tuple[str, ...]], columns: list[Column]) -> list[Row]:
    """Indicator rows: shares for 'Andel …', counts for 'Antal …', decimals for the rest."""
    out = []
    for label in labels:
        shape = "percent" if label[0].startswith("Andel") else "count" if label[0].startswith("Antal") else "decimal"
        out += rows_for(rng, [label], columns, shape)
    return out


def _interim(rng: random.Random) -> ReportSpec:
    """Style (c): compact dates, part-year and yearless headers, and a comment column."""
    drift_cols = [Column(("Utfall 230831",), "utfall", "2023-08"), Column(("Utfall 240831",), "utfall", "2024-08"),
                  Column(("Budget 2024",), "budget", "2024"), Column(("Prognos helår",), "prognos", "2024"),
                  Column(("Avvikelse",), "avvikelse", "2024")]
    staff_cols = [Column(("Utfall jan–jun 2023",), "utfall", "2023-06"),
                  Column(("Utfall jan–jun 2024",), "utfall", "2024-06"), Column(("Mål 2024",), "mål", "2024"),
                  Column(("Kommentar",), "", "", "text")]
    drift = TableSpec("Tabell 1. Driftredovisning (tkr)", "Verksamhet", drift_cols,
                      rows_for(rng, _SOCIAL, drift_cols, "amount"))
    staff = TableSpec("Tabell 2. Personal", "Mått", staff_cols, _mixed_rows(rng, _STAFF, staff_cols),
                      values_low=True)
    meta = DocumentMeta(title="Delårsrapport augusti 2024 Socialnämnden", municipality="Testkommun",
                        body="Socialnämnden", kind="report", period="2024")
    return ReportSpec("socialnamnden-delarsrapport-2024-08.pdf", meta, [
        ["Delårsrapport augusti 2024", "Nämnden prognostiserar ett underskott för helåret. Placeringarna av barn "
         "och unga har ökat sedan förra året.", drift],
        ["Personal", "Sjukfrånvaron har minskat under första halvåret.", staff],
    ])


def sample_reports(seed: int = 2025) -> list[ReportSpec]:
    """The three reports, one per header style, with their values drawn from the seed."""
    rng = random.Random(seed)
    return [_annual(rng), _plan(rng), _interim(rng)]


def long_report(pages: int = 60, seed: int = 60) -> ReportSpec:
    """A report of the given number of pages with a table on every page, the three styles in turn: each page opens
    with its part's heading and a sentence, right below the table of the page before. Its year is the interim
    report's (2024), so the yearless 'Prognos helår' and 'Avvikelse' columns read as that report's."""
    parts = sample_reports(seed)
    blocks = [page for part in parts for page in part.pages]
    meta = DocumentMeta(title="Samlad rapport 2024 Testkommun", municipality="Testkommun", kind="report",
                        period="2024")
    return ReportSpec(f"lang-rapport-{pages}-sidor.pdf", meta, [blocks[i % len(blocks)] for i in range(pages)])
