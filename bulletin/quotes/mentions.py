"""Mentions: what a noun phrase names, and the one entity list kept per article.

A speaker is a person, a group or an organisation, never anything else. :func:`parse_np` reads a
noun phrase at a token and says what it is: a name run (``Ömer Fatih Sayan``, ``Kito de Pavant``,
``V. Sapounov``), a title and a name (``Mme Bensouda``), a role description (``la porte-parole de
la fédération``), an organisation (``le ministère de l'Intérieur``, ``la NASA``), a carrier of
words (``un rapport de la Ligue arabe``, whose speaker is the Ligue), a pronoun, or a thing (a
date, an object, a clause), which is never a speaker.

:class:`Entities` merges the mentions of one article: a person keeps one canonical name (the full
name as first given) with aliases (surname, ``M. X``, initials, role descriptions taken from
appositions in both orders), and a gender when the text settles it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Literal

from .lexicon import Gender, first_names, fold, lexicon
from .tokens import Token

NPKind = Literal["pronoun", "person", "name", "org", "role", "group", "carrier", "thing"]
SPEAKING_KINDS = frozenset({"person", "name", "org", "role", "group"})

# Adjectives after a noun, recognised by their ending (républicain, palestinienne, touristique,
# madrilène, général, sportif, adjoint): French adjectives of nationality, affiliation and
# function end this way far more often than the finite verbs that may follow a subject.
_ADJ_SUFFIX = re.compile(
    r"(?:ain|aine|ains|aines|ien|ienne|iens|iennes|ais|aise|aises|al|ale|aux|ales|el|elle|els|elles|ique|iques|"
    r"iste|istes|if|ive|ifs|ives|eux|euse|euses|aire|aires|ois|oise|oises|in|ine|ins|ines|an|ane|ans|anes|"
    r"ène|ènes|ier|ière|iers|ières|é|ée|és|ées|ant|ante|ants|antes|ente|entes|oint|ointe|ard|arde|"
    r"esque|ote|otes|ite|ites|on|onne|ons|onnes|ique|éen|éenne|éens|éennes)$"
)
_ACRONYM = re.compile(r"^[A-ZÀ-Þ][A-ZÀ-Þ0-9&\-]+$")
_NOT_DET = frozenset({"de", "d'", "d’", "du", "au", "aux"})
_ARABIC_PARTICLE = re.compile(r"^(?:al|el|ad|ar|as|at|az|an|ash|ben|bin|ibn|abu|abd|bou|ould)-[A-ZÀ-Þ]")
_VOWEL = tuple("aeiouyhâàéèêîïôûœAEIOUYHÂÀÉÈÊÎÏÔÛŒ")


@dataclass(frozen=True)
class NP:
    """A noun phrase read at a token: where it is and what it names."""

    start: int
    """Index of its first token."""
    end: int
    """Index after its last token."""
    kind: NPKind
    text: str
    """Its words as written (the description used as a speaker when no name is given)."""
    head: str = ""
    """Lowercased head noun for descriptions (``ministre``), or the pronoun."""
    name: str = ""
    """The proper name it holds, without title (``Fatou Bensouda``); empty for descriptions."""
    title: str = ""
    gender: Gender | None = None
    """The gender the phrase itself settles (title, role form, determiner)."""
    owner: NP | None = None
    """For a carrier or a role with a ``de`` complement: the phrase it belongs to."""
    plural: bool = False
    definite: bool = False
    """Starts with le/la/l'/les or a possessive (an anaphoric description), not un/une."""
    complement: str = ""
    """Lowercased head of its ``de`` complement (``intérieur`` in ``le ministre de l'Intérieur``)."""

    @property
    def is_speaker(self) -> bool:
        return self.kind in SPEAKING_KINDS or (self.kind == "carrier" and self.owner is not None)


def is_speech_form(tok: Token) -> bool:
    return tok.kind == "word" and tok.low in lexicon().speech_forms


def is_function_word(tok: Token) -> bool:
    return tok.low in lexicon().function_words


def title_at(tokens: Sequence[Token], i: int) -> tuple[str, Gender | None, int] | None:
    """A title at ``i`` (``M.``, ``Mme``, ``Dr``): its text, the gender it settles, the next index."""
    if i >= len(tokens) or tokens[i].kind != "word":
        return None
    titles = lexicon().titles
    t = tokens[i]
    if i + 1 < len(tokens) and tokens[i + 1].text == "." and tokens[i + 1].start == t.end:
        dotted = t.text + "."
        if dotted in titles:
            return dotted, titles[dotted], i + 2
    if t.text in titles and (len(t.text) > 2 or t.text in ("Me", "Dr", "Pr")):
        return t.text, titles[t.text], i + 1
    return None


