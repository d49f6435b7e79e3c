"""Readers: plain text, Markdown, HTML and feed items become an :class:`Article`.

The reader never drops a word: everything that is not metadata (header lines such as ``title:``,
a front matter block, HTML ``<meta>``, the ``<time>`` of an article's header) ends up in a
block, in order. Structure is inferred the way a person reading the file would: a short line
without final punctuation is a sub-heading, and a block quote signed ``— Name`` is that
person's words. Metadata is checked as it is read: an impossible date becomes no date and a
line in :attr:`Article.warnings`, never an exception later in the feed or the tags.

Modules: :mod:`.encoding` (bytes to text), :mod:`.dates`, :mod:`.frontmatter`, :mod:`.text`,
:mod:`.markdown`, :mod:`.html`, :mod:`.files` (a file or bytes, bounded, to the right reader),
:mod:`.http` (polite downloads with a conditional-GET cache) and :mod:`.feed` (RSS/Atom items,
teasers completed from the linked page).
"""

from __future__ import annotations

from .blocks import attribution_line
from .dates import date_warning, normalize_date
from .encoding import decode_bytes, drop_controls
from .files import (
    HTML_SUFFIXES,
    MARKDOWN_SUFFIXES,
    MAX_ARTICLE_BYTES,
    TEXT_SUFFIXES,
    Format,
    article_from_bytes,
    format_for,
    read_article,
    read_bounded,
    read_bytes,
    sniff_format,
)
from .frontmatter import split_front_matter
from .html import lift_signatures, parse_html, parse_html_fragment
from .markdown import parse_markdown
from .model import Article, Block, BlockKind, Failure, Story, fingerprint, slugify, without_controls
from .text import is_heading_line, parse_text

__all__ = [
    "HTML_SUFFIXES", "MARKDOWN_SUFFIXES", "MAX_ARTICLE_BYTES", "TEXT_SUFFIXES", "Article", "Block", "BlockKind",
    "Failure", "Format", "Story", "article_from_bytes", "attribution_line", "date_warning", "decode_bytes",
    "drop_controls", "fingerprint", "format_for", "is_heading_line", "lift_signatures", "normalize_date",
    "parse_html", "parse_html_fragment", "parse_markdown", "parse_text", "read_article", "read_bounded",
    "read_bytes", "slugify", "sniff_format", "split_front_matter", "without_controls",
]  # fmt: skip
