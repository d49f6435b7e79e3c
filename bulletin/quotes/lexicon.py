"""The word lists the quote rules read, loaded once from ``data/*.txt``.

Every list is matched on whole, lowercased tokens (never on stems: "notamment" is not a form of
"noter"). The files say in their headers where they come from and how to extend them.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from functools import cache
from importlib.resources import files
from typing import Literal

Gender = Literal["f", "m"]


def _lines(name: str) -> list[str]:
    text = (files("bulletin.quotes") / "data" / name).read_text(encoding="utf-8")
    return [ln.strip() for ln in text.splitlines() if ln.strip() and not ln.lstrip().startswith("#")]


def fold(word: str) -> str:
    """Lowercase without accents (``Éric`` → ``eric``), the form the first-name list uses."""
    decomposed = unicodedata.normalize("NFKD", word.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def plural(noun: str) -> str:
    """The regular French plural of a noun (enough for role and organisation nouns)."""
    if noun.endswith(("s", "x", "z")):
        return noun
    if noun.endswith("al") and noun not in ("festival", "carnaval"):
        return noun[:-2] + "aux"
    if noun.endswith(("eau", "eu")):
        return noun + "x"
    return noun + "s"


@dataclass(frozen=True)
class Role:
    """What a role noun form tells: the gender it settles (None for a shared form) and number."""

    lemma: str
    """The masculine singular form (``directeur`` for ``directrices``)."""
    gender: Gender | None
    """f or m when the form itself settles it (directrice); None when both genders share it."""
    plural: bool
    """A plural form (habitants)."""
    reliable: bool = True
    """False for nouns whose grammatical gender says nothing of the person's (une victime)."""


@dataclass(frozen=True)
class Lexicon:
    """Every list, by kind."""

    speech_forms: dict[str, str]
    """Inflected speech-verb form → lemma."""
    roles: dict[str, Role]
    """Role noun form (singular and plural, both genders) → what it tells."""
    organisations: frozenset[str]
    """Organisation head nouns, singular and plural."""
    carriers: frozenset[str]
    """Nouns for what carries words (communiqué, rapport), singular and plural."""
    titles: dict[str, Gender | None]
    """Titles written before names (case-sensitive) → the gender they settle."""
    abbreviations: frozenset[str]
    """Abbreviations after which a full stop does not end a sentence (case-sensitive)."""
    grammar: dict[str, frozenset[str]]
    """Closed word classes by section name (determiners, prepositions, …)."""
    genders: dict[str, Gender]
    """Grammar words that settle a gender (la → f, il → m)."""
    phrases: dict[str, tuple[tuple[str, ...], ...]]
    """Multi-word phrases by section, as token tuples, longest first."""

    function_words: frozenset[str] = frozenset()
    """Determiners, prepositions, pronouns, relatives, conjunctions, clitics and adverbs together."""
    phrase_index: dict[str, dict[str, tuple[tuple[str, ...], ...]]] = field(default_factory=dict)
    """Section → first word → its phrases (longest first), for quick matching."""

    def word_class(self, name: str) -> frozenset[str]:
        return self.grammar.get(name, frozenset())


def _speech() -> dict[str, str]:
    out: dict[str, str] = {}
    for line in _lines("speech_verbs.txt"):
        lemma, _, forms = line.partition(":")
        for form in forms.split():
            out.setdefault(form.lower(), lemma.strip())
    return out


def _roles() -> dict[str, Role]:
    out: dict[str, Role] = {}
    for line in _lines("role_nouns.txt"):
        entry, _, flag = line.partition(" ")
        reliable = flag.strip() != "!"
        masc, _, fem = entry.partition("/")
        pairs: list[tuple[str, Gender | None]] = [(masc, "m"), (fem, "f")] if fem else [(masc, None)]
        for form, gender in pairs:
            g = gender if reliable else None
            out.setdefault(form, Role(masc, g, False, reliable))
            out.setdefault(plural(form), Role(masc, g, True, reliable))
    return out


def _nouns(name: str) -> frozenset[str]:
    words = {w.lower() for w in _lines(name)}
    return frozenset(words | {plural(w) for w in words})


def _grammar() -> tuple[dict[str, frozenset[str]], dict[str, Gender], dict[str, tuple[tuple[str, ...], ...]]]:
    sections: dict[str, set[str]] = {}
    genders: dict[str, Gender] = {}
    phrases: dict[str, list[tuple[str, ...]]] = {}
    current = ""
    for line in _lines("grammar.txt"):
        if line.startswith("[") and line.endswith("]"):
            current = line[1:-1]
            continue
        if current.endswith("_phrases"):
            phrases.setdefault(current, []).append(tuple(line.lower().replace("'", "' ").replace("’", "’ ").split()))
            continue
        for entry in line.split():
            word, _, g = entry.partition(":")
            sections.setdefault(current, set()).add(word.lower())
            if g in ("f", "m"):
                genders.setdefault(word.lower(), g)  # type: ignore[arg-type]
    ordered = {k: tuple(sorted(v, key=len, reverse=True)) for k, v in phrases.items()}
    return {k: frozenset(v) for k, v in sections.items()}, genders, ordered


@cache
def lexicon() -> Lexicon:
    """Every word list, read from the package data once per process."""
    titles: dict[str, Gender | None] = {}
    for line in _lines("titles.txt"):
        word, _, g = line.partition(" ")
        titles[word] = g.strip() if g.strip() in ("f", "m") else None  # type: ignore[assignment]
    grammar, genders, phrases = _grammar()
    function_words = frozenset().union(
        *(grammar.get(k, frozenset()) for k in
          ("determiners", "prepositions", "pronouns", "relatives", "conjunctions", "clitics", "adverbs"))
    )  # fmt: skip
    index: dict[str, dict[str, tuple[tuple[str, ...], ...]]] = {}
    for section, items in phrases.items():
        by_first: dict[str, list[tuple[str, ...]]] = {}
        for ph in items:
            by_first.setdefault(ph[0].replace("’", "'"), []).append(tuple(w.replace("’", "'") for w in ph))
        index[section] = {k: tuple(v) for k, v in by_first.items()}
    return Lexicon(
        speech_forms=_speech(),
        roles=_roles(),
        organisations=_nouns("organisations.txt"),
        carriers=_nouns("carriers.txt"),
        titles=titles,
        abbreviations=frozenset(_lines("abbreviations.txt")),
        grammar=grammar,
        genders=genders,
        phrases=phrases,
        function_words=function_words,
        phrase_index=index,
    )


@cache
def first_names() -> dict[str, Gender]:
    """Folded first name → gender; read only when the text leaves a speaker's gender open."""
    out: dict[str, Gender] = {}
    for line in _lines("first_names.txt"):
        name, _, g = line.partition(" ")
        if g in ("f", "m"):
            out[name] = g  # type: ignore[assignment]
    return out