class Context:
    """What the parser knows of the article: words written capitalised inside sentences."""

    def __init__(self, midcaps: set[str] | None = None) -> None:
        self.midcaps: set[str] = midcaps or set()

    def known_name(self, word: str) -> bool:
        return word in self.midcaps or fold(word) in first_names()


def name_run(tokens: Sequence[Token], i: int, ctx: Context, initial: bool = False) -> int:
    """End index of the proper-name run starting at ``i`` (``i`` when there is none)."""
    n = len(tokens)
    lx = lexicon()
    particles = lx.word_class("name_particles")
    connectors = lx.word_class("name_connectors")
    j = i
    last = i
    caps = 0
    while j < n:
        t = tokens[j]
        if t.kind == "word" and (t.is_cap or _ARABIC_PARTICLE.match(t.text)):
            if j == i and initial and is_function_word(t) and t.low not in particles:
                return i
            # "l'AFP Jean-Philippe Magnen": an acronym does not run into the name after it.
            if caps and _ACRONYM.match(tokens[j - 1].text) and not _ACRONYM.match(t.text):
                break
            if caps and title_at(tokens, j) is not None:
                break
            if (
                caps
                and j + 1 < n
                and tokens[j + 1].is_cap
                and t.low not in particles  # "Alaa Abd El-Fattah": Abd is part of the name
                and fold(t.text) in first_names()
                and fold(tokens[j - 1].text) not in first_names()
            ):
                break  # "(conseillère d')État Nuria Gorrite": a first name starts a new name
            j += 1
            caps += 1
            if len(t.text) == 1 and j < n and tokens[j].text == "." and tokens[j].start == t.end:
                j += 1  # an initial: V. Sapounov
            last = j
            continue
        nxt = tokens[j + 1] if j + 1 < n else None
        if (
            caps
            and t.kind == "word"
            and t.low in particles
            and nxt is not None
            and nxt.low in particles
            and j + 2 < n
            and tokens[j + 2].is_cap
        ):
            j += 2  # two particles: "Ursula von der Leyen", "Vasco da Gama" has one
            continue
        if (
            t.kind == "word"
            and (t.low in particles or t.low.rstrip("-") in particles)
            and nxt is not None
            and nxt.is_cap
            and (caps or t.text[:1].isupper())
        ):
            j += 1
            continue
        if caps and (t.text in connectors or t.low in connectors) and nxt is not None and nxt.is_cap:
            j += 1
            continue
        break
    if not caps:
        return i
    if initial and caps == 1 and last - i == 1:
        word = tokens[i].text
        low = tokens[i].low
        if word.startswith("@"):
            return last  # a handle is a name wherever it stands
        if (
            not ctx.known_name(word)
            or is_function_word(tokens[i])
            or low in lx.roles
            or low in lx.speech_forms
            or low in lx.organisations
        ):
            return i
    return last


def _is_adjective(tok: Token) -> bool:
    lx = lexicon()
    if tok.kind != "word" or tok.is_cap or is_function_word(tok) or tok.low in lx.speech_forms:
        return False
    if tok.low in lx.word_class("auxiliaries") or tok.low in lx.word_class("semi_auxiliaries"):
        return False  # "Nos soldats étaient chargés": the phrase ends at its verb
    return tok.low in lexicon().word_class("adjectives") or bool(_ADJ_SUFFIX.search(tok.low))


def _is_noun(tok: Token) -> bool:
    lx = lexicon()
    return (
        tok.kind == "word"
        and not tok.is_cap
        and not is_function_word(tok)
        and tok.low not in lx.speech_forms
        and tok.low not in lx.word_class("auxiliaries")
    )


def _role(word: str) -> str | None:
    """The role-noun form a word is, or the role at the head of a compound (président-candidat)."""
    roles = lexicon().roles
    if word in roles:
        return word
    if "-" in word:
        head = word.split("-", 1)[0]
        if head in roles:
            return head
    return None


def _text(tokens: Sequence[Token], source: str, i: int, j: int) -> str:
    return source[tokens[i].start : tokens[j - 1].end] if j > i else ""


