"""Reading an article: the public names of :mod:`bulletin.readers`, where the readers live
(text, Markdown, HTML, feeds, encodings, front matter). Kept so that ``from bulletin.article
import Article, read_article, slugify`` goes on working."""

from __future__ import annotations

from .readers import (
    HTML_SUFFIXES,
    MARKDOWN_SUFFIXES,
    MAX_ARTICLE_BYTES,
    TEXT_SUFFIXES,
    Article,
    Block,
    BlockKind,
    Format,
    article_from_bytes,
    attribution_line,
    date_warning,
    decode_bytes,
    drop_controls,
    format_for,
    is_heading_line,
    lift_signatures,
    normalize_date,
    parse_html,
    parse_html_fragment,
    parse_markdown,
    parse_text,
    read_article,
    read_bytes,
    slugify,
    sniff_format,
    without_controls,
)

__all__ = [
    "HTML_SUFFIXES", "MARKDOWN_SUFFIXES", "MAX_ARTICLE_BYTES", "TEXT_SUFFIXES", "Article", "Block", "BlockKind",
    "Format", "article_from_bytes", "attribution_line", "date_warning", "decode_bytes", "drop_controls",
    "format_for", "is_heading_line", "lift_signatures", "normalize_date", "parse_html", "parse_html_fragment",
    "parse_markdown", "parse_text", "read_article", "read_bytes", "slugify", "sniff_format", "without_controls",
]  # fmt: skip
