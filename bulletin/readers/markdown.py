"""Markdown: front matter or header lines, ``#`` title, ``##`` sub-headings, ``>`` block quotes."""

from __future__ import annotations

import re

from .blocks import Draft, attach_quotes, attribution_line
from .dates import first_date
from .encoding import drop_controls
from .frontmatter import split_front_matter
from .model import Article
from .text import HEADER, HEADER_KEYS, unix_lines

_MD_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_MD_EMPH = re.compile(r"(\*\*|__|\*|_|`)(?=\S)(.+?)(?<=\S)\1")
_MD_QUOTE = re.compile(r"^(?:>[ \t]?)+")
_MD_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*$")
_MD_RULE = re.compile(r"^(-{3,}|\*{3,}|_{3,})$")
_MD_ITEM = re.compile(r"^([-*+]\s+|\d+[.)]\s+)")


def _md_inline(s: str) -> str:
    s = _MD_LINK.sub(r"\1", s)
    return _MD_EMPH.sub(r"\2", s)


def parse_markdown(text: str) -> Article:
    """Markdown: front matter or header lines for metadata, ``#`` title, ``##``… sub-headings,
    ``>`` block quotes (signed by a ``— Name`` line: that person's quote)."""
    text, dropped = drop_controls(text)
    warnings = list(dropped)
    text = unix_lines(text)
    headers, text = split_front_matter(text)
    h1_title: str | None = None
    drafts: list[Draft] = []
    para: list[str] = []
    quote: int | None = None  # the block quote being read
    quotes = 0

    def flush() -> None:
        if para:
            drafts.append(Draft("paragraph", _md_inline(" ".join(para)), quote))
            para.clear()

    def signature_in(line: str) -> str | None:
        return attribution_line(_md_inline(line)) if line.startswith(("—", "–", "―", "--")) else None

    for raw in text.split("\n"):
        line = raw.strip()
        q = _MD_QUOTE.match(line)
        if q:
            if quote is None:
                flush()
                quotes += 1
                quote = quotes
            line = line[q.end() :].strip()
            if not line:
                flush()
                continue
            signature = signature_in(line)
            if signature:  # "> — Paul Durand" closing the quote
                flush()
                drafts.append(Draft("paragraph", signature, quote))
                continue
        elif quote is not None:
            if line and not signature_in(line) and not _MD_HEADING.match(line):
                para.append(line)  # a lazy continuation line belongs to the quote
                continue
            flush()
            quote = None
        h = _MD_HEADING.match(line)
        if h:
            flush()
            if h[1] == "#" and h1_title is None and "title" not in headers and not drafts:
                h1_title = _md_inline(h[2])
            elif not (h[1] == "#" and not drafts and _md_inline(h[2]) == headers.get("title")):
                drafts.append(Draft("heading", _md_inline(h[2]), quote))
        elif not line or _MD_RULE.match(line):
            flush()
        else:
            m = HEADER.match(line)
            if m and quote is None and not drafts and not para and h1_title is None:
                key = HEADER_KEYS.get(m[1].lower(), m[1].lower())
                if key not in headers:
                    headers[key] = m[2]
                    continue
            signature = signature_in(line)
            if signature and not para and drafts and drafts[-1].quote is not None:
                drafts.append(Draft("paragraph", signature))  # the signature is a paragraph of its own
                continue
            para.append(_MD_ITEM.sub("", line))
    flush()
    date = first_date([headers.get("date")], warnings)
    title = headers.get("title") or h1_title
    return Article(
        title,
        date,
        headers.get("source") or None,
        tuple(attach_quotes(drafts)),
        tuple(warnings),
        headers.get("author") or None,
    )
