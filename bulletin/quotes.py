"""French quote detection and attribution: who says what, the way a radio producer casts it.

The rules follow ``DESIGN.md`` §5. A *standalone* quote (its own sentence, or introduced by a
colon) is voiced by its speaker; an *embedded* one (``qualifié de « légende familiale »``) stays
in the anchor's voice. Every character outside the quote marks stays in narration, so no word is
ever lost or moved.

The pipeline, per article:

1. :func:`scan_spans` finds top-level quoted spans in a paragraph, tolerating nesting, stray
   marks and quotes that continue over several paragraphs (``«`` reopening each one);
2. each span is classified standalone or embedded from its first letter, its length and what
   stands just before and after it;
3. runs of standalone quotes get one attribution: an inverted clause after them
   (``», confie X``), a clause before a colon (``X a déclaré : «``), a ``— Name`` line after a
   block quote, or interview dashes;
4. speakers are resolved: pronouns to the subject of a recent sentence, definite descriptions
   to a person just named, short names to the full name first given (``M. Le Roux`` →
   ``Bruno Le Roux``).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from .french import WEEKDAYS

Gender = Literal["f", "m"]
PieceKind = Literal["narration", "quote"]

QUOTE_CHARS = '«»“”„"'
_SENTENCE_END = ".!?…"
_DASHES = "—–"


@dataclass(frozen=True)
class Piece:
    """A run of a paragraph spoken by one voice."""

    kind: PieceKind
    text: str
    speaker: str | None = None
    gender: Gender | None = None


@dataclass
class _Span:
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
    block: int = 0


# --- 1. finding spans ----------------------------------------------------------------------


def scan_spans(text: str) -> tuple[list[_Span], int | None]:
    """Top-level quoted spans of ``text``, and the index of a top-level opener left unclosed.

    Inner quotes are part of their outer span; a closer with no opener and an opener that never
    closes are plain characters.
    """
    spans: list[_Span] = []
    stack: list[tuple[str, int]] = []
    for i, ch in enumerate(text):
        if ch not in QUOTE_CHARS:
            continue
        top = stack[-1][0] if stack else None
        if ch == "«" or ch == "„":
            stack.append((ch, i))
        elif ch == "»" or ch == "”":
            wanted = ("«",) if ch == "»" else ("“", "„")
            idx = next((k for k in range(len(stack) - 1, -1, -1) if stack[k][0] in wanted), None)
            if idx is not None:
                _, pos = stack[idx]
                del stack[idx:]
                if not stack:
                    spans.append(_Span(pos, i + 1, pos + 1, i))
        elif ch == "“":
            if top == "„":
                _, pos = stack.pop()
                if not stack:
                    spans.append(_Span(pos, i + 1, pos + 1, i))
            else:
                stack.append((ch, i))
        else:  # straight double quote: closes an open one, else opens
            idx = next((k for k in range(len(stack) - 1, -1, -1) if stack[k][0] == '"'), None)
            if idx is not None:
                _, pos = stack[idx]
                del stack[idx:]
                if not stack:
                    spans.append(_Span(pos, i + 1, pos + 1, i))
            else:
                stack.append((ch, i))
    unclosed = next((pos for mark, pos in stack if mark in "«“"), None)
    if unclosed is not None:
        spans = [s for s in spans if s.start < unclosed]
    return spans, unclosed


# --- helpers on words ----------------------------------------------------------------------

_WORD = re.compile(r"[\w’'\-]+", re.UNICODE)
_TITLES = r"(?:M\.|Mme|Mmes|Mlle|MM\.|Me|Dr|Pr|Mgr)"
_FEMALE_TITLES = {"Mme", "Mmes", "Mlle"}
_PARTICLES = {
    "de",
    "d'",
    "d’",
    "du",
    "des",
    "van",
    "von",
    "der",
    "den",
    "da",
    "di",
    "dos",
    "del",
    "la",
    "le",
    "ben",
    "ibn",
    "bin",
    "al",
    "el",
}
_PLATFORMS = {
    "Twitter",
    "Facebook",
    "Instagram",
    "YouTube",
    "TikTok",
    "LinkedIn",
    "Mastodon",
    "Bluesky",
    "Telegram",
    "Snapchat",
    "Threads",
}
# Capitalised at the start of a sentence but not names.
_FUNCTION = set(
    [
        "à",
        "a",
        "au",
        "aux",
        "avec",
        "ainsi",
        "alors",
        "après",
        "aujourd'hui",
        "aujourd’hui",
        "avant",
        "cependant",
        "ce",
        "c'est",
        "c’est",
        "ces",
        "cet",
        "cette",
        "chez",
        "comme",
        "dans",
        "de",
        "depuis",
        "des",
        "dès",
        "donc",
        "du",
        "d'après",
        "d’après",
        "elle",
        "elles",
        "en",
        "enfin",
        "ensuite",
        "entre",
        "et",
        "hier",
        "il",
        "ils",
        "je",
        "la",
        "le",
        "les",
        "leur",
        "lors",
        "mais",
        "malgré",
        "même",
        "néanmoins",
        "nous",
        "on",
        "or",
        "ou",
        "où",
        "par",
        "parmi",
        "pendant",
        "plus",
        "pour",
        "pourtant",
        "puis",
        "quand",
        "que",
        "qui",
        "selon",
        "si",
        "sous",
        "sur",
        "tandis",
        "tous",
        "tout",
        "toutefois",
        "toujours",
        "un",
        "une",
        "vers",
        "vous",
        "voici",
        "voilà",
        "jamais",
        "désormais",
        "également",
        "aussi",
        "demain",
        "ici",
        "là-bas",
        "face",
        "outre",
        "sans",
        "contre",
        "plusieurs",
        "certains",
        "certaines",
        "chaque",
        "quelques",
        "deux",
        "trois",
    ]
) | set(WEEKDAYS)
_DETERMINERS = {"le", "la", "l'", "l’", "les", "un", "une", "son", "sa", "ses", "leur", "ce", "cette", "cet"}
_PRONOUNS: dict[str, Gender | None] = {"il": "m", "elle": "f", "ils": "m", "elles": "f", "on": None}

# Speech verbs, as stems: the inverted clause after a quote starts with one of them.
_SPEECH_STEMS = [
    "dit",
    "dis",
    "déclar",
    "affirm",
    "expliqu",
    "confi",
    "précis",
    "ajout",
    "indiqu",
    "soulign",
    "estim",
    "assur",
    "racont",
    "poursui",
    "conclu",
    "conclut",
    "lanc",
    "répond",
    "répondu",
    "défend",
    "fustig",
    "not",
    "complèt",
    "complét",
    "comment",
    "insist",
    "rappel",
    "reconn",
    "reconnu",
    "observ",
    "martel",
    "martèl",
    "tranch",
    "résum",
    "ironis",
    "regrett",
    "témoign",
    "exclam",
    "insurg",
    "indign",
    "interrog",
    "demand",
    "écri",
    "écrit",
    "tweet",
    "annonc",
    "annonç",
    "préven",
    "prévien",
    "avert",
    "admet",
    "admis",
    "confirm",
    "dénonc",
    "déplor",
    "plaid",
    "réag",
    "souffl",
    "gliss",
    "lâch",
    "avou",
    "jug",
    "raill",
    "emport",
    "rétorqu",
    "répliqu",
    "argument",
    "avanc",
    "assén",
    "promet",
    "promis",
    "espèr",
    "espér",
    "détaill",
    "rapport",
    "soupir",
    "souri",
    "félicit",
    "justifi",
    "nuanc",
    "analys",
    "prédi",
    "ajout",
    "précis",
    "relat",
    "cit",
    "lit",
    "lis",
    "explic",
    "interpell",
    "pointe",
    "pointé",
    "clam",
    "proclam",
    "répèt",
    "répét",
    "signal",
    "commenté",
    "rassur",
    "murmur",
    "cri",
    "hurl",
    "chuchot",
    "ricane",
    "confess",
    "résum",
]
_SPEECH = re.compile(
    r"^(?:" + "|".join(sorted({re.escape(s) for s in _SPEECH_STEMS}, key=len, reverse=True)) + r")\w*$",
    re.I,
)
_AUX = {
    "a",
    "avait",
    "aurait",
    "ont",
    "avaient",
    "est",
    "était",
    "sont",
    "s'est",
    "s’est",
    "se",
    "s'",
    "s’",
    "nous",
    "lui",
    "leur",
    "m'a",
    "m’a",
    "l'a",
    "l’a",
    "me",
    "en",
    "y",
    "va",
    "vient",
}
_ADVERBIAL = re.compile(
    r"^(?:pour sa part|pour leur part|pour lui|pour elle|de son côté|de son coté|quant à lui|quant à elle|"
    r"d['’]ailleurs|un jour|alors|aussi|également|encore|ensuite|enfin|lui aussi|elle aussi|"
    r"lui-même|elle-même|à son tour|plus tard|hier|aujourd['’]hui|lundi|mardi|mercredi|jeudi|"
    r"vendredi|samedi|dimanche|ce matin|ce soir|simplement|sobrement|même|toutefois|cependant)\b[\s,]*",
    re.I,
)
# Words that end a speaker noun phrase after an inverted verb.
_NP_STOP = set(
    [
        "à",
        "au",
        "aux",
        "en",
        "dans",
        "lors",
        "pour",
        "sur",
        "avant",
        "après",
        "qui",
        "que",
        "qu'",
        "qu’",
        "tandis",
        "alors",
        "avec",
        "devant",
        "depuis",
        "concernant",
        "durant",
        "pendant",
        "selon",
        "hier",
        "aujourd'hui",
        "aujourd’hui",
        "mais",
        "et",
        "car",
        "lorsque",
        "quand",
        "puisque",
        "parce",
        "avant-hier",
        "ce",
        "cette",
        "ces",
        "dont",
        "où",
        "par",
        "face",
        "interrogé",
        "interrogée",
        "interrogés",
        "joint",
        "jointe",
        "cité",
        "citée",
        "via",
        "sans",
        "sous",
        "vers",
        "ainsi",
    ]
) | set(WEEKDAYS)


def _starts_with_det(np: str) -> bool:
    """``le ministre``, ``l'avocate de X``, ``un officier``: a description, not a name."""
    first = np.split(" ", 1)[0].lower() if np else ""
    return first in _DETERMINERS or first.startswith(("l'", "l’"))