def _det(tokens: Sequence[Token], i: int) -> tuple[int, Gender | None, bool, bool] | None:
    """A determiner at ``i``: the index after it, its gender, definite, plural."""
    if i >= len(tokens):
        return None
    t = tokens[i]
    low = t.low
    lx = lexicon()
    if low == "de" and i + 1 < len(tokens) and tokens[i + 1].low in ("nombreux", "nombreuses"):
        return i + 2, lx.genders.get(tokens[i + 1].low), False, True
    # de, du, au… are prepositions fused with an article; "des" also starts an indefinite plural
    if low != "des" and (t.kind != "word" or low not in lx.word_class("determiners") or low in _NOT_DET):
        return None
    definite = low in ("le", "la", "l'", "l’", "les", "son", "sa", "ses", "leur", "leurs", "ce", "cet", "cette", "ces")
    plural = low in ("les", "des", "ses", "leurs", "ces", "plusieurs", "certains", "certaines", "quelques", "nombreux")
    return i + 1, lx.genders.get(low), definite, plural


def _complement(tokens: Sequence[Token], i: int, source: str, ctx: Context, depth: int) -> tuple[int, NP | None, str]:
    """A ``de`` complement chain at ``i``: (end, the first complement as an NP, its head)."""
    n = len(tokens)
    if i >= n or tokens[i].low not in ("de", "d'", "d’", "du", "des") or depth > 3:
        return i, None, ""
    j = i + 1
    if j < n and tokens[j].low in ("la", "l'", "l’", "le", "les"):
        j += 1
    if j >= n:
        return i, None, ""
    end = name_run(tokens, j, ctx)
    for m in range(j + 1, end - 1):
        # "la conseillère d'État Nuria Gorrite": the complement ends where a first name starts
        if tokens[m].is_cap and fold(tokens[m].text) in first_names() and tokens[m + 1].is_cap:
            end = m
            break
    if end > j:
        article = tokens[j - 1].low in ("la", "l'", "l’", "le", "les")
        kind: NPKind = "org" if _org_name(tokens, j, end) or article else "name"
        while end < n and _is_adjective(tokens[end]):
            end += 1
        # an organisation keeps its article: "de la Croix-Rouge" → "la Croix-Rouge"
        first = j - 1 if article else j
        name = _text(tokens, source, first, end)
        np = NP(first, end, kind, name, name=name[0].lower() + name[1:] if article else name)
        end2, _, _ = _complement(tokens, end, source, ctx, depth + 1)
        return end2, np, tokens[j].low
    if not _is_noun(tokens[j]):
        return i, None, ""
    head = tokens[j].low
    end = j + 1
    while end < n and (
        _is_adjective(tokens[end]) or (tokens[end].is_cap and end == j + 1 and tokens[end].kind == "word")
    ):
        end += 1
    inner = (
        parse_np(tokens, i + 1, source, ctx, depth=depth + 1, bare=tokens[i].low in ("du", "des"))
        if tokens[i + 1].low not in ("de",)
        else None
    )
    if inner is not None and tokens[i].low in ("du", "des") and not inner.definite:
        # "du ministre" is "de le ministre": the phrase is "le ministre"
        det_word = "le " if tokens[i].low == "du" else "les "
        inner = replace(inner, definite=True, text=det_word + inner.text if inner.kind == "org" else inner.text)
    end2, _, _ = _complement(tokens, end, source, ctx, depth + 1)
    return end2, inner, head


def _org_name(tokens: Sequence[Token], i: int, j: int) -> bool:
    """A name run that names an organisation: an acronym, or an organisation noun at its head
    (French: "Ligue arabe", "Union française") or at its end (English: "Pixar Animation Studios").
    A run that starts with a known first name is a person ("Marine Le Pen")."""
    orgs = lexicon().organisations
    if j - i == 1 and _ACRONYM.match(tokens[i].text) and len(tokens[i].text) >= 2:
        return True
    if j - i >= 2 and fold(tokens[i].text) in first_names():
        return False
    return tokens[i].low in orgs or tokens[j - 1].low in orgs


def _apposed_quote_name(tokens: Sequence[Token], i: int, quotes: dict[int, str] | None) -> str:
    """A short quoted name right after a description: l'émission de TMC « Quotidien »."""
    if i < len(tokens) and tokens[i].kind == "quote" and quotes is not None:
        inner = quotes.get(tokens[i].span, "")
        if inner[:1].isupper() and len(inner.split()) <= 4:
            return inner
    return ""


ANAPHORS = frozenset({"dernier", "dernière", "il", "elle"})
"""Heads of the anaphoric phrases :func:`_anaphor` reads: ``ce dernier`` and ``celui-ci`` name
the last person mentioned (head ``dernier``/``dernière``); ``l'intéressé(e)`` the person the
story follows (read as ``il``/``elle``)."""


