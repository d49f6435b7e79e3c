"""Plain text: optional front matter or header lines, then paragraphs separated by blank lines;
a short line without final punctuation is a sub-heading."""

from __future__ import annotations

import re

from .dates import DATE_SHAPED, first_date
from .encoding import drop_controls
from .frontmatter import split_front_matter
from .model import Article, Block, BlockKind

HEADER = re.compile(r"^\s*(title|titre|date|source|author|auteur)\s*:\s*(.*?)\s*$", re.I)
HEADER_KEYS = {"titre": "title", "auteur": "author", "link": "source", "lien": "source"}
_SEED_DATE = re.compile(r"^\s*date\s+(\d{4}(?:-\d{2}){0,2})\b\s*(.*)$", re.I | re.S)
_FINAL_PUNCT = tuple('.!?…:;,»"”)]')
_OPENERS = tuple('«“„"—–-•*')


def is_heading_line(line: str) -> bool:
    """A short line without final punctuation reads as a sub-heading."""
    s = line.strip()
    if not s or len(s) > 120 or len(s.split()) > 18:
        return False
    if s.endswith(_FINAL_PUNCT) or s.startswith(_OPENERS):
        return False
    return any(c.isalpha() for c in s)


def _paragraphs(text: str) -> list[list[str]]:
    chunks: list[list[str]] = [[]]
    for line in text.splitlines():
        if line.strip():
            chunks[-1].append(line.strip())
        elif chunks[-1]:
            chunks.append([])
    return [c for c in chunks if c]


def _blocks_from_lines(chunks: list[list[str]]) -> list[Block]:
    blocks: list[Block] = []
    for lines in chunks:
        # A heading typed directly above its paragraph, without a blank line between them.
        # (a hard-wrapped paragraph goes on in lower case; a new paragraph starts a sentence)
        if (
            len(lines) > 1
            and is_heading_line(lines[0])
            and not is_heading_line(lines[1])
            and not lines[1][:1].islower()
        ):
            blocks.append(Block("heading", lines[0]))
            lines = lines[1:]
        joined = " ".join(lines)
        kind: BlockKind = "heading" if len(lines) == 1 and is_heading_line(joined) else "paragraph"
        blocks.append(Block(kind, joined))
    return blocks


def unix_lines(text: str) -> str:
    """One kind of line break; a form feed or vertical tab (a page or line break) is one too."""
    return re.sub(r"\r\n?|[\f\v]", "\n", text).lstrip("\ufeff")


def parse_text(text: str) -> Article:
    """Plain text: optional front matter or header lines, then paragraphs separated by blank lines."""
    text, dropped = drop_controls(text)
    warnings = list(dropped)
    text = unix_lines(text)
    headers, text = split_front_matter(text)
    lines = text.split("\n")
    i = 0
    while i < len(lines):
        m = HEADER.match(lines[i])
        if not m:
            break
        key = m[1].lower()
        headers[HEADER_KEYS.get(key, key)] = m[2]
        i += 1
    body = "\n".join(lines[i:])
    date = first_date([headers.get("date")], warnings)
    m = _SEED_DATE.match(body)
    if m:
        body = m[2]
        date = date or first_date([m[1]], warnings)
    blocks = _blocks_from_lines(_paragraphs(body))
    title = headers.get("title") or None
    raw_date = headers.get("date", "")
    if date is None and raw_date and not DATE_SHAPED.match(raw_date):
        # Unreadable words ("date: la semaine dernière") are still the author's: keep them.
        blocks.insert(0, Block("paragraph", raw_date))
    if title is None and len(blocks) > 1 and blocks[0].kind == "heading":
        title = blocks[0].text
        blocks = blocks[1:]
    return Article(
        title, date, headers.get("source") or None, tuple(blocks), tuple(warnings), author=headers.get("author") or None
    )
