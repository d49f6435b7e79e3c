"""Interviews: an article written as a transcript of turns, each voiced by who speaks it.

French press and government releases print interviews in a few shapes, all read here:

* ``Q.-`` / ``R.-`` (also ``Q :``, ``Question :``, ``Réponse :``, ``— Question :``) before each turn;
* a line with the speaker's name in capitals (``SOPHIE DELVAUX``) above the turn, which the
  article reader keeps as a sub-heading;
* ``Prénom NOM :`` (or ``— Prénom Nom :``) opening the turn's paragraph.

Each label is mapped to a speaker: questions to the interviewer (named in the introduction by
"propos recueillis par X", "aux questions de X"…, else ``le journaliste``), answers to the guest
(the person the title names, else the first person the introduction names), a name label to that
person (``MARC VERHAEGEN`` is the Marc Verhaegen of the introduction). An article is an
interview only when it holds at least two turns with two different speakers: a stray
``Note :`` is not a transcript. The labels are not read aloud (a listener hears the change of
voice); the title and the introduction are the anchor's.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from .lexicon import Gender, first_names, fold

INTERVIEWER = "le journaliste"
"""The interviewer's speaker label when the article does not name them."""

_NAME_WORD = r"[A-ZÀ-Þ][\w'’-]*\.?"
_PARTICLE = r"(?:de|du|des|d'|d’|van|von|der|den|da|di|le|la|ben|al|el)"
_NAME = rf"{_NAME_WORD}(?:\s+(?:{_PARTICLE}\s+)?{_NAME_WORD}){{0,3}}"
_DASH = r"(?:[—–-]\s*)?"
# "Q.-", "Q. –", "Q :", "Question :", "— Question :", "Q/"
_QUESTION = re.compile(rf"^\s*{_DASH}(?:Q\s*\.?\s*[-–—:/]|Question\s*[:.\-–—])\s*", re.UNICODE)
_ANSWER = re.compile(rf"^\s*{_DASH}(?:R\s*\.?\s*[-–—:/]|Réponse\s*[:.\-–—])\s*", re.UNICODE)
_NAMED = re.compile(rf"^\s*{_DASH}({_NAME})\s*:\s+(?=\S)", re.UNICODE)
_CAPS_LINE = re.compile(r"^[A-ZÀ-Þ][A-ZÀ-Þ'’\-]+(?:\s+[A-ZÀ-Þ][A-ZÀ-Þ'’\-]+){0,3}$")
_INTERVIEWER_CUES = re.compile(
    rf"(?i:propos\s+recueillis\s+par|entretien\s+réalisé\s+par|interview\s+réalisée\s+par|questions?\s+de"
    rf"|interrogée?\s+par|interviewée?\s+par)\s+({_NAME})",
    re.UNICODE,
)
_FULL_NAME = re.compile(rf"\b([A-ZÀ-Þ][a-zà-ÿ'’-]+(?:\s+(?:{_PARTICLE}\s+)?[A-ZÀ-Þ][\w'’-]+){{1,3}})", re.UNICODE)
# Words a "Xxx :" label may be that are not people: a note, a source, a date line.
_NOT_PEOPLE = frozenset(
    {"note", "notes", "source", "sources", "photo", "photos", "crédit", "crédits", "lire", "voir", "mise", "à",
     "ps", "nb", "rappel", "contexte", "repères", "chiffres", "légende", "vidéo", "audio", "attention", "update",
     "édito", "encadré", "précision", "correction", "erratum", "info", "infos", "en", "le", "la", "les",
     "interview", "entretien", "rencontre", "portrait", "questions", "question", "réponse", "trois", "dialogue",
     "nous", "il", "elle", "selon", "pour", "avec", "un", "une", "des", "ce", "cette"}
)  # fmt: skip


_TITLES = frozenset({"m", "mme", "mlle", "me", "dr", "pr", "monsieur", "madame", "docteur", "professeur"})
# A label may be the outlet that asks the questions ("Le Soir :"): an article is no obstacle there.
_NOT_LABELS = _NOT_PEOPLE - {"le", "la", "les"}


