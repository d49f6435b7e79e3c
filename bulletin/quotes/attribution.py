"""Attribution cues: the small, named patterns of French that say who speaks.

Each function reads tokens around a quote and returns the noun phrase (or pronoun) that names the
speaker, with the token where the cue ends. They know nothing of entities: the detector turns the
phrase into a speaker. The rules, by the name the script's JSON reports:

``incise``         after the quote, an inverted clause: ``», glisse X.``, ``», a-t-il déclaré``,
                   ``», tonne-t-il``, ``» a expliqué à l'AFP X``, ``», selon X``;
``inner_incise``   inside the quote, between commas: ``« Moi, dit-il, je … »``;
``colon_frame``    a clause before a colon: ``X a déclaré :``, ``Interrogée par …, X a répondu :``,
                   ``…, qui lui avait rétorqué :``;
``selon_colon``    ``Selon / Pour / D'après X(, …) : « … »``;
``colon_subject``  a colon after a clause with no speech verb, whose subject is a person or an
                   organisation (``Un rapport de la Ligue arabe apporte la même conclusion :``);
``block_dash``     a block quote followed by a ``— Prénom Nom, fonction`` line;
``continuation``   no clause: the quote continues the quote just before it;
``salience``       no clause: the subject of the sentence just before, when it reported speech;
                   or, for a quote opening its paragraph, the person the paragraph before
                   presented speaking or addressing an audience (``X a pris la parole.``);
``cataphora``      no clause before: the sentence right after names the speaker (``« … » C'est par
                   ces mots que X a ouvert son discours.``);
``interview``      interview turns (dashes, Q.-/R.-, speaker lines: :mod:`.interview`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from .lexicon import lexicon
from .mentions import ANAPHORS, NP, Context, apposition, is_function_word, is_speech_form, parse_np
from .tokens import Token, tokenize

MIN_CONFIDENCE = 0.5
"""Below this a speaker is a guess and the quote is read in the neutral voice (speaker null).
Calibrated with ``scripts/quote_rules.py --buckets`` on dev and dev2, where every speaker named
at 0.55 or more is right, and on the test sentences of tests/test_quotes_confidence.py, where
the guesses the rules must refuse (a pronoun that only reaches a place or an object, a
continuation of an unknown speaker) score 0.4 or 0."""

LOW_CONFIDENCE = 0.7
"""Speakers named below this (a pronoun with a close rival, a quote with no clause given to the
person the paragraph before presented speaking) are flagged in the script's warnings and table."""


@dataclass(frozen=True)
class Attribution:
    """How a quote's speaker was decided."""

    rule: str
    """The named rule that settled it (``incise``, ``colon_frame``, …; ``none`` when nothing did)."""
    confidence: float
    """0–1: how sure the rule is of the speaker (0 when the speaker is unknown)."""

    @property
    def low(self) -> bool:
        """A speaker was named, but on weak evidence: the script flags it for a human to check."""
        return 0.0 < self.confidence < LOW_CONFIDENCE


@dataclass(frozen=True)
class Cue:
    """What a rule found: the phrase naming the speaker, and where the cue ends."""

    np: NP
    end: int
    """Token index after the cue (after the subject and its apposition)."""
    app: NP | None = None
    """An apposition to the phrase (``X, porte-parole du parti``)."""
    verb: bool = True
    """A speech verb (or an inverted verb) was part of the cue."""


def _phrase_at(tokens: Sequence[Token], k: int, section: str) -> int:
    """Index after a multi-word phrase of ``section`` starting at ``k`` (``k`` when none does)."""
    if k >= len(tokens):
        return k
    for phrase in lexicon().phrase_index.get(section, {}).get(tokens[k].low.replace("’", "'"), ()):
        m = len(phrase)
        if k + m <= len(tokens) and all(tokens[k + q].low.replace("’", "'") == phrase[q] for q in range(1, m)):
            return k + m
    return k


def is_adverb(tok: Token) -> bool:
    if tok.kind != "word":
        return False
    low = tok.low
    if low in lexicon().word_class("adverbs"):
        return True
    return low.endswith("ment") and len(low) > 6 and not tok.is_cap and low not in lexicon().roles


def skip_time(tokens: Sequence[Token], k: int) -> int:
    """Past a time adjunct: ``mardi``, ``samedi soir``, ``le 27 février 2009``, ``ce matin``."""
    n = len(tokens)
    times = lexicon().word_class("time_words")
    j = k
    if (
        j < n
        and tokens[j].low in ("le", "ce", "cette", "cet", "l'", "l’", "dès", "vers", "en")
        and j + 1 < n
        and (tokens[j + 1].low in times or tokens[j + 1].kind == "num")
    ):
        j += 1
    start = j
    while j < n and (tokens[j].low in times or (tokens[j].kind == "num" and j > start - 1)):
        j += 1
    return j if j > start else k


