"""What the text, Markdown and HTML readers share: a block as first read, and block quotes
signed by a ``— Name`` line turned into the form the quote detector reads."""

from __future__ import annotations

import re
from dataclasses import dataclass

from .model import Block, BlockKind


@dataclass(frozen=True)
class Draft:
    """A block as first read, with the block quote it belongs to (numbered), if any."""

    kind: BlockKind
    text: str
    quote: int | None = None


_ATTRIBUTION = re.compile(r"^(?:—|–|―|--)\s*(?P<who>\S.*)$", re.S)


def attribution_line(text: str) -> str | None:
    """``— Paul Durand, maire de Namur`` (em or en dash, ``--``, ``―``) → the line with an em
    dash; None if the line does not read as a signature (a question, a sentence, a long text)."""
    m = _ATTRIBUTION.match(text.strip())
    if not m:
        return None
    who = " ".join(m["who"].split())
    words = who.split()
    if not (who[0].isalpha() and who[0].isupper()) or len(words) > 25 or len(who.split(",")[0].split()) > 6:
        return None
    if re.search(r"[?!«»“”]|[a-zà-ÿ]{2}[.…]\s", who):  # an interview turn, not a signature
        return None
    return f"— {who}"


def _quoted(paragraphs: list[str]) -> list[str]:
    """A block quote's paragraphs in French marks: « opens each paragraph, » closes the last.
    A quote that already opens with a mark is left as its author wrote it."""
    if paragraphs[0].lstrip().startswith(("«", "“", "„", '"')):
        return paragraphs
    out = [f"« {p}" for p in paragraphs]
    out[-1] += " »"
    return out


def attach_quotes(drafts: list[Draft]) -> list[Block]:
    """A block quote signed by a ``— Name`` line (its own last line, or the paragraph after it)
    becomes « … » followed by that line, the form the quote detector gives to the named person.
    An unsigned block quote stays as it was written."""
    blocks: list[Block] = []
    i = 0
    while i < len(drafts):
        d = drafts[i]
        if d.quote is None:
            blocks.append(Block(d.kind, d.text))
            i += 1
            continue
        j = i
        while j < len(drafts) and drafts[j].quote == d.quote:
            j += 1
        group = drafts[i:j]
        signature = attribution_line(group[-1].text) if len(group) > 1 else None
        if signature:
            group = group[:-1]
        elif j < len(drafts) and drafts[j].quote is None and drafts[j].kind == "paragraph":
            signature = attribution_line(drafts[j].text)
            j += 1 if signature else 0
        if signature and all(g.kind == "paragraph" for g in group):
            blocks.extend(Block("paragraph", p) for p in _quoted([g.text for g in group]))
            blocks.append(Block("paragraph", signature))
        else:
            blocks.extend(Block(g.kind, g.text) for g in drafts[i:j])
        i = j
    return blocks