@dataclass(frozen=True)
class Turn:
    """One turn of the transcript: where its words start, and who says them."""

    block: int
    """Index of the article block holding the turn's words."""
    start: int
    """Offset in that block's text where the words start (after the label, which is not read)."""
    speaker: str
    gender: Gender | None
    label: str
    """The label as written (``Q.-``, ``MARC VERHAEGEN``), for the transcript."""


@dataclass(frozen=True)
class Interview:
    """The turns of an interview article, and the label lines that are not read."""

    turns: tuple[Turn, ...]
    label_blocks: frozenset[int]
    """Blocks that are only a label (a speaker line in capitals): not spoken, not a chapter."""
    guest: str | None
    interviewer: str

    def turn_at(self, block: int) -> Turn | None:
        return next((t for t in self.turns if t.block == block), None)


def _title_case(label: str) -> str:
    """``MARC VERHAEGEN`` → ``Marc Verhaegen``; ``Paul RENARD`` → ``Paul Renard``; particles stay low."""
    out: list[str] = []
    for w in label.split():
        if w.isupper() or w.islower():
            w = "-".join(p[:1].upper() + p[1:].lower() for p in w.split("-"))
        out.append(w.lower() if re.fullmatch(_PARTICLE, w.lower()) and out else w)
    return " ".join(out)


def _key(name: str) -> list[str]:
    return [fold(w) for w in re.split(r"[\s\-]+", name) if w]


def _same_person(label: str, name: str) -> bool:
    """``RENARD``, ``Paul RENARD`` or ``P. Renard`` and ``Paul Renard``: the label's surname is the
    name's, and any other word of it agrees."""
    a = [w for w in _key(label.replace(".", "")) if w not in _TITLES]
    b = _key(name)
    if not a or not b or a[-1] != b[-1]:
        return False
    return all(w in b or any(x.startswith(w) for x in b) for w in a[:-1])


def _gender(name: str, known: dict[str, Gender | None]) -> Gender | None:
    for full, g in known.items():
        if _same_person(name, full) and g is not None:
            return g
    first = fold(name.split()[0]) if name.split() else ""
    return first_names().get(first) or first_names().get(first.split("-")[0])


def _people(text: str) -> list[str]:
    """Full names (two capitalised words or more) in reading order."""
    out: list[str] = []
    for m in _FULL_NAME.finditer(text):
        words = m.group(1).split()
        # "Interview de Paul Renard", "La SNCB": the words before the name are not the name
        while words and (fold(words[0]) in _NOT_PEOPLE or re.fullmatch(_PARTICLE, words[0].lower())):
            words.pop(0)
        if len(words) < 2 or not all(w[:1].isupper() or re.fullmatch(_PARTICLE, w.lower()) for w in words):
            continue
        name = " ".join(words)
        if name not in out:
            out.append(name)
    return out