def skip_adverbials(tokens: Sequence[Token], k: int) -> int:
    """Past adverbs, adverbial phrases (``pour sa part``, ``de son côté``, ``ensuite``) and time
    adjuncts (``mardi soir``, ``le 27 février``)."""
    n = len(tokens)
    while k < n:
        j = _phrase_at(tokens, k, "adverbial_phrases")
        if j > k:
            k = j
            continue
        if is_adverb(tokens[k]):
            k += 1
            continue
        j = skip_time(tokens, k)
        if j > k:
            k = j
            continue
        break
    return k


_PARTICIPLE_ENDS = ("é", "ée", "és", "ées", "u", "ue", "us", "ues", "i", "ie", "is", "ies")


def _verbish(tokens: Sequence[Token], k: int) -> bool:
    """A speech-verb form used as a verb (not a noun after a determiner: ``le juge``)."""
    if not is_speech_form(tokens[k]):
        return False
    prev = tokens[k - 1].low if k > 0 else ""
    if prev in ("de", "d'", "d’", "à") and tokens[k].low == lexicon().speech_forms[tokens[k].low]:
        return True  # an infinitive: "de demander", "à préciser"
    if prev in ("le", "la", "les") and tokens[k].low.endswith(_PARTICIPLE_ENDS):
        return False  # "le prévenu", "la déclarée": a clitic is never right before a participle
    return prev not in lexicon().word_class("determiners") or prev in ("le", "la", "l'", "l’", "les", "leur", "en")


@dataclass(frozen=True)
class VerbGroup:
    """A verb group: where it ends, the speech verb in it, an inverted subject pronoun."""

    end: int
    verb: int
    """Index of the main verb (-1 when only an inverted pronoun marks the incise)."""
    pronoun: int
    """Index of an inverted subject pronoun (-t-il), or -1."""
    speech: bool


def verb_group(tokens: Sequence[Token], k: int, *, inverted_any: bool = True) -> VerbGroup | None:
    """A verb group starting at ``k``: clitics, auxiliaries, adverbs, then a speech verb, or any
    verb carrying an inverted subject pronoun (``tente-t-il``) when ``inverted_any``."""
    n = len(tokens)
    lx = lexicon()
    clitics = lx.word_class("clitics")
    aux = lx.word_class("auxiliaries")
    semi = lx.word_class("semi_auxiliaries")
    stressed = lx.word_class("stressed_pronouns")
    start = k
    pron = -1
    while k < n:
        t = tokens[k]
        if t.kind == "enclitic":
            pron = k
            k += 1
            continue
        if t.kind != "word":
            break
        j = skip_adverbials(tokens, k)
        if j > k:
            k = j
            continue
        low = t.low
        if lx.speech_forms.get(low) == "faire" and k + 1 < n and not tokens[k + 1].is_cap:
            nxt = tokens[k + 1].low
            if nxt.endswith(("er", "ir", "oir", "re")) and nxt not in lx.function_words:
                return VerbGroup(k + 2, k + 1, pron, True)  # "a fait savoir", "fait remarquer"
        if _verbish(tokens, k):
            end = k + 1
            if end < n and tokens[end].kind == "enclitic":
                return VerbGroup(end + 1, k, end, True)
            return VerbGroup(end, k, pron, True)
        if (
            low in clitics
            or low in aux
            or low in semi
            or (k > start and low in stressed)
            or (k > start and low in ("à", "de", "d'", "d’") and tokens[k - 1].low in semi)
        ):
            k += 1
            continue
        # any verb with an inverted subject pronoun: « … », s'amuse-t-il / tente-t-il de corriger
        if inverted_any and k + 1 < n and tokens[k + 1].kind == "enclitic" and not t.is_cap:
            return VerbGroup(k + 2, k, k + 1, False)
        break
    if pron >= 0 and inverted_any:
        # "a-t-il" followed by a participle that is not a speech verb: still an incise
        end = k
        if end < n and tokens[end].kind == "word" and not tokens[end].is_cap and not is_function_word(tokens[end]):
            end += 1
        return VerbGroup(end, -1, pron, False)
    return None