def _first_letter(s: str) -> str:
    for ch in s:
        if ch.isalnum():
            return ch
    return ""


def _words(s: str) -> list[str]:
    return _WORD.findall(s)


def _gender_of(np: str) -> Gender | None:
    w = np.split()
    if not w:
        return None
    first = w[0].lower()
    if first in ("elle", "elles", "la", "une", "mme", "mmes", "mlle", "cette") or w[0] in _FEMALE_TITLES:
        return "f"
    if first in ("il", "ils", "le", "un", "m.", "ce", "cet"):
        return "m"
    if first in ("l'", "l’") or first.startswith(("l'", "l’")):
        noun = first[2:] if len(first) > 2 else (w[1].lower() if len(w) > 1 else "")
        if noun.endswith(("trice", "euse", "ière", "ienne", "ante", "ate", "ée", "esse", "ine", "ève", "elle")):
            return "f"
    return None


# --- names ---------------------------------------------------------------------------------

# A capitalised word; an apostrophe only inside a name (O'Brien, N'Diaye), never "L'avocate".
_NAME_TOKEN = r"(?:[A-ZÀ-ÖØ-Þ][\w\-]*(?:['’][A-ZÀ-ÖØ-Þ][\w\-]*)?\.?|[A-ZÀ-ÖØ-Þ]\.)"
_NAME = re.compile(
    rf"(?:{_TITLES}\s+)?{_NAME_TOKEN}(?:\s+(?:(?:de|d'|d’|du|des|van|von|der|den|da|di|del|dos|ben|ibn|bin|al|el|le|la)\s*)?{_NAME_TOKEN})*"
)