def _anaphor(tokens: Sequence[Token], i: int) -> tuple[str, Gender, int] | None:
    """``ce dernier``, ``cette dernière``, ``celui-ci``, ``celle-ci``, ``l'intéressé(e)`` at ``i``:
    the head the detector resolves, the gender, the index after."""
    n = len(tokens)
    low = tokens[i].low
    nxt = tokens[i + 1].low if i + 1 < n else ""
    if low in ("ce", "cette") and nxt in ("dernier", "dernière"):
        return nxt, ("f" if nxt == "dernière" else "m"), i + 2
    if low in ("celui-ci", "celle-ci"):
        return ("dernière", "f", i + 1) if low == "celle-ci" else ("dernier", "m", i + 1)
    if low in ("l'", "l’") and nxt in ("intéressé", "intéressée"):
        return ("elle", "f", i + 2) if nxt == "intéressée" else ("il", "m", i + 2)
    return None


def parse_np(
    tokens: Sequence[Token],
    i: int,
    source: str,
    ctx: Context,
    *,
    initial: bool = False,
    bare: bool = False,
    depth: int = 0,
    quotes: dict[int, str] | None = None,
) -> NP | None:
    """The noun phrase starting at token ``i`` of ``source``, or None when none starts there.

    ``initial``: the token starts a sentence (a capital then proves nothing); ``bare``: accept a
    role noun without determiner (an apposition: ``Nock Ag Attia, député touareg``).
    """
    n = len(tokens)
    if i >= n:
        return None
    lx = lexicon()
    t = tokens[i]
    anaphor = _anaphor(tokens, i)
    if anaphor is not None:
        a_head, a_gender, a_end = anaphor
        return NP(i, a_end, "pronoun", _text(tokens, source, i, a_end), head=a_head, gender=a_gender)
    if t.kind == "enclitic" or (t.kind == "word" and t.low in lx.word_class("pronouns")):
        return NP(i, i + 1, "pronoun", t.text, head=t.low, gender=lx.genders.get(t.low), plural=t.low.endswith("s"))
    title = title_at(tokens, i)
    if title is not None:
        text_, gender, k = title
        end = name_run(tokens, k, ctx)
        if end > k:
            name = _text(tokens, source, k, end)
            return NP(i, end, "person", _text(tokens, source, i, end), name=name, title=text_, gender=gender)
        return None
    if t.kind == "quote":
        inner = _apposed_quote_name(tokens, i, quotes)
        if inner:
            return NP(i, i + 1, "name", inner, name=inner)
        return None
    article_first = (
        t.low in ("le", "la", "les", "l'", "l’")
        and i + 1 < n
        and (
            _role(tokens[i + 1].low) is not None
            or tokens[i + 1].low in lx.organisations
            or tokens[i + 1].low in lx.carriers
            or bool(_ACRONYM.match(tokens[i + 1].text))
            or tokens[i + 1].low in lx.word_class("adjectives")
        )
    )  # "Le Secrétaire général", "La FIFA": an article, not the start of a name like "Le Pen"
    if t.is_cap and not article_first and (not is_function_word(t) or t.low in lx.word_class("name_particles")):
        end = name_run(tokens, i, ctx, initial)
        if end > i:
            if t.low in lx.word_class("name_particles") and not initial and end - i < 2:
                return None
            name = _text(tokens, source, i, end)
            kind: NPKind = "org" if _org_name(tokens, i, end) else "name"
            np = NP(i, end, kind, name, name=name)
            return np
    det = _det(tokens, i)
    if det is not None and title_at(tokens, det[0]) is not None:
        titled = parse_np(tokens, det[0], source, ctx, quotes=quotes)  # "le Dr Martin"
        if titled is not None:
            return NP(i, titled.end, titled.kind, _text(tokens, source, i, titled.end), name=titled.name,
                      title=titled.title, gender=titled.gender)  # fmt: skip
    if det is None and not bare:
        return None
    k, gender, definite, plural = det if det is not None else (i, None, False, False)
    while (
        k < n
        and tokens[k].kind == "word"
        and (
            tokens[k].low in lx.word_class("adjectives")
            and not (tokens[k].is_cap and tokens[k].low not in ("premier", "première"))
        )
    ):
        if _role(tokens[k].low) is not None and not (k + 1 < n and _role(tokens[k + 1].low) is not None):
            break  # "l'adjointe", "le militaire": the adjective is the noun here
        k += 1
    if k >= n:
        return None
    h = tokens[k]
    if h.is_cap and _role(h.low) is None and h.low not in lx.organisations and h.low not in lx.carriers:
        if det is None:
            return None
        end = name_run(tokens, k, ctx)
        if end == k:
            return None
        while end < n and _is_adjective(tokens[end]):
            end += 1
        text = _text(tokens, source, i, end)
        # an organisation keeps its article: "la CGT", "le Mouvement républicain australien"
        name = text[0].lower() + text[1:] if tokens[i].text in ("La", "Le", "Les", "L'", "L’") else text
        return NP(i, end, "org", text, head=h.low, name=name, gender=gender, definite=definite)
    role = _role(h.low)
    verb_only = h.low in lx.speech_forms and role is None and h.low not in lx.carriers
    if h.kind != "word" or is_function_word(h) or verb_only:
        return None  # ("le conseiller", "le communiqué" are nouns although verbs too)
    head = h.low
    if head == "ministre" and k > i and tokens[k - 1].low in ("premier", "première"):
        # "le Premier ministre" is another office than "le ministre": "le ministre" never names him
        role, head = "premier-ministre", "premier-ministre"
    end = k + 1
    if head in ("vice-premier", "vice-première") and k + 1 < n and tokens[k + 1].low == "ministre":
        role = head = head + "-ministre"  # "la vice-Première ministre": one role in two words
        end = k + 2
    kind2: NPKind
    info = lx.roles.get(role) if role else None
    if role is not None and info is not None:
        kind2 = "group" if info.plural else "role"
        if info.gender is not None:
            gender = info.gender
        elif not info.reliable:
            gender = None
        plural = plural or info.plural
        head = info.lemma
    elif head in lx.organisations:
        kind2 = "org"
    elif head in lx.carriers:
        kind2 = "carrier"
    else:
        kind2 = "thing"
    if det is None and kind2 not in ("role", "group") and not (bare and kind2 == "org" and depth > 0):
        return None
    # Post-modifiers: adjectives, further role nouns (chef animateur, journaliste et commentateur
    # sportif), a capitalised label (la page Twitter officielle).
    while end < n:
        nt = tokens[end]
        if _is_adjective(nt) or (nt.kind == "word" and _role(nt.low) is not None and not nt.is_cap):
            end += 1
        elif nt.low == "et" and end + 1 < n and _role(tokens[end + 1].low) is not None and kind2 in ("role", "group"):
            end += 2
        elif kind2 == "carrier" and nt.is_cap and end == k + 1 and name_run(tokens, end, ctx) == end + 1:
            end += 1
        else:
            break
    owner: NP | None = None
    comp_head = ""
    # A name set right after the description names its referent: le Premier ministre Bernard
    # Cazeneuve, l'émission de TMC « Quotidien ».
    name = ""
    name_end = name_run(tokens, end, ctx) if end < n and tokens[end].is_cap else end
    qname = _apposed_quote_name(tokens, end, quotes)
    if name_end > end and kind2 in ("role", "org", "carrier"):
        name = _text(tokens, source, end, name_end)
        end = name_end
    elif qname:
        name, end = qname, end + 1
    else:
        cend, owner, comp_head = _complement(tokens, end, source, ctx, depth)
        if cend > end:
            end = cend
            name_end = name_run(tokens, end, ctx) if end < n and tokens[end].is_cap else end
            qname = _apposed_quote_name(tokens, end, quotes)
            if name_end > end and kind2 in ("role", "org"):
                name = _text(tokens, source, end, name_end)
                end = name_end
            elif qname:
                name, end = qname, end + 1
    text = _text(tokens, source, i, end)
    if name:
        person: NPKind = "person" if kind2 in ("role", "group") else "org"
        return NP(i, end, person, text, head=head, name=name, gender=gender if kind2 == "role" else None,
                  definite=definite, complement=comp_head, plural=plural)  # fmt: skip
    if kind2 == "carrier" and owner is not None and not owner.is_speaker:
        owner = None
    return NP(i, end, kind2, text, head=head, gender=gender if kind2 in ("role", "group") else None, owner=owner,
              plural=plural, definite=definite, complement=comp_head)  # fmt: skip


