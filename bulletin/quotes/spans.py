"""Quoted spans: where they are, and whether each is a quote or stays in the anchor's voice.

A *standalone* quote (its own sentence, or introduced by a colon) is voiced by its speaker; an
*embedded* one (``qualifié de « légende familiale »``, ``précisant que « … »``) stays in the
anchor's voice (DESIGN.md §5). Spans nest, tolerate stray marks, and may continue over several
paragraphs, each reopening with ``«`` (the French convention).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from .lexicon import Gender

QUOTE_CHARS = '«»“”„"'
SENTENCE_END = ".!?…"
DASHES = "—–"
_WORD = re.compile(r"[\w’'\-]+", re.UNICODE)


@dataclass
class Span:
    """A quoted span inside one paragraph: ``start``/``end`` bound the marks, inner the words."""

    start: int
    end: int
    inner_start: int
    inner_end: int
    continues_before: bool = False
    continues_after: bool = False
    standalone: bool = False
    speaker: str | None = None
    gender: Gender | None = None
    rule: str = "none"
    confidence: float = 0.0
    block: int = 0
    cuts: list[tuple[int, int]] = field(default_factory=list)
    """Ranges inside the quote read by the anchor: editorial inserts [..] and inner incises."""


def words(s: str) -> list[str]:
    return _WORD.findall(s)


def scan_spans(text: str) -> tuple[list[Span], int | None]:
    """Top-level quoted spans of ``text``, and the index of a top-level opener left unclosed.

    Inner quotes are part of their outer span; a closer with no opener and an opener that never
    closes are plain characters.
    """
    spans: list[Span] = []
    stack: list[tuple[str, int]] = []
    for i, ch in enumerate(text):
        if ch not in QUOTE_CHARS:
            continue
        top = stack[-1][0] if stack else None
        if ch in ("«", "„"):
            stack.append((ch, i))
        elif ch in ("»", "”"):
            wanted = ("«",) if ch == "»" else ("“", "„")
            idx = next((k for k in range(len(stack) - 1, -1, -1) if stack[k][0] in wanted), None)
            if idx is not None:
                _, pos = stack[idx]
                del stack[idx:]
                if not stack:
                    spans.append(Span(pos, i + 1, pos + 1, i))
        elif ch == "“":
            if top == "„":
                _, pos = stack.pop()
                if not stack:
                    spans.append(Span(pos, i + 1, pos + 1, i))
            else:
                stack.append((ch, i))
        else:  # a straight double quote closes an open one, else opens
            idx = next((k for k in range(len(stack) - 1, -1, -1) if stack[k][0] == '"'), None)
            if idx is not None:
                _, pos = stack[idx]
                del stack[idx:]
                if not stack:
                    spans.append(Span(pos, i + 1, pos + 1, i))
            else:
                stack.append((ch, i))
    unclosed = next((pos for mark, pos in stack if mark in "«“"), None)
    if unclosed is not None:
        spans = [s for s in spans if s.start < unclosed]
    return spans, unclosed


def _continue(text: str, lead: int) -> tuple[list[Span], int | None]:
    """Rescan a continued paragraph: everything up to the first top-level » closes the quote.

    Quotes nested inside it (“ ”, „ “, " ") open and close on their own: their closing mark does
    not close the long quote."""
    lead_mark = text[lead]
    inner: list[str] = []  # quotes opened inside the continued one: “ ”, „ “, " "
    end = None
    for i in range(lead + 1, len(text)):
        ch = text[i]
        if ch == "»" and "«" not in inner:
            end = i
            break
        if ch in "«„" or (ch == "“" and (not inner or inner[-1] != "„")):
            inner.append(ch)
        elif ch == '"':
            if '"' in inner:
                del inner[inner.index('"') :]
            else:
                inner.append(ch)
        elif ch in "»”“":
            wanted = {"»": "«", "”": "“„", "“": "„"}[ch]
            idx = next((k for k in range(len(inner) - 1, -1, -1) if inner[k] in wanted), None)
            if idx is not None:
                del inner[idx:]
            elif ch == "”" and not inner and lead_mark == "“":
                end = i  # an English-style quote continued with “ closes with ”
                break
    if end is None:
        return [Span(lead, len(text), lead + 1, len(text), continues_before=True, continues_after=True)], None
    first = Span(lead, end + 1, lead + 1, end, continues_before=True)
    rest, unclosed = scan_spans(text[end + 1 :])
    for s in rest:
        s.start += end + 1
        s.end += end + 1
        s.inner_start += end + 1
        s.inner_end += end + 1
    return [first, *rest], (unclosed + end + 1 if unclosed is not None else None)


def _drop_unclosed(spans_per: list[list[Span]]) -> None:
    """Walk back over a chain of continued spans that never closed and drop it."""
    for spans in reversed(spans_per):
        if spans and spans[-1].continues_after:
            last = spans.pop()
            if not last.continues_before:
                break
        else:
            break


def find_spans(paragraphs: Sequence[str]) -> list[list[Span]]:
    """Spans of every paragraph, a quote running over paragraphs split into linked spans."""
    spans_per: list[list[Span]] = []
    carry = False
    for bi, text in enumerate(paragraphs):
        stripped = text.lstrip()
        if carry and stripped[:1] in ("«", "»", "“"):
            spans, unclosed = _continue(text, len(text) - len(stripped))
        else:
            if carry:  # the quote did not go on after all: it was never closed
                spans_per[-1][-1].continues_after = False
            spans, unclosed = scan_spans(text)
        nxt = paragraphs[bi + 1].lstrip()[:1] if bi + 1 < len(paragraphs) else ""
        if unclosed is not None and nxt in ("«", "»", "“"):
            spans.append(Span(unclosed, len(text), unclosed + 1, len(text), continues_after=True))
        for sp in spans:
            sp.block = bi
        carry = bool(spans) and spans[-1].continues_after
        spans_per.append(spans)
    if spans_per and spans_per[-1] and spans_per[-1][-1].continues_after:
        _drop_unclosed(spans_per)
    return spans_per


def _first_letter(s: str) -> str:
    for ch in s:
        if ch.isalnum():
            return ch
    return ""


def _ends_sentence(inner: str) -> bool:
    return inner.rstrip(" \u00a0\u202f" + QUOTE_CHARS).endswith(tuple(SENTENCE_END))


# A determiner or subject pronoun right after "», " starts the narrator's own clause: the quote
# before it was a fronted piece of that clause, not someone's words said apart.
_CLAUSE_START = re.compile(
    r"^\s*,\s*(?:le|la|les|l['’]|un|une|des|ce|cette|ces|cet|il|elle|ils|elles|on|je|nous|c['’]est|ça)\b", re.I
)
_QUE_COLON = re.compile(r"\b(?:que|qu['’])\s*:$", re.I)


def classify(
    text: str, spans: Sequence[Span], incise_after: Callable[[str], bool], incise_fills: Callable[[str], bool]
) -> None:
    """Mark each span of one paragraph standalone (a quote) or embedded (anchor's voice)."""
    prev: Span | None = None
    for s in spans:
        inner = text[s.inner_start : s.inner_end]
        if s.continues_before:
            s.standalone = True
            prev = s
            continue
        first = _first_letter(inner.lstrip(" [(\u00a0\u202f"))
        before = text[(prev.end if prev else 0) : s.start]
        b = before.rstrip()
        after = text[s.end :]
        cap = bool(first) and (first.isupper() or first.isdigit())
        n_words = len(words(inner))
        ends = _ends_sentence(inner) or bool(re.match(r"^\s*[.!?…]", after))
        attributed = cap and not ends and n_words < 4 and incise_after(after)  # asked only when it decides
        whole = not text[: s.start].strip() and not text[s.end :].strip(" .")  # a block quote
        long_enough = n_words >= 4 or ends or attributed or s.continues_after or whole
        prev_closed_sentence = prev is not None and not b and _ends_sentence(text[prev.inner_start : prev.inner_end])
        split = prev is not None and prev.standalone and b.endswith(",") and incise_fills(before)
        if split:
            s.standalone = True  # « A », ajoute-t-elle, « et B »: one quote split by its incise
        elif not cap or not long_enough:
            s.standalone = False
        elif _QUE_COLON.search(b):
            s.standalone = False  # "précise que : « … »": the que-clause wins over the colon
        elif (prev is None and not b) or b.endswith(tuple(SENTENCE_END)) or b.endswith(":") or prev_closed_sentence:
            s.standalone = not (not ends and _CLAUSE_START.match(after) and not incise_after(after))
        elif prev is not None and prev.standalone and (not b.strip(" ,;") or incise_after(before)):
            s.standalone = True  # « A » « B », or « A », ajoute-t-il, « B »
        elif b.endswith(tuple(DASHES)) and not b[:-1].strip():
            s.standalone = True
        else:
            s.standalone = False
        prev = s


_INSERT = re.compile(r"\[([^\[\]]*)\]")


def editorial_inserts(text: str, s: Span) -> list[tuple[int, int]]:
    """Square-bracketed words an editor put inside a quote (``[avec l'affaire X]``): ranges.

    Elisions (``[...]``, ``[…]``) and footnote markers (``[1]``) are not inserts: they stay."""
    out = []
    for m in _INSERT.finditer(text, s.inner_start, s.inner_end):
        body = m.group(1)
        if re.search(r"[^\W\d_]", body):
            out.append((m.start(), m.end()))
    return out
