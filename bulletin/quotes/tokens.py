"""Words and marks of a paragraph, with their offsets, as the attribution rules read them.

Elided words are split the way French grammar reads them (``l'avocate`` → ``l'`` ``avocate``,
``qu'il`` → ``qu'`` ``il``) and an inverted subject pronoun becomes its own token
(``ajoute-t-elle`` → ``ajoute`` ``elle``), so rules see a verb and its subject. A quoted span can
be masked: it becomes one ``quote`` token, so the words inside a quote never count as narration.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Literal

TokenKind = Literal["word", "num", "punct", "quote", "enclitic"]

_TOKEN = re.compile(
    r"(?P<handle>(?<![\w.])@[A-Za-z0-9_]{2,})"  # a social-media handle names its owner: @nadia_k
    r"|(?P<word>[^\W\d_][\w’'\-&]*)"  # words: hyphenated, elided, O'Brien, AT&T
    r"|(?P<num>\d(?:[\d.,]*\d)?)"
    r"|(?P<ellipsis>\.\.\.|\[\.\.\.\]|\[…\]|\(\.\.\.\)|…)"
    r"|(?P<punct>[^\w\s])",
    re.UNICODE,
)
_ELISION = re.compile(r"^(l|d|qu|s|n|m|t|j|c|lorsqu|puisqu|quoiqu|jusqu)(['’])(?=[^\W\d_])", re.I)
_ENCLITIC = re.compile(r"^(?P<verb>[a-zà-ÿœæ]+)-(?:t-)?(?P<pron>il|elle|on|ils|elles)$")
_KEEP_WHOLE = {"aujourd'hui", "aujourd’hui", "prud'hommes", "prud’hommes"}


class Token:
    """One word, number, mark or masked quote (immutable by convention; slots for speed: an
    article of 1 MB has some 200,000 of them)."""

    __slots__ = ("end", "is_cap", "kind", "low", "span", "start", "text")

    def __init__(self, text: str, start: int, end: int, kind: TokenKind, span: int = -1) -> None:
        self.text = text
        self.start = start
        self.end = end
        self.kind: TokenKind = kind
        self.span = span
        """For a ``quote`` token, the index of the span it stands for."""
        self.low = text.lower()
        self.is_cap = kind == "word" and (text[:1].isupper() or text[:1] == "@")
        """Starts with a capital letter (a name, a title, or a sentence start) or is a handle."""

    def __repr__(self) -> str:
        return f"Token({self.text!r}, {self.start}, {self.end}, {self.kind!r})"

    def is_punct(self, marks: str) -> bool:
        return self.kind == "punct" and self.text in marks


def _words(text: str, offset: int) -> Iterable[Token]:
    for m in _TOKEN.finditer(text):
        s = m.start() + offset
        word = m.group("word")
        if m.group("handle"):
            yield Token(m.group(0), s, m.end() + offset, "word")
            continue
        if word is None:
            kind: TokenKind = "num" if m.group("num") else "punct"
            yield Token(m.group(0), s, m.end() + offset, kind)
        else:
            yield from _split_word(word.rstrip("-’'"), s)


def _split_word(word: str, s: int) -> Iterable[Token]:
    if "'" not in word and "’" not in word and "-" not in word:
        yield Token(word, s, s + len(word), "word")
        return
    if word.lower() in _KEEP_WHOLE:
        yield Token(word, s, s + len(word), "word")
        return
    m = _ELISION.match(word)
    if m and len(word) > m.end():
        yield Token(word[: m.end()], s, s + m.end(), "word")
        word, s = word[m.end() :], s + m.end()
        m2 = _ELISION.match(word)  # qu'l'… never happens twice, but d'l' in typos might
        if m2 and len(word) > m2.end():
            yield Token(word[: m2.end()], s, s + m2.end(), "word")
            word, s = word[m2.end() :], s + m2.end()
    e = _ENCLITIC.match(word)
    if e:
        v = e.group("verb")
        yield Token(v, s, s + len(v), "word")
        p = e.group("pron")
        yield Token(p, s + len(word) - len(p), s + len(word), "enclitic")
        return
    yield Token(word, s, s + len(word), "word")


def tokenize(text: str, start: int = 0, end: int | None = None) -> list[Token]:
    """The tokens of ``text[start:end]`` with offsets into ``text``."""
    end = len(text) if end is None else end
    return list(_words(text[start:end], start))


def tokenize_masked(text: str, masks: Sequence[tuple[int, int, int]]) -> list[Token]:
    """Tokens of ``text`` where each ``(start, end, span)`` range becomes one ``quote`` token."""
    out: list[Token] = []
    cursor = 0
    for s, e, idx in sorted(masks):
        if s < cursor:
            continue
        out.extend(_words(text[cursor:s], cursor))
        out.append(Token(text[s:e], s, e, "quote", idx))
        cursor = e
    out.extend(_words(text[cursor:], cursor))
    return out