def apposition(
    tokens: Sequence[Token], np: NP, source: str, ctx: Context, quotes: dict[int, str] | None = None
) -> tuple[NP | None, int]:
    """What follows ``np`` between commas (``X, porte-parole du parti,``): the phrase and the index
    after it (after the closing comma when there is one). ``(None, np.end)`` when nothing does."""
    n = len(tokens)
    i = np.end
    continued = ("en", "à", "au", "aux", "chez", "auprès", "pour", "et", "de", "des", "du", "d'", "d’")
    if i < n and tokens[i].low in continued and np.kind in ("role", "org"):
        # "l'ambassadeur de France en Afghanistan, Bernard Bajolet": a short place or domain;
        # "le président de l'Union des arts et métiers, Fabio Regazzi": the complement goes on
        c = next((m for m in range(i + 1, min(n, i + 8)) if tokens[m].kind == "punct"), None)
        if c is not None and tokens[c].is_punct(","):
            named = parse_np(tokens, c + 1, source, ctx, quotes=quotes)
            if named is not None and named.kind in ("name", "person"):
                i = c
    if i >= n or not tokens[i].is_punct(","):
        return None, np.end
    app = parse_np(tokens, i + 1, source, ctx, bare=True, quotes=quotes)
    if app is None:
        # "Myriam Martinet, de la CGT," : an affiliation, read as the description it stands for.
        if i + 1 < n and tokens[i + 1].low in ("de", "du", "d'", "d’", "des"):
            cend, _, _ = _complement(tokens, i + 1, source, ctx, 0)
            if cend > i + 1 and (cend >= n or tokens[cend].is_punct(",;:.")):
                return None, cend + 1 if cend < n and tokens[cend].is_punct(",") else cend
        return None, np.end
    if app.kind == "thing" or app.kind == "pronoun":
        return None, np.end
    end = app.end
    # An apposition runs to the next comma: "jeune berger en Kabylie maritime à l'époque,".
    k = end
    while k < n and k - end < 14 and not tokens[k].is_punct(",;:.!?()") and tokens[k].kind != "quote":
        k += 1
    if app.kind in ("person", "name", "org") and k > end and k < n and not tokens[k].is_punct(","):
        # a name followed by more words is the start of a new clause, not an apposition
        return None, np.end
    if k < n and tokens[k].is_punct(","):
        return app, k + 1
    return app, k