def _names_in(text: str) -> list[tuple[int, str]]:
    """Capitalised runs that look like names, with their offsets, sentence-initial words dropped."""
    out: list[tuple[int, str]] = []
    for m in _NAME.finditer(text):
        name = m.group(0).rstrip(".") if not re.search(rf"^{_TITLES}$", m.group(0)) else m.group(0)
        toks = name.split()
        # Drop leading function words that are capitalised at a sentence start.
        while toks and toks[0].lower() in _FUNCTION and not re.match(_TITLES, toks[0]):
            toks = toks[1:]
        while toks and toks[-1].lower() in _PARTICLES:
            toks = toks[:-1]
        if not toks:
            continue
        name = " ".join(toks)
        if name in _PLATFORMS or re.fullmatch(_TITLES, name):
            continue
        out.append((m.start() + m.group(0).find(toks[0]), name))
    return out


def _strip_title(name: str) -> tuple[str, Gender | None]:
    m = re.match(rf"^({_TITLES})\s+(.*)$", name)
    if not m:
        return name, None
    return m[2], ("f" if m[1] in _FEMALE_TITLES else "m")


# --- noun phrases --------------------------------------------------------------------------


def _np_after_verb(text: str) -> str:
    """The subject after an inverted speech verb: up to a stop word, a comma or the sentence end."""
    text = _ADVERBIAL.sub("", text.lstrip(" ,"))
    text = _ADVERBIAL.sub("", text)
    out: list[str] = []
    for m in re.finditer(r"[^\s,.;:!?()]+|[,.;:!?()]", text):
        tok = m.group(0)
        if tok in ",.;:!?()":
            if tok == "," and out:
                # « … », a déclaré le chef, John Lasseter. — the apposed name is the speaker.
                rest = text[m.end() :].strip()
                nm = _NAME.match(rest)
                if nm and not out[0][0].isupper() and rest[: nm.end()].strip():
                    name = _names_in(rest[: nm.end()])
                    if name and (
                        nm.group(0).endswith(".") or rest[nm.end() :].strip()[:1] in ("", ".", ",", ";", "!", "?")
                    ):
                        return name[0][1]
            if tok == "." and out and re.fullmatch(r"(M|MM|Dr|Pr|St|Me)", out[-1]):
                out[-1] += "."
                continue
            break
        if tok.lower() in _NP_STOP and out and not tok[0].isupper():
            break
        if tok.lower().startswith(("qu'", "qu’")) and out:
            break
        out.append(tok)
        if len(out) >= 12:
            break
    return " ".join(out)


