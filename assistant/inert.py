"""Document text shown as text: a quote never becomes a link, an image or markup in any view or export.

Documents are not trusted: a plan may hold "[logga in igen här](https://…)", an HTML anchor or an <img> that a
browser would fetch (tracking). Views that render Markdown get the text escaped first; HTML views escape it
with html.escape; the draft preview's renderer has links, images and raw HTML switched off.
"""

from __future__ import annotations

import re

# Every ASCII character CommonMark or GFM gives a meaning to, inline or at a line start.
_MARKDOWN = re.compile(r"([\\`*_\[\]<>!#|~$&{}+=-])")
# What GFM turns into links without any markup: scheme URLs, www. addresses, e-mail addresses.
_SCHEME = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*):(?=//)")
_WWW = re.compile(r"(?i)\b(www)\.")
_LINK_SYNTAX = re.compile(r"([\\\[\]<])")


def _no_autolinks(text: str) -> str:
    text = _SCHEME.sub(r"\1\\:", text)
    text = _WWW.sub(r"\1\\.", text)
    return text.replace("@", "\\@")


def inert_markdown(text: str) -> str:
    """Text that a Markdown renderer shows exactly as written: no links, images, HTML, emphasis or headings."""
    return _no_autolinks(_MARKDOWN.sub(r"\\\1", text))


def inert_links(text: str) -> str:
    """Markdown that keeps its headings and emphasis but can hold no link, image, HTML or autolink (exports)."""
    return _no_autolinks(_LINK_SYNTAX.sub(r"\\\1", text))