# --- entities ----------------------------------------------------------------------------------

EntityKind = Literal["person", "org", "group"]


@dataclass(eq=False)
class Entity:
    """One person, group or organisation of the article (compared by identity)."""

    id: int
    name: str
    """The speaker string: the full name as first given, else the first description."""
    kind: EntityKind
    named: bool
    """Has a proper name (else it is known only by a description)."""
    f_votes: float = 0.0
    m_votes: float = 0.0
    roles: list[tuple[str, str]] = field(default_factory=list)
    """Role descriptions (head, complement head) taken from appositions and titles."""
    plural: bool = False

    @property
    def gender(self) -> Gender | None:
        if self.kind != "person" or self.plural:
            return None
        if self.f_votes > self.m_votes:
            return "f"
        if self.m_votes > self.f_votes:
            return "m"
        return None

    @property
    def settled(self) -> bool:
        """The gender rests on a strong cue (title, feminine form, agreement, pronoun), not only
        on a masculine role noun, which French also uses for women (le procureur, l'expert)."""
        return abs(self.f_votes - self.m_votes) >= 0.75

    def vote(self, gender: Gender | None, weight: float) -> None:
        if gender == "f":
            self.f_votes += weight
        elif gender == "m":
            self.m_votes += weight


_ARTICLE = re.compile(r"^(?:le|la|les|l['’])\s*")


@lru_cache(maxsize=4096)
def _key(name: str) -> str:
    """How names are compared: spaces folded, lowercase."""
    return " ".join(name.split()).lower()


def _name_tokens(name: str) -> list[str]:
    return [w for w in re.split(r"\s+", name.strip()) if w]


def _surnames(full: str) -> list[str]:
    """The ways a full name is shortened: ``Bruno Le Roux`` → ``Le Roux``; ``Kito de Pavant`` →
    ``de Pavant``, ``Pavant``."""
    words = _name_tokens(full)
    if len(words) < 2:
        return []
    particles = lexicon().word_class("name_particles")
    out = []
    for k in range(1, len(words)):
        tail = words[k:]
        if tail and not (len(tail) == 1 and tail[0].lower() in particles):
            out.append(" ".join(tail))
    return out


def _first_name_vote(e: Entity, name: str) -> None:
    """A known first name settles a gender a little (Jean-Luc, then Jean)."""
    words = _name_tokens(name)
    if words:
        first = fold(words[0])
        names = first_names()
        e.vote(names.get(first) or names.get(first.split("-")[0]), 0.75)