def _skip_pp(tokens: Sequence[Token], k: int, source: str, ctx: Context) -> int:
    """Past one prepositional phrase (``à l'AFP``, ``par téléphone``, ``en conférence de presse``)."""
    n = len(tokens)
    if k >= n or tokens[k].low not in lexicon().word_class("prepositions"):
        return k
    j = k + 1
    if j < n and tokens[j].low in ("la", "l'", "l’", "le", "les", "un", "une", "son", "sa", "ses"):
        j += 1
    if j >= n:
        return k
    np = parse_np(tokens, j, source, ctx)
    if np is not None and np.kind != "pronoun":
        return np.end
    if tokens[j].kind == "word" and not is_function_word(tokens[j]) and not tokens[j].is_cap:
        j += 1
        while j < n and tokens[j].low in ("de", "d'", "d’") and j + 1 < n and tokens[j + 1].kind == "word":
            j += 2
        return j
    if tokens[j].is_cap:
        end = j + 1
        while end < n and tokens[end].is_cap:
            end += 1
        return end
    return k


def subject_after(
    tokens: Sequence[Token], k: int, source: str, ctx: Context, quotes: dict[int, str] | None = None
) -> tuple[NP, NP | None, int] | None:
    """The inverted subject after a verb: ``… a expliqué à l'AFP Gilles-Éric Séralini, professeur``."""
    n = len(tokens)
    for _ in range(4):
        if k < n and tokens[k].low in ("ce", "cette"):
            np0 = parse_np(tokens, k, source, ctx, quotes=quotes)
            if np0 is not None and np0.kind == "pronoun":
                return np0, None, np0.end  # "ce dernier" before "dernier" is read as a time word
        k = skip_adverbials(tokens, k)
        if k >= n:
            return None
        if tokens[k].is_punct(","):
            # "a admis, amer, le candidat": a short aside between commas
            c = next((m for m in range(k + 1, min(n, k + 6)) if tokens[m].is_punct(",")), None)
            if c is None:
                return None
            k = c + 1
            continue
        np = parse_np(tokens, k, source, ctx, quotes=quotes)
        # a pronoun may stand after the verb only as an anaphor: "ce dernier", "l'intéressée"
        anaphor = np is not None and np.kind == "pronoun" and (np.end - np.start > 1 or np.head in ANAPHORS)
        if (
            np is not None
            and (np.kind != "pronoun" or anaphor)
            and tokens[k].low not in lexicon().word_class("prepositions")
        ):
            app, end = apposition(tokens, np, source, ctx, quotes)
            return np, app, end
        j = _skip_pp(tokens, k, source, ctx)
        if j == k:
            return None
        k = j
    return None


def incise(
    tokens: Sequence[Token], k: int, source: str, ctx: Context, quotes: dict[int, str] | None = None
) -> Cue | None:
    """An inverted attribution clause starting at token ``k`` (just after a quote)."""
    n = len(tokens)
    if k < n and tokens[k].is_punct(",;"):
        k += 1
    k = skip_adverbials(tokens, k)
    if k >= n:
        return None
    # », selon le ministre. / », d'après un témoin.
    if tokens[k].low in ("selon",) or (tokens[k].low in ("d'", "d’") and k + 1 < n and tokens[k + 1].low == "après"):
        j = k + (1 if tokens[k].low == "selon" else 2)
        np = parse_np(tokens, j, source, ctx, quotes=quotes)
        if np is None or np.kind == "pronoun":
            return None
        app, end = apposition(tokens, np, source, ctx, quotes)
        return Cue(np, end, app)
    vg = verb_group(tokens, k)
    if vg is None:
        return None
    if vg.verb >= 0 and vg.pronoun < 0 and tokens[vg.verb].low.endswith("ant"):
        return None  # ", prônant le bilan du président": a participial clause, not an incise
    if vg.pronoun >= 0:
        t = tokens[vg.pronoun]
        return Cue(NP(vg.pronoun, vg.pronoun + 1, "pronoun", t.text, head=t.low), vg.end)
    subj = subject_after(tokens, vg.end, source, ctx, quotes)
    if subj is None:
        return None
    np, app, end = subj
    if not np.is_speaker and not (app is not None and app.is_speaker) and np.kind != "pronoun":
        return None  # (a pronoun here is an anaphor: "a précisé ce dernier", "l'intéressé")
    return Cue(np, end, app)


def incise_after_text(text: str) -> bool:
    """True when ``text`` (what follows a quote) opens with an attribution clause."""
    tokens = tokenize(text[:160])
    return incise(tokens, 0, text[:160], Context()) is not None


