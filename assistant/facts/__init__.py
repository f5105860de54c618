"""Indicator facts: table cells under their row, column, period and kind, with a review status."""

from assistant.facts.csvio import (
    FACT_FIELDS,
    REVIEW_FIELDS,
    ReviewItem,
    read_facts_csv,
    read_review_csv,
    write_facts_csv,
    write_review_csv,
)
from assistant.facts.extract import (
    EXTRACTOR_VERSION,
    ExtractionResult,
    corpus_documents,
    extract_corpus,
    extract_documents,
    extract_facts,
    facts_of,
)

__all__ = [
    "EXTRACTOR_VERSION", "FACT_FIELDS", "REVIEW_FIELDS", "ExtractionResult", "ReviewItem", "corpus_documents",
    "extract_corpus", "extract_documents", "extract_facts", "facts_of", "read_facts_csv", "read_review_csv",
    "write_facts_csv", "write_review_csv",
]