def _agrees(e: Entity, np: NP) -> bool:
    """A description's gender does not contradict what the text settled of the entity's."""
    return np.gender is None or e.gender is None or not e.settled or e.gender == np.gender


class Entities:
    """The entity list of one article: every person, group and organisation, merged."""

    def __init__(self, full_names: Sequence[str] = ()) -> None:
        self.items: list[Entity] = []
        self._by_key: dict[str, Entity] = {}
        # Full names written anywhere in the article, so "M. Le Roux" before "Bruno Le Roux" still
        # merges; ambiguous short forms (two Le Pen) are left to salience.
        self._full: dict[str, list[str]] = {}
        for full in full_names:
            for short in _surnames(full):
                lst = self._full.setdefault(short.lower(), [])
                if full not in lst:
                    lst.append(full)

    def _new(self, name: str, kind: EntityKind, named: bool, plural: bool = False) -> Entity:
        e = Entity(len(self.items), name, kind, named, plural=plural)
        self.items.append(e)
        return e

    def _key(self, name: str) -> str:
        return _key(name)

    def _register(self, e: Entity, name: str) -> None:
        self._by_key.setdefault(self._key(name), e)
        for short in _surnames(name):
            if len(self._full.get(short.lower(), [])) <= 1:  # "Le Pen" of two people: salience decides
                self._by_key.setdefault(self._key(short), e)

    def lookup(self, name: str) -> Entity | None:
        return self._by_key.get(self._key(name))

    def named(self, name: str, kind: EntityKind = "person", recent: Sequence[Entity] = ()) -> Entity:
        """The entity a proper name refers to, created when new (canonical: full name first given)."""
        name = name.strip()
        first, _, rest = name.partition(" ")
        if rest and first in lexicon().titles:
            e = self._by_key.get(self._key(rest))
            if e is not None or self._full.get(rest.lower()):
                return self.named(rest, kind, recent)  # "M. Le Roux" is Bruno Le Roux
        e = self._by_key.get(self._key(name))
        if e is None and kind == "org":
            # "la CGT" and "CGT" are one organisation (an article never starts a person's key:
            # "Le Pen", "Le Roux" keep theirs)
            bare = _ARTICLE.sub("", self._key(name))
            e = self._by_key.get(bare)
            if e is None:
                for key, cand in self._by_key.items():
                    if cand.kind == "org" and _ARTICLE.sub("", key) == bare:
                        e = cand
                        break
        if e is not None:
            if kind == "org" and e.kind == "person" and not e.roles:
                e.kind = "org"
            return e
        # V. Sapounov, B. Obama: an initial and a surname.
        m = re.match(r"^([A-ZÀ-Þ])\.\s*(?:-?[A-ZÀ-Þ]\.\s*)?(.+)$", name)
        if m:
            for cand in self.items:
                if cand.named and cand.name[:1] == m.group(1) and cand.name.endswith(" " + m.group(2)):
                    self._by_key[self._key(name)] = cand
                    return cand
        # A single word that starts a longer organisation name (Pixar → Pixar Animation Studios).
        if len(_name_tokens(name)) == 1:
            for cand in reversed(self.items):
                if cand.named and cand.kind == "org" and cand.name.split()[0] == name:
                    self._by_key[self._key(name)] = cand
                    return cand
        fulls = self._full.get(name.lower(), [])
        if len(fulls) == 1 and self._key(fulls[0]) != self._key(name):
            full = fulls[0]
            e = self._by_key.get(self._key(full))
            if e is None:
                e = self._new(full, kind, True)
                if kind == "person":
                    _first_name_vote(e, full)
            self._register(e, full)
            self._by_key[self._key(name)] = e
            return e
        if len(fulls) > 1:
            for cand in recent:
                if cand.named and any(self._key(f) == self._key(cand.name) for f in fulls):
                    return cand
        e = self._new(name, kind, True)
        self._register(e, name)
        if kind == "person":
            _first_name_vote(e, name)
        return e

    def described(self, np: NP, recent: Sequence[Entity]) -> Entity:
        """The entity a definite description refers to (a known holder of that role), else a new
        one; an indefinite one (un soldat) always introduces someone new."""
        found = self.holder(np, recent) if np.definite else None
        if found is not None:
            return found
        text = np.text
        text = (
            text[0].lower() + text[1:] if text[:2] in ("Le", "La", "Un", "Un", "L'", "L’", "De", "Sa", "So") else text
        )
        if text[:3] in ("Les", "Une", "Des", "Son", "Ses", "Ces", "Cet") or text[:4] in ("Cette", "Leur"):
            text = text[0].lower() + text[1:]
        kind: EntityKind = "org" if np.kind in ("org", "carrier") else ("group" if np.plural else "person")
        e = self._new(text, kind, False, np.plural)
        if np.head:
            e.roles.append((np.head, np.complement))
        e.vote(np.gender, 1.0)
        return e

    def holders(self, np: NP) -> list[Entity]:
        """Every known entity holding the role ``np`` describes (head and, if given, complement)."""
        if not np.head:
            return []
        cands = []
        for e in self.items:
            if e.plural != np.plural or not _agrees(e, np):
                continue
            for head, comp in e.roles:
                if head == np.head and (not np.complement or not comp or comp == np.complement):
                    cands.append(e)
                    break
        return cands

    def periphrasis(self, np: NP, recent: Sequence[Entity]) -> Entity | None:
        """``la cheffe de l'agence onusienne`` after ``la cheffe de l'UNICEF, Catherine Russell``: a
        definite role whose complement is a generic organisation noun (l'agence, l'organisation,
        le groupe) names the one person of the article who holds that role, when she was just
        mentioned; None when two could be meant."""
        if not np.definite or np.name or not np.complement or (np.owner is not None and np.owner.name):
            return None
        if np.complement not in lexicon().word_class("generic_organisations"):
            return None  # "le porte-parole de la police" is not "le porte-parole du gouvernement, X"
        cands = [
            e
            for e in self.items
            if e.named and e.plural == np.plural and _agrees(e, np) and any(h == np.head for h, _ in e.roles)
        ]
        if len(cands) == 1 and cands[0] in recent[:4]:
            return cands[0]
        return None

    def ambiguous(self, np: NP) -> bool:
        """A bare definite role that fits two named people (``le directeur`` when the article
        named the hospital's and the school's): the text does not say which one speaks."""
        if not np.definite or np.name or np.kind not in ("role", "group"):
            return False
        return len([e for e in self.holders(np) if e.named]) >= 2

    def holder(self, np: NP, recent: Sequence[Entity]) -> Entity | None:
        """A known entity holding the role ``np`` describes (head and, if given, complement)."""
        if not np.head:
            return None
        cands = []
        for e in self.items:
            if e.plural != np.plural or not _agrees(e, np):
                continue  # "un soldat" is not "nos soldats"; "la ministre" is not M. X
            for head, comp in e.roles:
                if head == np.head and (not np.complement or not comp or comp == np.complement):
                    cands.append(e)
                    break
        if not cands:
            return None
        if len(cands) == 1:
            return cands[0]
        for e in recent:
            if e in cands:
                return e
        return None

    def add_role(self, e: Entity, np: NP) -> None:
        if np.head and (np.head, np.complement) not in e.roles:
            e.roles.append((np.head, np.complement))
        if np.gender is not None and e.kind == "person":
            # A feminine form is marked (la directrice); a masculine one is also the generic form
            # ("le procureur" is said of women too), so it counts for less.
            e.vote(np.gender, 1.0 if np.gender == "f" else 0.5)