def find_interview(
    title: str | None, blocks: Sequence[tuple[str, str]], known: dict[str, Gender | None] | None = None
) -> Interview | None:
    """The interview in an article's ``blocks`` (``(kind, text)``, kind ``paragraph`` or
    ``heading``), or None when it is not one. ``known`` maps people the quote detector named to
    their gender."""
    known = known or {}
    raw: list[tuple[int, int, str, str]] = []  # block, start, kind (q, a, name), label
    label_blocks: set[int] = set()
    pending_name: str | None = None
    for bi, (kind, text) in enumerate(blocks):
        stripped = text.strip()
        if kind == "heading":
            first = fold(stripped.split()[0]) if stripped else ""
            if _CAPS_LINE.match(stripped) and len(stripped.split()) >= 2 and first not in _NOT_PEOPLE:
                pending_name = stripped
                label_blocks.add(bi)
            else:
                pending_name = None
            continue
        if pending_name is not None:
            raw.append((bi, len(text) - len(text.lstrip()), "name", pending_name))
            pending_name = None
            continue
        for pattern, k in ((_QUESTION, "q"), (_ANSWER, "a")):
            m = pattern.match(text)
            if m:
                raw.append((bi, m.end(), k, text[: m.end()].strip()))
                break
        else:
            m = _NAMED.match(text)
            if m and fold(m.group(1).split()[0].rstrip(".")) not in _NOT_LABELS:
                raw.append((bi, m.end(), "name", m.group(1)))
    if len(raw) < 2:
        return None
    kinds = {k for _, _, k, _ in raw}
    labels = {fold(lab) for _, _, k, lab in raw if k == "name"}
    if kinds == {"name"} and len(labels) < 2:
        return None  # one "Xxx :" label repeated is a list, not a dialogue
    if kinds == {"q"} or kinds == {"a"}:
        return None

    intro = " ".join(text for bi, (kind, text) in enumerate(blocks) if bi < raw[0][0] and kind == "paragraph")
    interviewer = INTERVIEWER
    turn_blocks = {bi for bi, _, _, _ in raw}
    closing = " ".join(
        text for bi, (kind, text) in enumerate(blocks)
        if bi > raw[0][0] and bi not in turn_blocks and re.match(r"^\s*\(?(?:propos|entretien|interview)", text, re.I)
    )  # fmt: skip
    cue = _INTERVIEWER_CUES.search(intro) or _INTERVIEWER_CUES.search(closing)
    if cue:
        interviewer = re.sub(r"(?<=\w\w)\.$", "", cue.group(1))  # the sentence's stop, not an initial
    guest: str | None = None
    # people the detector met in the title or the introduction (not in the labels themselves)
    presented = fold(f"{title or ''} {intro}")
    full_known = [
        n
        for n in known
        if len(n.split()) >= 2 and all(len(w.strip(".")) > 1 for w in n.split()) and fold(n.split()[-1]) in presented
    ]
    for candidate in [*_people(title or ""), *_people(intro), *full_known]:
        if not _same_person(candidate, interviewer):
            guest = candidate
            break
    names = [lab for _, _, k, lab in raw if k == "name"]
    people = [*_people(title or ""), *_people(intro), *full_known, interviewer]
    if names and not any(_same_person(lab, p) for lab in names for p in people):
        return None  # speaker labels that name no one the article presents: not a transcript
    # a name label is the guest or the interviewer when it names them, else that person
    turns: list[Turn] = []
    for bi, start, k, label in raw:
        if k == "q":
            speaker = interviewer
        elif k == "a":
            if guest is None:
                return None  # answers with nobody to give them to: not read as an interview
            speaker = guest
        elif guest is not None and _same_person(label, guest):
            speaker = guest
        elif _same_person(label, interviewer):
            speaker = interviewer
        else:
            speaker = _title_case(next((n for n in known if _same_person(label, n)), label))
        gender = None if speaker == INTERVIEWER else _gender(speaker, known)
        turns.append(Turn(bi, start, speaker, gender, label))
    if len({t.speaker for t in turns}) < 2:
        return None
    # paragraphs after a turn with no label of their own go on with the same speaker
    by_block = {t.block: t for t in turns}
    current: Turn | None = None
    out: list[Turn] = []
    for bi, (kind, text) in enumerate(blocks):
        if bi in by_block:
            current = by_block[bi]
            out.append(current)
        elif kind == "heading" and bi not in label_blocks:
            current = None
        elif kind == "paragraph" and current is not None and text.strip():
            if re.match(r"^\s*\(?(?:propos recueillis|entretien réalisé|interview réalisée)", text, re.I):
                current = None
                continue
            out.append(Turn(bi, len(text) - len(text.lstrip()), current.speaker, current.gender, ""))
    return Interview(tuple(out), frozenset(label_blocks), guest, interviewer)


__all__ = ["INTERVIEWER", "Interview", "Turn", "find_interview"]