def incise_fills(text: str) -> bool:
    """True when ``text`` (between two quotes) is exactly an incise and a comma: ``, ajoute-t-il,``."""
    tokens = tokenize(text)
    cue = incise(tokens, 0, text, Context())
    return cue is not None and cue.end == len(tokens) - 1 and tokens[-1].is_punct(",")


def selon_frame(
    tokens: Sequence[Token], a: int, b: int, source: str, ctx: Context, quotes: dict[int, str] | None = None
) -> Cue | None:
    """``Selon / Pour / D'après X(, apposition)(, …) :`` between tokens ``a`` and the colon ``b``."""
    k = skip_adverbials(tokens, a)
    while k < b and (tokens[k].low in ("ainsi", "mais", "et", "or", "donc") or tokens[k].is_punct(",")):
        k += 1
    if k >= b:
        return None
    low = tokens[k].low
    if low in ("selon", "pour"):
        j = k + 1
    elif low in ("d'", "d’") and k + 1 < b and tokens[k + 1].low == "après":
        j = k + 2
    else:
        return None
    np = parse_np(tokens, j, source, ctx, quotes=quotes)
    if np is None or np.kind == "pronoun":
        return None
    app, end = apposition(tokens, np, source, ctx, quotes)
    if app is None:
        # "Pour la principale association … du logiciel libre, l'April :": the name after the
        # first comma names who the long description is.
        c = next((m for m in range(np.end, b) if tokens[m].is_punct(",")), None)
        if c is not None:
            cand = parse_np(tokens, c + 1, source, ctx, quotes=quotes)
            if cand is not None and cand.end == b and cand.is_speaker:
                return Cue(cand, b, None, verb=False)
    return Cue(np, end, app, verb=False)


def _np_ending_at(
    tokens: Sequence[Token], a: int, j: int, source: str, ctx: Context, quotes: dict[int, str] | None
) -> NP | None:
    """The longest speaker-like noun phrase of ``tokens[a:j]`` that ends exactly at ``j``."""
    for k in range(max(a, j - 16), j):
        if k > a and tokens[k - 1].kind == "word" and tokens[k - 1].is_cap and tokens[k].is_cap:
            continue  # not the middle of a name run
        before = tokens[k - 1].low if k > 0 else ""
        if before in lexicon().word_class("prepositions") and before != "selon":
            continue  # "… en Île-de-France en tweetant": the object of a preposition is no subject
        if k > a and before in lexicon().word_class("determiners"):
            continue  # a phrase starts at its article, not after it
        np = parse_np(tokens, k, source, ctx, initial=(k == a), quotes=quotes)
        if np is not None and np.end == j and (np.is_speaker or np.kind == "pronoun"):
            return np
    return None


def subject_before(
    tokens: Sequence[Token], a: int, v: int, source: str, ctx: Context, quotes: dict[int, str] | None = None
) -> tuple[NP | None, str]:
    """The subject of the verb group starting at ``v`` in the clause ``tokens[a:v]``.

    Returns the phrase and how it was found: ``np`` (right before the verb, over an apposition
    or a parenthesis), ``relative`` (``X, …, qui a dit``), ``coordinated`` (``Il …, et déclara``).
    """
    j = v
    # back over an apposition or a parenthesis: "Nock Ag Attia, député touareg, a précisé"
    if j - 1 >= a and tokens[j - 1].is_punct(")"):
        depth = 0
        m = j - 1
        while m >= a:
            if tokens[m].is_punct(")"):
                depth += 1
            elif tokens[m].is_punct("("):
                depth -= 1
                if depth == 0:
                    break
            m -= 1
        j = m
    if j - 1 >= a and tokens[j - 1].is_punct(","):
        m = j - 2
        while m >= a and not tokens[m].is_punct(",;:"):
            m -= 1
        if m >= a and tokens[m].is_punct(","):
            np = _np_ending_at(tokens, a, m, source, ctx, quotes)
            if np is not None:
                return np, "np"
        j -= 1
    if j - 1 >= a and tokens[j - 1].low in ("qui",):
        m = j - 2
        if m >= a and tokens[m].is_punct(","):
            m -= 1
            # X, apposition, qui …: the antecedent is the head before the apposition
            c = m
            while c >= a and not tokens[c].is_punct(",;:"):
                c -= 1
            if c >= a and tokens[c].is_punct(","):
                head = _np_ending_at(tokens, a, c, source, ctx, quotes)
                if head is not None and head.kind in ("person", "name"):
                    return head, "relative"
        np = _np_ending_at(tokens, a, m + 1, source, ctx, quotes)
        return np, "relative"
    if j - 1 >= a and tokens[j - 1].low in ("et", "puis", "mais"):
        return None, "coordinated"
    np = _np_ending_at(tokens, a, j, source, ctx, quotes)
    return np, "np"


