"""What the readers make: an :class:`Article` of :class:`Block` objects, and the batch's
:class:`Story` (an article with its identity) or :class:`Failure` (why there is none)."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass, replace
from typing import Literal

from .encoding import CONTROL, drop_controls

BlockKind = Literal["paragraph", "heading"]


@dataclass(frozen=True)
class Block:
    """One paragraph or sub-heading of the article body."""

    kind: BlockKind
    """``paragraph`` or ``heading``."""
    text: str
    """The article's own words, with line breaks folded to spaces."""


@dataclass(frozen=True)
class Article:
    """An article as read from its file, before any speech processing."""

    title: str | None
    """The article's title if it has one (header line, front matter, Markdown ``#``, HTML)."""
    date: str | None
    """A real calendar date in ISO form: ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``."""
    source: str | None
    """Where the article comes from (a URL or a name), if given."""
    blocks: tuple[Block, ...]
    """The body, in order."""
    warnings: tuple[str, ...] = ()
    """What the reader noticed and worked around (a dropped control character, an impossible
    date), one plain English line each, for the user to see."""
    author: str | None = None
    """Who wrote it, when the source says (front matter, a feed item); not spoken."""

    @property
    def display_title(self) -> str:
        """A title for tags and file names: the real one, else the start of the first sentence."""
        if self.title:
            return self.title
        for block in self.blocks:
            first = re.split(r"(?<=[.!?…])\s", block.text, maxsplit=1)[0]
            words = first.split()
            return " ".join(words[:10]).rstrip(".,;:!?…") + ("…" if len(words) > 10 else "")
        return "Bulletin"


def without_controls(article: Article) -> Article:
    """The article with any control character left in its title or blocks dropped, and said: a
    feed's title or text (feedparser hands them over as they were) can hold one."""
    parts = [article.title or "", *(b.text for b in article.blocks)]
    if not any(CONTROL.search(part) for part in parts):
        return article
    _, note = drop_controls("\n".join(parts))
    cleaned = [" ".join(drop_controls(part)[0].split()) for part in parts]
    blocks = tuple(Block(b.kind, t) for b, t in zip(article.blocks, cleaned[1:], strict=True) if t)
    return replace(article, title=cleaned[0] or None, blocks=blocks, warnings=(*article.warnings, *note))


def slugify(text: str, max_length: int = 60) -> str:
    """A file-name-safe slug: ASCII letters and digits joined by dashes, never empty."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    if len(slug) > max_length:  # cut at a word boundary, unless the first word alone is too long
        cut = slug.rfind("-", 0, max_length + 1)
        slug = slug[: cut if cut > 0 else max_length]
    return slug.rstrip("-") or "bulletin"


@dataclass(frozen=True)
class Story:
    key: str
    """Stable identity: the file path, the URL or the feed entry's id."""
    article: Article
    fingerprint: str
    """Hash of what the article says: a change means the bulletin must be made again."""


@dataclass(frozen=True)
class Failure:
    key: str
    reason: str


def fingerprint(article: Article) -> str:
    h = hashlib.sha256()
    for part in (article.title or "", article.date or "", article.source or ""):
        h.update(part.encode() + b"\0")
    for b in article.blocks:
        h.update(f"{b.kind}\0{b.text}\0".encode())
    return h.hexdigest()


def story(key: str, article: Article) -> Story:
    return Story(key, article, fingerprint(article))