def _apposed_name(clause: str, np: str) -> str | None:
    """``La ministre, Claire Dupont, a dit`` → ``Claire Dupont`` (the name set beside an NP)."""
    i = clause.find(np)
    if i < 0 or not np or not _starts_with_det(np):
        return None
    m = re.match(r"\s*,\s*(" + _NAME.pattern + r")\s*(?:,|$)", clause[i + len(np) :])
    if not m:
        return None
    names = _names_in(m.group(1))
    return names[0][1] if names else None


def _leading_np(clause: str) -> str:
    """The subject at the start of a clause, after leading adverbial chunks are peeled off."""
    c = clause.strip()
    for _ in range(4):
        c = _ADVERBIAL.sub("", c)
        first = c.split(" ", 1)[0].lower() if c else ""
        if "," in c and (first in _FUNCTION and first not in _DETERMINERS and first not in _PRONOUNS):
            c = c.split(",", 1)[1].strip()
            continue
        break
    out: list[str] = []
    for m in re.finditer(r"[^\s,;:!?()]+|[,;:!?()]", c):
        tok = m.group(0)
        low = tok.lower()
        if tok in ",;:!?()":
            break
        if out and (
            low in _AUX
            or _SPEECH.match(low.split("-")[0])
            or low in ("qui", "que", "qu'", "qu’", "dont", "n'a", "n'est", "ne", "n’a")
            or low.startswith(("qu'", "qu’", "n'", "n’", "l'a", "s'", "s’"))
        ):
            break
        out.append(tok)
        if not out[0][0].isupper() and low in _PRONOUNS and len(out) == 1:
            break
        if len(out) >= 12:
            return ""
    return " ".join(out).rstrip(".")


_SENT_BREAK = re.compile(r"[.!?…]+[»”\"]?(?=\s+[«“\"]?[A-ZÀ-Þ0-9])")


def split_sentences(text: str) -> list[tuple[int, str]]:
    """Sentences with their offsets; no break after titles (M., Mme) or initials (J.)."""
    out: list[tuple[int, str]] = []
    start = 0
    for m in _SENT_BREAK.finditer(text):
        if text[m.start()] == "." and re.search(rf"(?:{_TITLES}|\b[A-Z])$", text[: m.start()]):
            continue
        out.append((start, text[start : m.end()]))
        start = m.end()
    out.append((start, text[start:]))
    return [(s + len(t) - len(t.lstrip()), t.strip()) for s, t in out if t.strip()]


# --- the detector ---

_BLOCK = 10**7  # positions are block * _BLOCK + offset, so mentions sort across paragraphs


def _at(block: int, offset: int) -> int:
    return block * _BLOCK + offset


@dataclass
class _Mention:
    """A possible referent for a pronoun or a description: where it was and how it was named."""

    pos: int  # global order: _at(block, offset)
    name: str
    gender: Gender | None
    is_person: bool
    priority: int  # 1 = source named with selon/pour, 0 = sentence subject