def clean_label(name: str) -> str:
    """A speaker label without stray quote marks or punctuation at its ends (never ``» Lee``)."""
    return re.sub(r"^[\s«»“”„\"'’,;:.!?()\[\]—–-]+|[\s«»“”„\"'’,;:!?()\[\]—–-]+$", "", name).strip()


def is_speaker_mention(text: str) -> bool:
    """The mention filter: True when ``text`` reads as a person, group or organisation.

    Used on every speaker the script shows. A name run, a title and a name, a role description,
    an organisation or a carrier that names its owner passes; a date, a clause or a thing fails.
    """
    from .tokens import tokenize

    label = clean_label(text)
    if not label or label != text.strip():
        return False
    tokens = tokenize(label)
    if not tokens or tokens[0].kind == "num":
        return False
    lx = lexicon()
    if len(tokens) == 1 and (
        is_function_word(tokens[0])
        or tokens[0].low in lx.speech_forms
        or tokens[0].low in lx.roles
        or re.search(r"(?:ée|ées|és)$", tokens[0].low)
    ):
        return False  # "Interrogée", "Selon": a lone capitalised word that is not a name
    ctx = Context({t.text for t in tokens if t.is_cap})
    np = parse_np(tokens, 0, label, ctx, bare=True)
    if np is None or not np.is_speaker or np.kind == "pronoun":
        return False
    return np.end == len(tokens) or (np.kind in ("role", "group", "org", "carrier") and np.end >= len(tokens) - 1)