def main_subject_start(
    tokens: Sequence[Token], a: int, b: int, source: str = "", ctx: Context | None = None
) -> tuple[int, list[Token]]:
    """Where the main clause's subject starts in ``tokens[a:b]``, past leading adverbials and
    adjuncts that end with a comma (``Interrogée par la radio,``, ``De son côté,``, ``Lors du
    procès, le 27 février 2009,``), with the participles among those adjuncts (for agreement)."""
    lx = lexicon()
    ctx = ctx or Context()
    k = a
    participles: list[Token] = []
    for _ in range(5):
        k2 = skip_adverbials(tokens, k)
        if k2 < b and tokens[k2].is_punct(","):
            k = k2 + 1
            continue
        if k2 >= b:
            return k, participles
        t = tokens[k2]
        low = t.low
        c = next((m for m in range(k2, min(b, k2 + 30)) if tokens[m].is_punct(",")), None)
        np = parse_np(tokens, k2, source, ctx, initial=k2 == a) if source else None
        if np is not None and np.kind != "thing":
            return k2, participles
        participle = t.kind == "word" and bool(re.search(r"(?:é|ée|és|ées|i|ie|is|ies|u|ue|us|ues|ant)$", low))
        opener = (
            low in lx.word_class("prepositions")
            or low in lx.word_class("subordinators")
            or low in lx.word_class("conjunctions")
            or (participle and low not in lx.roles)
            or (t.kind == "word" and low in lx.roles and k2 == a)  # "Commentateur mythique …, sa disparition"
            or t.kind == "num"
            or (np is not None and np.kind == "thing")  # "la semaine dernière," : an adjunct
            or (np is None and low in lx.word_class("determiners"))  # "le 27 février 2009,"
            or (k2 == a and t.is_cap and np is None)  # "Surpris par …, il": an unknown capitalised word
        )
        if not opener or c is None:
            return k2, participles
        if participle and t.kind == "word" and low.endswith(("é", "ée", "és", "ées")):
            participles.append(t)
        k = c + 1
    return k, participles


def addresses(tokens: Sequence[Token], a: int, b: int) -> bool:
    """True when ``tokens[a:b]`` holds an act of addressing an audience (``s'adresser à``,
    ``prendre la parole``, ``un discours``, ``devant la presse``: grammar.txt's list)."""
    return any(_phrase_at(tokens, k, "addressing_phrases") > k for k in range(a, b))


def find_speech_verb(tokens: Sequence[Token], a: int, b: int) -> int:
    """Index of the last speech verb in ``tokens[a:b]`` used as a verb, or -1."""
    for k in range(b - 1, a - 1, -1):
        if tokens[k].kind == "word" and _verbish(tokens, k):
            return k
    return -1


def verb_group_start(tokens: Sequence[Token], a: int, v: int) -> int:
    """Back from the verb at ``v`` over its auxiliaries, clitics and adverbs."""
    lx = lexicon()
    keep = (
        lx.word_class("clitics")
        | lx.word_class("auxiliaries")
        | lx.word_class("semi_auxiliaries")
        | lx.word_class("stressed_pronouns")
        | {"à", "de", "d'", "d’"}
    )
    k = v
    while k - 1 >= a:
        t = tokens[k - 1]
        if t.kind == "enclitic":
            k -= 1
            continue
        if t.kind == "word" and (t.low in keep or is_adverb(t)) and t.low not in ("qui", "et"):
            # "elle" right before a verb group is its subject, not an emphasis
            if t.low in ("elle", "elles", "eux") and (
                k - 2 < a or tokens[k - 2].low not in lx.word_class("auxiliaries")
            ):
                break
            if t.low in ("lui", "nous", "vous") and k - 2 >= a and tokens[k - 2].is_cap:
                # "Lionel Tardy a lui écrit" is handled by the auxiliary; "X lui a dit": clitic
                k -= 1
                continue
            k -= 1
            continue
        # adverbial phrases inside the group: "a pour sa part ajouté"
        matched = False
        for phrase in lx.phrases.get("adverbial_phrases", ()):
            m = len(phrase)
            if k - m >= a and all(
                tokens[k - m + q].low.replace("’", "'") == w.replace("’", "'") for q, w in enumerate(phrase)
            ):
                k -= m
                matched = True
                break
        if not matched:
            break
    return k