class QuoteDetector:
    """Finds quotes and speakers in an article's paragraphs (one detector per article)."""

    def __init__(self, paragraphs: Sequence[str]) -> None:
        self.paragraphs = list(paragraphs)
        self.full_names: list[str] = []
        for p in self.paragraphs:
            for _, name in _names_in(p):
                bare, _ = _strip_title(name)
                if len(bare.split()) >= 2 and bare not in self.full_names:
                    self.full_names.append(bare)
        self.mentions: list[_Mention] = []
        self.genders: dict[str, Gender] = {}

    # names ---------------------------------------------------------------------------------

    def canonical(self, name: str) -> str:
        """``M. Le Roux`` and ``Le Roux`` → ``Bruno Le Roux`` when that full name was given."""
        bare, _ = _strip_title(name)
        if not bare or not bare[0].isupper():
            return name
        for full in self.full_names:
            if full != bare and (full.endswith(" " + bare)) and len(full.split()) > len(bare.split()):
                return full
        return bare

    def _person_in(self, np: str) -> str | None:
        """The person an NP names: a proper name not governed by de/à (``l'avocate de X`` is not X)."""
        for off, name in _names_in(np):
            before = np[:off].rstrip().lower()
            if re.search(r"(?:\b(?:de|du|des|à|au|aux|contre|avec|chez|sur|par)|\bd['’])$", before):
                continue
            if before and not re.search(r"(?:^|\b)(?:le|la|les|l['’]|un|une)?\s*(?:\w+\s*){0,4}$", before):
                continue
            # "le Premier ministre Bernard Cazeneuve": after a lower-case title, a two-word name.
            if off > 0 and np[:off].strip() and not np[:off].strip()[0].isupper() and len(name.split()) < 2:
                continue
            return name
        return None

    def _resolve_np(self, np: str, pos: int) -> tuple[str | None, Gender | None]:
        """Turn an attribution noun phrase into a speaker name."""
        np = np.strip(" ,.")
        if not np:
            return None, None
        low = np.lower()
        if low in _PRONOUNS:
            return self._resolve_pronoun(low, pos)
        gender = _gender_of(np)
        if np[0].isupper() and not _starts_with_det(np):
            _name, tgender = _strip_title(np)
            person = self._person_in(np) or np
            canon = self.canonical(person)
            g = tgender or self.genders.get(canon)
            return canon, g
        found = self._person_in(np)
        # "le Premier ministre Bernard Cazeneuve"
        if (
            found
            and not low.startswith(("l'", "l’"))
            and found.split()[0][0].isupper()
            and len(found.split()) >= 2
            and np.endswith(found)
        ):
            return self.canonical(found), gender
        # A definite description right after a person was named refers to that person.
        if low.startswith(("le ", "la ", "l'", "l’")) and not self._has_of_name(np):
            for m in reversed(self.mentions):
                if m.pos // _BLOCK != pos // _BLOCK or m.pos > pos:  # only earlier in the same paragraph
                    continue
                if m.is_person:
                    return m.name, m.gender or gender
        return np[0].lower() + np[1:] if np[:2] in ("Le", "La", "Un", "L'", "L’") else np, gender

    @staticmethod
    def _has_of_name(np: str) -> bool:
        return bool(re.search(rf"\b(?:de|du|des|d['’])\s*(?:{_TITLES}\s+)?[A-ZÀ-Þ]", np))

    def _resolve_pronoun(self, pron: str, pos: int) -> tuple[str | None, Gender | None]:
        want = _PRONOUNS.get(pron)
        cands = [m for m in self.mentions if m.pos < pos and pos - m.pos < 2 * _BLOCK]
        # The most recent sentence wins; inside it, a "selon X" source wins over the subject.
        cands.sort(key=lambda m: (m.pos // 10**3, -m.priority))
        for m in reversed(cands):
            if want and m.gender and m.gender != want:
                continue
            if pron == "on" and not m.is_person:
                continue
            return m.name, m.gender or want
        return None, want

    # mentions ------------------------------------------------------------------------------

    def _record_sentence(self, sentence: str, pos: int) -> None:
        """Remember who a sentence is about: its 'selon X' source and its subject."""
        for m in re.finditer(r"\b(?:[Ss]elon|[Pp]our|[Dd]['’]après)\s+([^,:;.]+)", sentence):
            np = m.group(1).strip()
            if np[:1] in QUOTE_CHARS:
                continue
            person = self._person_in(np)
            after = sentence[m.end() :]
            am = re.match(r"\s*,\s*(" + _NAME.pattern + r")\s*,", after)
            if am and not person:
                person = am.group(1)
            if person:
                canon = self.canonical(_strip_title(person)[0])
                self.mentions.append(
                    _Mention(pos + m.start(), canon, _gender_of(np) or self.genders.get(canon), True, 1)
                )
        subj = _leading_np(sentence)
        if not subj or subj.lower() in _PRONOUNS:
            return
        apposed = _apposed_name(sentence, subj)
        if apposed:
            canon = self.canonical(apposed)
            g = _gender_of(subj)
            if g:
                self.genders.setdefault(canon, g)
            self.mentions.append(_Mention(pos, canon, g or self.genders.get(canon), True, 0))
            return
        person = self._person_in(subj) if subj[0].isupper() and not _starts_with_det(subj) else None
        if person:
            bare, g = _strip_title(person)
            canon = self.canonical(bare)
            if g:
                self.genders.setdefault(canon, g)
            self.mentions.append(_Mention(pos, canon, g or self.genders.get(canon), True, 0))
        elif _starts_with_det(subj) and (len(subj.split()) >= 2 or subj.lower()[:2] in ("l'", "l’")):
            name = self._person_in(subj)
            if name and len(name.split()) >= 2 and subj.endswith(name):
                self.mentions.append(_Mention(pos, self.canonical(name), _gender_of(subj), True, 0))
            else:
                desc = subj[0].lower() + subj[1:]
                self.mentions.append(_Mention(pos, desc, _gender_of(subj), False, 0))

    def _record_text(self, text: str, block: int, offset: int = 0) -> None:
        for start, sentence in split_sentences(text):
            self._record_sentence(sentence, _at(block, offset + start))

    # classification ------------------------------------------------------------------------

    @staticmethod
    def _attribution_after(after: str) -> tuple[str, str] | None:
        """``, confie Johan Peeters.`` → (verb clause, subject NP); None if no speech verb follows."""
        m = re.match(r"^\s*[,;]?\s*", after)
        rest = after[m.end() if m else 0 :]
        toks = re.findall(r"[^\s,.;:!?]+", rest[:80])
        for i, tok in enumerate(toks[:5]):
            low = tok.lower()
            head = re.sub(r"-(?:t-)?(?:il|elle|ils|elles|on)$", "", low)
            head = re.sub(r"^(?:s['’]|m['’]|l['’]|n['’]|nous\b)", "", head)
            if _SPEECH.match(head) and all(
                t.lower() in _AUX or t.lower() in ("ne", "pas", "t-il", "t-elle") or _ADVERBIAL.match(t)
                for t in toks[:i]
            ):
                pm = re.search(r"-(?:t-)?(il|elle|ils|elles|on)$", low)
                if pm:
                    return tok, pm.group(1)
                start = rest.find(tok) + len(tok)
                tail = rest[start:].lstrip()
                np = _np_after_verb(tail)
                first_word = np.split(" ", 1)[0].lower() if np else ""
                if (
                    not np
                    or first_word in ("que", "qu'", "qu’", "de", "d'", "à")
                    or first_word.startswith(("qu'", "qu’"))
                ):
                    return None  # « Quotidien » a affirmé que… : the quote is the subject
                return tok, np
            if low not in _AUX and not _ADVERBIAL.match(low):
                return None
        return None

    def detect(self) -> list[list[Piece]]:
        """Pieces for every paragraph, in order."""
        paras = self.paragraphs
        spans_per: list[list[_Span]] = []
        carry = False
        for bi, text in enumerate(paras):
            stripped = text.lstrip()
            if carry and stripped[:1] in ("«", "»", "“"):
                # French convention: each continued paragraph reopens with « (or »).
                spans, unclosed = self._continue(text, len(text) - len(stripped))
            else:
                if carry:  # the quote did not go on after all: it was never closed
                    spans_per[-1][-1].continues_after = False
                spans, unclosed = scan_spans(text)
            nxt = paras[bi + 1].lstrip()[:1] if bi + 1 < len(paras) else ""
            if unclosed is not None and nxt in ("«", "»", "“"):
                spans.append(_Span(unclosed, len(text), unclosed + 1, len(text), continues_after=True))
            for sp in spans:
                sp.block = bi
            carry = bool(spans) and spans[-1].continues_after
            spans_per.append(spans)
        # A quote left hanging at the end of the article was never closed: plain narration.
        if spans_per and spans_per[-1] and spans_per[-1][-1].continues_after:
            self._drop_unclosed(spans_per)
        self._classify(spans_per)
        self._attribute(spans_per)
        pieces = [self._pieces(paras[i], spans_per[i]) for i in range(len(paras))]
        self._interview_turns(pieces, spans_per)
        return pieces

    def _last_full_name(self, before_block: int) -> str:
        """The last two-word name written before a block (the person an interview is with)."""
        for text in reversed(self.paragraphs[:before_block]):
            names = [n for _, n in _names_in(text) if len(_strip_title(n)[0].split()) >= 2]
            if names:
                return self.canonical(_strip_title(names[-1])[0])
        return "la personne interviewée"

    def _interview_turns(self, pieces: list[list[Piece]], spans_per: list[list[_Span]]) -> None:
        """Interview dashes (— Question ? — Réponse.): each turn is a quote, questions by the
        interviewer, answers by the person interviewed (the last person named before)."""
        guest: str | None = None
        guest_gender: Gender | None = None
        for bi, text in enumerate(self.paragraphs):
            stripped = text.strip()
            prev = self.paragraphs[bi - 1].strip() if bi else ""
            is_attribution_line = (
                bool(prev)
                and prev[:1] in '«“"'
                and not any(s.standalone is False for s in spans_per[bi - 1])
                and bool(spans_per[bi - 1])
            )
            if stripped[:1] not in _DASHES or is_attribution_line or any(s.standalone for s in spans_per[bi]):
                continue
            turns = [t for t in re.split(r"(?:^|\s)[—–]\s+", stripped) if _words(t)]
            if not turns:
                continue
            if guest is None:
                guest, guest_gender = self._last_full_name(bi), None
            out: list[Piece] = []
            for turn in turns:
                if turn.rstrip().endswith("?"):
                    out.append(Piece("quote", turn, "le journaliste", None))
                else:
                    out.append(Piece("quote", turn, guest, guest_gender))
            pieces[bi] = out

    def _continue(self, text: str, lead: int) -> tuple[list[_Span], int | None]:
        """Rescan a continued paragraph: everything up to the first top-level » closes the quote."""
        depth = 0
        end = None
        for i in range(lead + 1, len(text)):
            ch = text[i]
            if ch in "«„":
                depth += 1
            elif ch in "»”":
                if depth == 0:
                    end = i
                    break
                depth -= 1
        if end is None:
            return [_Span(lead, len(text), lead + 1, len(text), continues_before=True, continues_after=True)], None
        first = _Span(lead, end + 1, lead + 1, end, continues_before=True)
        rest, unclosed = scan_spans(text[end + 1 :])
        for s in rest:
            s.start += end + 1
            s.end += end + 1
            s.inner_start += end + 1
            s.inner_end += end + 1
        return [first, *rest], (unclosed + end + 1 if unclosed is not None else None)

    @staticmethod
    def _drop_unclosed(spans_per: list[list[_Span]]) -> None:
        """Walk back over a chain of continued spans that never closed and drop it."""
        for spans in reversed(spans_per):
            if spans and spans[-1].continues_after:
                last = spans.pop()
                if not last.continues_before:
                    break
            else:
                break

    def _classify(self, spans_per: list[list[_Span]]) -> None:
        for bi, spans in enumerate(spans_per):
            text = self.paragraphs[bi]
            prev: _Span | None = None
            for s in spans:
                inner = text[s.inner_start : s.inner_end]
                if s.continues_before:
                    s.standalone = True
                    prev = s
                    continue
                first = _first_letter(inner)
                before = text[(prev.end if prev else 0) : s.start]
                b = before.rstrip()
                after = text[s.end :]
                cap = bool(first) and (first.isupper() or first.isdigit())
                words = _words(inner)
                ends_sentence = inner.rstrip(" " + QUOTE_CHARS).endswith(tuple(_SENTENCE_END)) or bool(
                    re.match(r"^\s*[.!?…]", after)
                )
                attributed = self._attribution_after(after) is not None
                long_enough = len(words) >= 4 or ends_sentence or attributed or s.continues_after
                if not cap or not long_enough:
                    s.standalone = False
                elif (prev is None and not b) or b.endswith(tuple(_SENTENCE_END)) or b.endswith(":"):
                    s.standalone = True
                elif (
                    prev is not None
                    and prev.standalone
                    and (not b.strip(" ,;") or self._attribution_after(before) is not None)
                ):
                    s.standalone = True  # « A » « B », or « A », ajoute-t-il, « B »
                elif b.endswith(tuple(_DASHES)) and not b[:-1].strip():
                    s.standalone = True
                else:
                    s.standalone = False
                prev = s

    def _attribute(self, spans_per: list[list[_Span]]) -> None:
        pending: list[_Span] = []  # standalone spans waiting for their speaker (multi-paragraph)
        last_speaker: tuple[str | None, Gender | None] = (None, None)
        for bi, spans in enumerate(spans_per):
            text = self.paragraphs[bi]
            cursor = 0
            run: list[_Span] = list(pending)
            pending = []
            i = 0
            stand = [s for s in spans if s.standalone]
            while i < len(stand):
                s = stand[i]
                if not run:
                    # Narration before the run tells who was being talked about.
                    self._record_text(text[cursor : s.start], bi, cursor)
                run.append(s)
                # extend the run over adjacent quotes and incises
                j = i + 1
                while j < len(stand):
                    gap = text[stand[j - 1].end : stand[j].start]
                    if not gap.strip(" ,;") or (
                        stand[j - 1].end < stand[j].start
                        and self._attribution_after(gap) is not None
                        and gap.rstrip().endswith(",")
                    ):
                        run.append(stand[j])
                        j += 1
                    else:
                        break
                last = run[-1]
                if last.continues_after:
                    pending = run
                    run = []
                    i = j
                    cursor = len(text)
                    break
                speaker, gender = self._speaker_for(run, bi, text)
                if speaker is None:
                    speaker, gender = last_speaker if last_speaker[0] else ("une voix", None)
                for q in run:
                    q.speaker, q.gender = speaker, gender
                if speaker and gender:
                    self.genders.setdefault(speaker, gender)
                if speaker and speaker != "une voix":
                    self.mentions.append(
                        _Mention(
                            _at(bi, last.end),
                            speaker,
                            gender or self.genders.get(speaker),
                            not _starts_with_det(speaker),
                            0,
                        )
                    )
                last_speaker = (speaker, gender)
                cursor = last.end
                run = []
                i = j
            if pending:
                continue
            self._record_text(text[cursor:], bi, cursor)
            # embedded spans' narration is recorded above as part of the text

    def _speaker_for(self, run: list[_Span], bi: int, text: str) -> tuple[str | None, Gender | None]:
        first, last = run[0], run[-1]
        first_text = self.paragraphs[first.block]
        # 1. inverted attribution after the run, or inside it (« A », ajoute-t-il, « B »)
        cands = [text[last.end :]]
        for a, b in itertools.pairwise(run):
            if a.end <= b.start:
                cands.append(text[a.end : b.start])
        for after in cands:
            att = self._attribution_after(after)
            if att:
                return self._resolve_np(att[1], _at(bi, last.end))
        # 2. a clause before a colon: X a déclaré : « … »
        if not first.continues_before:
            before = first_text[: first.start].rstrip()
            if before.endswith(":"):
                clause = re.split(r"(?<=[.!?…])\s+", before[:-1].strip())[-1]
                src = re.search(r"\b(?:[Ss]elon|[Pp]our|[Dd]['’]après)\s+([^,:;]+)", clause)
                if src:
                    np = src.group(1)
                    after_src = clause[src.end() :]
                    am = re.match(r"\s*,\s*(" + _NAME.pattern + r")\s*,", after_src)
                    person = self._person_in(np) or (am.group(1) if am else None)
                    if person:
                        return self.canonical(person), _gender_of(np)
                subj = _leading_np(clause)
                if subj.lower() == "on":
                    names = [n for _, n in _names_in(clause) if n.split()[0].lower() not in _FUNCTION]
                    if names:
                        return self.canonical(names[-1]), None
                elif subj:
                    apposed = _apposed_name(clause, subj)
                    if apposed:
                        return self.canonical(apposed), _gender_of(subj)
                    return self._resolve_np(subj, _at(first.block, first.start))
        # 3. a block quote followed by a "— Name, title" line
        if bi + 1 < len(self.paragraphs) and not text[last.end :].strip(" .") and not text[: first.start].strip():
            nxt = self.paragraphs[bi + 1].strip()
            if nxt[:1] in _DASHES:
                found_names = _names_in(nxt[1:])
                if found_names:
                    return self.canonical(found_names[0][1]), _gender_of(nxt[1:])
        return None, None

    def _pieces(self, text: str, spans: list[_Span]) -> list[Piece]:
        pieces: list[Piece] = []
        cursor = 0
        for s in spans:
            if not s.standalone:
                continue
            if s.start > cursor:
                pieces.append(Piece("narration", text[cursor : s.start]))
            inner = text[s.inner_start : s.inner_end]
            pieces.append(Piece("quote", inner, s.speaker, s.gender))
            cursor = s.end
        if cursor < len(text):
            pieces.append(Piece("narration", text[cursor:]))
        return [p for p in pieces if _words(p.text)] or [Piece("narration", text)]


def detect_quotes(paragraphs: Sequence[str]) -> list[list[Piece]]:
    """Split each paragraph into narration and quote pieces, with speakers resolved."""
    return QuoteDetector(paragraphs).detect()
