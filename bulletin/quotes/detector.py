"""One article's quotes and speakers, in reading order.

Per paragraph: spans are found and classified (:mod:`.spans`); the narration between quotes is
read sentence by sentence for mentions (:mod:`.mentions`), which feed salience
(:mod:`.pronouns`); each run of quotes then gets its speaker from the first rule that settles it
(:mod:`.attribution`). Every character outside the quote marks stays in narration, so no word is
lost or moved.
"""

from __future__ import annotations

import bisect
import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from .attribution import (
    MIN_CONFIDENCE,
    Attribution,
    Cue,
    addresses,
    find_speech_verb,
    incise,
    incise_after_text,
    incise_fills,
    main_subject_start,
    selon_frame,
    subject_after,
    subject_before,
    verb_group_start,
)
from .lexicon import Gender, first_names, fold, lexicon
from .mentions import NP, Context, Entities, Entity, apposition, clean_label, is_function_word, name_run, parse_np
from .pronouns import Salience
from .spans import DASHES, QUOTE_CHARS, Span, classify, editorial_inserts, find_spans, words
from .tokens import Token, tokenize, tokenize_masked

PieceKind = Literal["narration", "quote"]

_MIN_CONFIDENCE = MIN_CONFIDENCE
_SENT_END = ".!?…"
# Speech verbs whose subject makes someone else speak: the words that follow are the answer.
_ELICITING = frozenset({"interroger", "questionner", "auditionner", "entendre", "sonder"})


@dataclass(frozen=True)
class Piece:
    """A run of a paragraph spoken by one voice."""

    kind: PieceKind
    text: str
    speaker: str | None = None
    gender: Gender | None = None
    attribution: Attribution | None = None


@dataclass
class _Run:
    spans: list[Span]
    block: int
    """Paragraph of the last span."""
    first_block: int
    first_token: int
    """Token index of the first quote in its paragraph."""
    last_token: int


def _unchained(tokens: Sequence[Token]) -> Sequence[Token]:
    """``tokens`` without a closing "avant de / puis d' / et d' + speech verb" that chains a
    second quote to the first one's speaker."""
    k = len(tokens)
    if k and tokens[k - 1].is_punct(":"):
        k -= 1
    # "…, avant de poursuivre en français :", "puis d'ajouter, plus bas :": a short complement
    # after the verb (a preposition and a few words, or an adverb) changes nothing
    for back in range(1, 5):
        j = k - back
        if j < 2 or tokens[j].kind != "word":
            break
        if lexicon().speech_forms.get(tokens[j - 1].low) and tokens[j].low in lexicon().word_class("prepositions"):
            if all(t.is_punct(",") or t.kind == "word" for t in tokens[j:k]):
                k = j
            break
    while k and tokens[k - 1].is_punct(","):
        k -= 1
    if (
        k >= 2
        and tokens[k - 1].low in lexicon().speech_forms
        and tokens[k - 2].low in ("de", "d'", "d’")
        and (k == 2 or tokens[k - 3].low in ("avant", "puis", "et", "pour", ","))
    ):
        tokens = tokens[: max(0, k - 3)]
    # "…, a-t-il lancé en anglais, avant de …": the incise's own complement, up to its comma
    preps = lexicon().word_class("prepositions")
    if tokens and tokens[0].low in preps:
        c = next((m for m, t in enumerate(tokens) if t.kind != "word"), len(tokens))
        if c <= 4 and all(t.is_punct(",") for t in tokens[c:]):
            return tokens[c:]
    return tokens


def _sentence_starts(tokens: Sequence[Token]) -> list[int]:
    """Token indices where sentences start (0 first)."""
    abbreviations = lexicon().abbreviations
    starts = [0]
    for k in range(1, len(tokens)):
        prev, t = tokens[k - 1], tokens[k]
        ends = prev.is_punct(_SENT_END) or prev.text in ("...",)
        if prev.kind == "quote":
            inner = prev.text.rstrip(" \u00a0\u202f" + QUOTE_CHARS)
            ends = inner.endswith(tuple(_SENT_END))
        if not ends or not (t.is_cap or t.kind in ("quote", "num")):
            continue
        if prev.text == "." and k >= 2 and tokens[k - 2].kind == "word":
            w = tokens[k - 2].text
            if w in abbreviations or (len(w) == 1 and w.isupper()):
                continue
        starts.append(k)
    return starts


class QuoteDetector:
    """Finds quotes and speakers in an article's paragraphs (one detector per article)."""

    def __init__(self, paragraphs: Sequence[str]) -> None:
        self.paragraphs = list(paragraphs)
        self.spans_per = find_spans(self.paragraphs)
        for text, spans in zip(self.paragraphs, self.spans_per, strict=True):
            classify(text, spans, incise_after_text, incise_fills)
        self.quotes_per: list[dict[int, str]] = []
        self.tokens_per: list[list[Token]] = []
        for text, spans in zip(self.paragraphs, self.spans_per, strict=True):
            masks = [(s.start, s.end, i) for i, s in enumerate(spans)]
            names = {}
            for i, s in enumerate(spans):
                inner = text[s.inner_start : s.inner_end].strip()
                if not s.standalone and inner[:1].isupper() and len(words(inner)) <= 4:
                    names[i] = inner  # « Quotidien »: a short title quoted as a name
            self.quotes_per.append(names)
            self.tokens_per.append(tokenize_masked(text, masks))
        self.starts_per = [_sentence_starts(t) for t in self.tokens_per]
        self._bases: list[int] = []  # cumulative sentence counts per paragraph, for _block_of
        self.ctx = Context(self._midcaps())
        self.entities = Entities(self._full_names())
        self.salience = Salience()
        self.sentence_base = 0
        self.attribution_lines: set[int] = set()
        self.last_run: tuple[Entity | None, int, int, float] | None = None
        """The last run's speaker, block, the token after its cue, and its confidence."""
        self.last_subject: tuple[Entity, int, int, bool] | None = None  # entity, block, sentence, speech verb
        self.last_speaker: tuple[Entity, int] | None = None
        self.null_gender: Gender | None = None
        """The gender an unresolved pronoun cue settles for the run being resolved."""
        self.owned: dict[tuple[str, int], Entity] = {}  # (head, owner) → "le cabinet du ministre"

    # --- article-wide pre-passes ------------------------------------------------------------

    def _midcaps(self) -> set[str]:
        """Words written with a capital inside a sentence: names (a sentence start proves nothing)."""
        out: set[str] = set()
        for tokens, starts in zip(self.tokens_per, self.starts_per, strict=True):
            begins = set(starts)
            for k, t in enumerate(tokens):
                if t.is_cap and k not in begins and not tokens[k - 1].is_punct('—–-:«“"(') and not is_function_word(t):
                    out.add(t.text)
        return out

    def _full_names(self) -> list[str]:
        out: list[str] = []
        for text, tokens in zip(self.paragraphs, self.tokens_per, strict=True):
            k = 0
            while k < len(tokens):
                if tokens[k].is_cap:
                    end = name_run(tokens, k, self.ctx)
                    caps = [t for t in tokens[k:end] if t.is_cap]
                    if len(caps) >= 2:
                        np = parse_np(tokens, k, text, self.ctx)
                        if np is not None and np.kind == "name" and np.name not in out:
                            out.append(np.name)
                    k = max(end, k + 1)
                else:
                    k += 1
        return out

    # --- mentions -----------------------------------------------------------------------------

    def _block_of(self, sentence: int) -> int:
        """The paragraph a global sentence number belongs to (a binary search: a walk over the
        paragraphs made long articles quadratic)."""
        if len(self._bases) != len(self.starts_per):
            self._bases = list(itertools.accumulate(len(starts) + 1 for starts in self.starts_per))
        return min(bisect.bisect_right(self._bases, sentence), len(self.starts_per) - 1)

    def _sentence_of(self, bi: int, k: int) -> int:
        starts = self.starts_per[bi]
        idx = 0
        lo, hi = 0, len(starts) - 1
        while lo <= hi:
            mid = (lo + hi) // 2
            if starts[mid] <= k:
                idx = mid
                lo = mid + 1
            else:
                hi = mid - 1
        return self.sentence_base + idx

    def _entity(self, np: NP, app: NP | None, *, allow_anaphora: bool = False) -> Entity | None:
        """The entity a phrase (and its apposition) names, merged into the article's list."""
        recent = self.salience.recent()
        ents = self.entities
        e: Entity | None = None
        if np.kind == "pronoun" or np.kind == "thing":
            return None
        if (
            np.kind == "org"
            and np.head
            and app is not None
            and app.kind in ("person", "name")
            and app.name
            and (app.title or fold(app.name.split()[0]) in first_names())
        ):
            # "Le patron de Fluxys, Pascal De Buck,": an apposed person's name beats the
            # description it is apposed to, whatever that description was read as.
            e = ents.named(clean_label(app.name), "person", recent)
            if app.title and app.gender:
                e.vote(app.gender, 2.0)
            return e
        if np.name and np.kind in ("person", "name", "org"):
            kind = "org" if np.kind == "org" and not np.head else ("org" if np.kind == "org" else "person")
            if np.kind == "person" and np.head and np.head in lexicon().organisations:
                kind = "org"
            name = clean_label(np.name)
            if np.title and len(name.split()) == 1 and not ents.lookup(name):
                name = f"{np.title} {name}"  # "Mme Lefèvre" when no full name is ever given
            e = ents.named(name, kind, recent)  # type: ignore[arg-type]
            if np.head:
                ents.add_role(e, np)
            if np.title and np.gender:
                e.vote(np.gender, 2.0)
        elif np.kind in ("role", "group", "org"):
            if app is None and ents.ambiguous(np):
                return None  # a role two people hold: null, not a guess
            if app is not None and app.name and app.kind in ("person", "name"):
                e = ents.named(clean_label(app.name), "person", recent)
                ents.add_role(e, np)
                if app.title and app.gender:
                    e.vote(app.gender, 2.0)
                if app.head:
                    ents.add_role(e, app)
                return e
            holder = ents.holder(np, recent) if np.definite else None
            if holder is None:
                holder = ents.periphrasis(np, recent)
            if holder is not None:
                e = holder
                if np.gender is not None and e.kind == "person":
                    # "la ministre" said of her settles what "le ministre bruxellois, Elke X" left open
                    e.vote(np.gender, 1.0 if np.gender == "f" else 0.5)
            elif (
                allow_anaphora
                and np.definite
                and np.kind == "role"
                and not np.complement
                and self.last_speaker is not None
            ):
                # "« … », résume l'universitaire": a definite role with nothing to tell it apart
                # names the person who just spoke, when the gender agrees.
                prev, _ = self.last_speaker
                pg = prev.gender
                if prev.named and prev.kind == "person" and (np.gender is None or pg is None or pg == np.gender):
                    e = prev
                    ents.add_role(e, np)
            if (
                e is None
                and np.kind == "org"
                and np.definite
                and not np.plural
                and not np.complement
                and np.head in lexicon().word_class("generic_organisations")
            ):
                # "« … », indique l'agence": the organisation just named, when one is near
                near = [x for x in recent[:3] if x.kind == "org" and x.named and not x.plural]
                if near:
                    e = near[0]
            if e is None and np.owner is not None and np.owner.is_speaker and np.head:
                # "le cabinet du ministre" and "le cabinet de M. Le Roux" are one speaker when
                # the minister is M. Le Roux
                owner = self._entity(np.owner, None)
                if owner is not None:
                    e = self.owned.get((np.head, owner.id))
                    if e is None:
                        e = ents.described(np, ())
                        self.owned[(np.head, owner.id)] = e
            if e is None:
                e = ents.described(np, recent) if np.definite else ents.described(np, ())
        elif np.kind == "carrier":
            if np.owner is not None and np.owner.is_speaker:
                owner_app = None
                e = self._entity(np.owner, owner_app)
                if e is not None:
                    ents.add_role(e, np)
            else:
                e = ents.holder(np, recent) if np.definite else None
        if e is not None and app is not None and app.kind in ("role", "group") and not app.name:
            ents.add_role(e, app)
        return e

    def _record(self, bi: int, a: int, b: int) -> None:
        """Read the narration ``tokens[a:b]`` of paragraph ``bi`` for mentions, sentence by sentence."""
        tokens = self.tokens_per[bi]
        if a >= b:
            return
        text = self.paragraphs[bi]
        quotes = self.quotes_per[bi]
        starts = [s for s in self.starts_per[bi] if a < s < b]
        bounds = [a, *starts, b]
        for s, e in itertools.pairwise(bounds):
            self._record_sentence(bi, tokens, text, quotes, s, e, s in self.starts_per[bi])

    def _record_sentence(
        self, bi: int, tokens: list[Token], text: str, quotes: dict[int, str], s: int, e: int, initial: bool
    ) -> None:
        sent = self._sentence_of(bi, s)
        done = s
        if initial:
            cue = selon_frame(tokens, s, e, text, self.ctx, quotes)
            if cue is not None:
                src = self._entity(cue.np, cue.app)
                if src is not None:
                    self.salience.add(src, sent, "source")
            colon = next((m for m in range(s, e) if tokens[m].is_punct(":")), None)
            for start in (s, colon + 1 if colon is not None else None):
                if start is None or start >= e:
                    continue
                end = self._subject(bi, tokens, text, quotes, start, e, sent)
                if end is not None:
                    done = max(done, end)
                    break
        k = done
        while k < e:
            t = tokens[k]
            if (t.kind == "quote" or t.is_punct(",")) and k + 1 < e:
                # "…, affirme X." / "« … » affirme-t-il": reported speech, its speaker is salient
                cue = incise(tokens, k + 1, text, self.ctx, quotes)
                if cue is not None and (cue.np.kind != "pronoun" or t.kind == "quote"):
                    ent, conf = self._from_cue(cue, sent, anaphora=False)
                    if ent is not None and conf >= _MIN_CONFIDENCE:
                        self.salience.add(ent, sent, "subject")
                        self.last_subject = (ent, bi, sent, True)
                    k = max(cue.end, k + 1)
                    continue
            if t.kind == "word" and (t.is_cap or t.low in lexicon().word_class("determiners")):
                np = parse_np(tokens, k, text, self.ctx, initial=k == s, quotes=quotes)
                if np is not None and np.end > k:
                    if np.is_speaker and np.kind != "pronoun":
                        app, end = apposition(tokens, np, text, self.ctx, quotes)
                        ent = self._entity(np, app)
                        if ent is not None:
                            self.salience.add(ent, sent, "other")
                        k = max(end, np.end)
                        continue
                    k = np.end
                    continue
            k += 1

    def _subject(
        self, bi: int, tokens: list[Token], text: str, quotes: dict[int, str], s: int, e: int, sent: int
    ) -> int | None:
        """Record the main subject of the clause ``tokens[s:e]``; the index after it, or None."""
        k, participles = main_subject_start(tokens, s, e, text, self.ctx)
        np = parse_np(tokens, k, text, self.ctx, initial=k == s, quotes=quotes) if k < e else None
        if np is None:
            return None
        app, end = apposition(tokens, np, text, self.ctx, quotes)
        if end + 1 < e and tokens[end].is_punct(",") and tokens[end + 1].low in lexicon().word_class("determiners"):
            # "Commentateur …, avec son complice, Jean-Michel Larqué, sa disparition a …": the
            # name closed the adjunct when the phrase after the comma runs straight into a verb.
            np2 = parse_np(tokens, end + 1, text, self.ctx, quotes=quotes)
            if np2 is not None and np2.end < e and not tokens[np2.end].is_punct(",;:.") and np2.kind != "pronoun":
                np, participles = np2, []
                app, end = apposition(tokens, np, text, self.ctx, quotes)
        subject: Entity | None = None
        if np.kind == "pronoun" and np.head in ("il", "elle"):
            subject, conf = self.salience.resolve(np.head, sent)
            if conf < _MIN_CONFIDENCE:
                subject = None
            elif subject is not None and not subject.settled and conf >= 0.9:
                subject.vote("f" if np.head == "elle" else "m", 1.0)  # "Elle explique": settled
        elif np.is_speaker:
            subject = self._entity(np, app)
        if subject is None:
            return end if np.kind != "pronoun" else np.end
        for p in participles:
            subject.vote("f" if p.low.endswith(("ée", "ées")) else "m", 1.0 if p.low.endswith("ée") else 0.3)
        self._agreement(subject, tokens, end, e)
        self.salience.add(subject, sent, "subject")
        if end + 1 < e and tokens[end].low == "et":
            # "Jean Dujardin et Marion Cotillard ont présenté": both are subjects
            other = parse_np(tokens, end + 1, text, self.ctx, quotes=quotes)
            if other is not None and other.is_speaker and other.kind != "pronoun":
                app2, end2 = apposition(tokens, other, text, self.ctx, quotes)
                second = self._entity(other, app2)
                if second is not None:
                    self.salience.add(second, sent, "subject")
                    end = end2
        v = find_speech_verb(tokens, end, e)
        if v >= 0 and lexicon().speech_forms.get(tokens[v].low) in _ELICITING and tokens[v - 1].low != "été":
            v = -1  # "Le juge a interrogé le prévenu." then « … »: the answer is the prévenu's
        speech = v >= 0 or addresses(tokens, s, e)
        self.last_subject = (subject, bi, sent, speech)
        return end

    def _agreement(self, ent: Entity, tokens: Sequence[Token], k: int, e: int) -> None:
        """``X s'est félicitée``, ``X est partie``: a participle agreeing with its subject."""
        lx = lexicon()
        aux = {"est", "était", "sera", "serait", "fut", "a", "avait", "été"}
        j = k
        seen_aux = False
        while j < e and j < k + 5:
            t = tokens[j]
            low = t.low
            if low in aux or low in ("s'", "s’", "se", "ne", "n'", "pas"):
                seen_aux = seen_aux or low in aux
                j += 1
                continue
            if seen_aux and t.kind == "word" and not t.is_cap and low not in lx.roles:
                if low.endswith("ée"):
                    ent.vote("f", 1.0)
                elif low.endswith("é") and tokens[j - 1].low in ("est", "était", "été", "fut"):
                    ent.vote("m", 0.3)
            break

    # --- rules --------------------------------------------------------------------------------

    def _reporter(self, np: NP, block: int, sentence: int) -> Entity | None:
        """``X précise que … . « … », indique le membre du département``: a definite description
        in the incise names the person the sentence before presented as speaking, when the
        gender agrees (the paragraph's salient speaker)."""
        if not np.definite or np.plural or np.kind != "role" or np.name or self.last_subject is None:
            return None
        if np.text.split()[0].lower() in ("son", "sa", "ses", "leur", "leurs"):
            return None  # "a précisé son porte-parole": someone else than the one it belongs to
        ent, sblock, ssent, speech = self.last_subject
        near = (sblock == block and sentence - ssent <= 1) or (sblock == block - 1 and sentence - ssent <= 3)
        if not speech or not near or not ent.named or ent.kind != "person":
            return None
        if np.gender is not None and ent.gender is not None and np.gender != ent.gender and ent.settled:
            return None
        if np.complement and any(h == np.head and c and c != np.complement for h, c in ent.roles):
            return None  # the government's spokesman is not "le porte-parole de la police"
        # a paragraph later, "la cheffe du DFJP" may be someone new: a role with a complement is
        # taken as her only when it is a woman's marked role and the text settled she is one
        if sblock != block and np.complement and not (np.gender == "f" and ent.gender == "f" and ent.settled):
            return None
        if self.entities.holder(np, self.salience.recent()) not in (None, ent):
            return None
        return ent

    def _last_mentioned(self, gender: Gender | None, sentence: int) -> tuple[Entity | None, float]:
        """``ce dernier`` / ``celle-ci``: the person of that gender mentioned last, a sentence or
        two back (not the subject: that is what the phrase is for)."""
        for m in reversed(self.salience.mentions):
            if sentence - m.sentence > 2:
                break
            e = m.entity
            if e.kind == "person" and not e.plural and e.gender == gender:
                return e, 0.75  # (a gender the text did not settle proves nothing: "à Namur")
        return None, 0.0

    def _described_subject(self, np: NP, sentence: int) -> Entity | None:
        """``Geir Pedersen a rencontré les délégations. « … », a ajouté le diplomate norvégien``:
        a bare definite role nobody holds, in an incise, is the named person who was the subject
        just before (this paragraph or the one before) when no one has spoken since and the
        gender agrees. A guess (0.65, flagged): journalists vary descriptions of who they follow."""
        if np.kind != "role" or not np.definite or np.plural or np.name or np.complement or self.last_subject is None:
            return None
        if np.text.split()[0].lower() in ("son", "sa", "ses", "leur", "leurs"):
            return None  # "son complice" is someone else than the one it belongs to
        if self.entities.holders(np):
            return None
        ent, sblock, _, _ = self.last_subject
        block = self._block_of(sentence)
        if not ent.named or ent.kind != "person" or sblock not in (block, block - 1):
            return None
        if self.last_speaker is not None and self.last_speaker[0] is not ent and self.last_speaker[1] >= sblock:
            return None  # someone else spoke since: "le diplomate" could be either
        if np.gender is not None and ent.gender is not None and np.gender != ent.gender:
            return None
        ranked = self.salience.scores(np.gender, False, sentence)
        if not ranked or ranked[0][1] is not ent or (len(ranked) > 1 and ranked[0][0] - ranked[1][0] < 0.75):
            return None  # "pour Obama, … », dénonce le Président-candidat": another is as salient
        return ent

    def _from_cue(self, cue: Cue, sentence: int, anaphora: bool = True) -> tuple[Entity | None, float]:
        np = cue.np
        if np.kind == "pronoun" and np.head in ("dernier", "dernière"):
            return self._last_mentioned(np.gender, sentence)
        if np.kind == "pronoun":
            if np.head not in ("il", "elle", "ils", "elles"):
                return None, 0.0
            ent, conf = self.salience.resolve(np.head, sentence)
            if ent is not None and np.head in ("il", "elle") and not ent.settled and conf >= 0.9:
                ent.vote("f" if np.head == "elle" else "m", 1.0)  # "Elle explique": the text settles it
            return ent, conf
        reporter = self._reporter(np, self._block_of(sentence), sentence) if anaphora and cue.app is None else None
        if reporter is not None:
            self.entities.add_role(reporter, np)
            return reporter, 0.75
        described = self._described_subject(np, sentence) if anaphora and cue.app is None else None
        if described is not None:
            self.entities.add_role(described, np)
            return described, 0.65
        ent = self._entity(np, cue.app, allow_anaphora=anaphora)
        if ent is None:
            return None, 0.0
        named = np.name or (cue.app is not None and cue.app.name)
        return ent, 0.95 if named else 0.85

    def _colon(self, bi: int, q: int) -> tuple[Entity | None, float, str]:
        tokens = self.tokens_per[bi]
        if q < 1 or not tokens[q - 1].is_punct(":"):
            return None, 0.0, ""
        text = self.paragraphs[bi]
        quotes = self.quotes_per[bi]
        b = q - 1
        a = max([s for s in self.starts_per[bi] if s <= b] or [0])
        semi = [m for m in range(a, b) if tokens[m].is_punct(";")]
        if semi:
            a = semi[-1] + 1
        sent = self._sentence_of(bi, b)
        cue = selon_frame(tokens, a, b, text, self.ctx, quotes)
        if cue is not None:
            ent, conf = self._from_cue(cue, sent, anaphora=False)
            if ent is not None:
                return ent, min(conf, 0.85), "selon_colon"
        v = find_speech_verb(tokens, a, b)
        if (
            v >= 0
            and v - a == 2
            and tokens[a].low == "et"
            and tokens[a + 1].low in ("d'", "d’", "de")
            and self.last_subject is not None
            and self.last_subject[1] == bi
        ):
            # "Et d'ajouter : « … »": the narrative infinitive keeps the sentence before's subject
            return self.last_subject[0], 0.8, "colon_frame"
        k0, _ = main_subject_start(tokens, a, b, text, self.ctx)
        if v >= 0:
            g = verb_group_start(tokens, a, v)
            np: NP | None = None
            app: NP | None = None
            if (
                v + 2 < b
                and tokens[v + 1].low == "par"
                and (
                    (agent := parse_np(tokens, v + 2, text, self.ctx, quotes=quotes)) is not None
                    and agent.is_speaker
                    and agent.kind != "pronoun"
                )
            ):
                # a passive: "X a été interpellé par une habitante :" — the agent speaks
                np, app = agent, apposition(tokens, agent, text, self.ctx, quotes)[0]
            elif g > a and tokens[g - 1].low in ("comme", "que", "qu'", "qu’"):
                # "comme le précise l'ambassadeur, X :": the subject follows the verb
                found = subject_after(tokens, v + 1, text, self.ctx, quotes)
                if found is not None:
                    np, app, _ = found
            elif not (g > a and tokens[g - 1].low == "en" and tokens[v].low.endswith("ant")):
                # (a gerund, "en tweetant", has the main clause's subject)
                np, how = subject_before(tokens, k0 if k0 <= g else a, g, text, self.ctx, quotes)
                if how == "coordinated":
                    np = None
            if np is None:
                np = parse_np(tokens, k0, text, self.ctx, initial=k0 == a, quotes=quotes) if k0 < b else None
            if np is not None:
                if np.kind == "pronoun" and np.head == "on":
                    return self._impersonal(tokens, text, quotes, a, b, sent)
                if app is None and np.kind != "pronoun":
                    app, _ = apposition(tokens, np, text, self.ctx, quotes)
                ent, conf = self._from_cue(Cue(np, b, app), sent)
                if ent is not None:
                    return ent, conf, "colon_frame"
            return None, 0.0, ""
        np = parse_np(tokens, k0, text, self.ctx, initial=k0 == a, quotes=quotes) if k0 < b else None
        if np is None:
            return None, 0.0, ""
        if np.kind == "pronoun" and np.head == "on":
            return self._impersonal(tokens, text, quotes, a, b, sent)
        app, _ = apposition(tokens, np, text, self.ctx, quotes) if np.kind != "pronoun" else (None, 0)
        ent, conf = self._from_cue(Cue(np, b, app), sent)
        if ent is None:
            return None, 0.0, ""
        return ent, min(conf, 0.7), "colon_subject"

    def _impersonal(
        self, tokens: list[Token], text: str, quotes: dict[int, str], a: int, b: int, sent: int
    ) -> tuple[Entity | None, float, str]:
        """``Sur la page Twitter de Pixar, on pouvait lire :``: the owner of the carrier speaks."""
        for k in range(a, b):
            np = parse_np(tokens, k, text, self.ctx, initial=k == a, quotes=quotes)
            if np is not None and np.kind == "carrier" and np.owner is not None:
                ent = self._entity(np, None)
                if ent is not None:
                    return ent, 0.8, "colon_frame"
        return None, 0.0, ""

    def _block_dash(self, bi: int, run: _Run) -> tuple[Entity | None, float]:
        text = self.paragraphs[bi]
        first, last = run.spans[0], run.spans[-1]
        if run.first_block != bi or text[last.end :].strip(" .") or text[: first.start].strip():
            return None, 0.0
        if bi + 1 >= len(self.paragraphs):
            return None, 0.0
        nxt = self.paragraphs[bi + 1].strip()
        if nxt[:1] not in DASHES:
            return None, 0.0
        tokens = self.tokens_per[bi + 1]
        k = next((m for m, t in enumerate(tokens) if not t.is_punct("—–-")), len(tokens))
        np = parse_np(tokens, k, self.paragraphs[bi + 1], self.ctx, quotes=self.quotes_per[bi + 1])
        if np is None or not np.is_speaker or np.kind == "pronoun":
            return None, 0.0
        app, _ = apposition(tokens, np, self.paragraphs[bi + 1], self.ctx)
        ent = self._entity(np, app)
        if ent is None:
            return None, 0.0
        self.attribution_lines.add(bi + 1)
        return ent, 0.9

    def _inner_incises(self, text: str, s: Span) -> list[tuple[int, int, Cue]]:
        """``« Moi, dit-il, je … »``, ``« Nous sommes prêts, a déclaré X. Les moyens … »``: incises
        inside a quote, between commas or closing a sentence the quote goes on after (ranges to cut)."""
        tokens = tokenize(text, s.inner_start, s.inner_end)
        speech = lexicon().speech_forms
        aux = lexicon().word_class("auxiliaries")
        out = []
        n = len(tokens)
        for k, t in enumerate(tokens):
            if not t.is_punct(",") or k + 1 >= n:
                continue
            cue = incise(tokens, k + 1, text, self.ctx)
            if cue is None or cue.end >= n:
                continue
            closes = tokens[cue.end].is_punct(".") and cue.end + 1 < n and tokens[cue.end + 1].is_cap
            if not tokens[cue.end].is_punct(",") and not closes:
                continue
            verb = speech.get(tokens[k + 1].low) or (
                tokens[k + 1].low in aux and k + 2 < n and speech.get(tokens[k + 2].low)
            )  # "dit X", "a déclaré X": a speech verb opens the incise
            if cue.np.kind != "pronoun" and not verb:
                continue
            out.append((tokens[k + 1].start, tokens[cue.end].end, cue))
        return out

    def _resolve(self, run: _Run) -> tuple[Entity | None, float, str, int]:
        """Speaker, confidence, rule, and the token where the cue after the run ends."""
        bi = run.block
        tokens = self.tokens_per[bi]
        text = self.paragraphs[bi]
        quotes = self.quotes_per[bi]
        sent = self._sentence_of(bi, run.last_token)
        last_q = run.last_token
        # 1. an incise after the run, or between its quotes
        inner_quotes = [
            k for k in range(run.first_token if run.first_block == bi else 0, last_q) if tokens[k].kind == "quote"
        ]
        for k in [last_q, *inner_quotes]:
            cue = incise(tokens, k + 1, text, self.ctx, quotes)
            if cue is not None and cue.np.kind == "pronoun" and cue.np.head == "on":
                # "« … », peut-on lire dans le communiqué du ministère": the carrier's owner
                stop = next((m for m in range(cue.end, len(tokens)) if tokens[m].is_punct(_SENT_END)), len(tokens))
                ent, conf, _ = self._impersonal(tokens, text, quotes, cue.end, stop, sent)
                return ent, conf, "incise", (stop if ent is not None else cue.end)
            if cue is not None:
                ent, conf = self._from_cue(cue, sent)
                end = cue.end if k == last_q else last_q + 1
                if ent is None:
                    # "« … », a-t-elle ajouté" with no one to resolve to: who is unknown, but
                    # not her gender (casting may use it for the neutral voice)
                    if cue.np.kind == "pronoun" and cue.np.head in ("il", "elle"):
                        said: Gender = "f" if cue.np.head == "elle" else "m"
                        other = "m" if said == "f" else "f"
                        # unless the pronoun contradicts the person near ("la ministre … a-t-il")
                        if other not in self.salience.near_genders:
                            self.null_gender = said
                    return None, conf, "incise", end
                return ent, conf, "incise", end
        # 1b. an incise closing the sentence after an aside: "« … », y compris X, commente Y."
        k = last_q + 1
        while k < len(tokens) and not tokens[k].is_punct(_SENT_END) and tokens[k].kind != "quote":
            if tokens[k].is_punct(",") and k > last_q + 1:
                cue = incise(tokens, k + 1, text, self.ctx, quotes)
                if (
                    cue is not None
                    and cue.np.kind != "pronoun"
                    and (cue.end >= len(tokens) or tokens[cue.end].is_punct(_SENT_END))
                ):
                    ent, conf = self._from_cue(cue, sent)
                    if ent is not None:
                        return ent, min(conf, 0.8), "incise", cue.end
            k += 1
        # 2. a clause before a colon, in the quote's paragraph or closing the one before
        if not run.spans[0].continues_before:
            ent, conf, rule = self._colon(run.first_block, run.first_token)
            if rule:
                return ent, conf, rule, last_q + 1
            fb = run.first_block
            prev_tokens = self.tokens_per[fb - 1] if fb > 0 else []
            opens = all(t.kind == "punct" for t in self.tokens_per[fb][: run.first_token])
            if opens and prev_tokens and prev_tokens[-1].is_punct(":"):
                # "La blogueuse X a écrit :" then the quote as its own paragraph
                ent, conf, rule = self._colon(fb - 1, len(prev_tokens))
                if rule:
                    return ent, conf, rule, last_q + 1
        # 3. a block quote and a "— Name" line
        ent, conf = self._block_dash(bi, run)
        if ent is not None:
            return ent, conf, "block_dash", last_q + 1
        # 4. inside the quote: « Moi, dit-il, je … »
        for s in run.spans:
            for _a, _b, cue in self._inner_incises(self.paragraphs[s.block], s):
                ent, conf = self._from_cue(cue, sent)
                if ent is not None:
                    return ent, conf, "inner_incise", last_q + 1
        # 5. no clause: the quote it continues, or the subject that just reported speech
        if self.last_run is not None:
            # only punctuation between the previous quote's attribution and this quote
            prev, pblock, pend, pconf = self.last_run
            fb, ft = run.first_block, run.first_token
            if pblock == fb:
                ends = [k for k in self.starts_per[fb] if k >= pend]
                stop = ends[0] if ends else len(self.tokens_per[fb])
                # a new sentence: nothing but punctuation since the one that closed the last quote;
                # the same sentence: "…, lui avait dit X, avant de poursuivre « … »"
                between = self.tokens_per[fb][stop:ft] if ft >= stop else _unchained(self.tokens_per[fb][pend:ft])
            elif pblock == fb - 1:
                between = self.tokens_per[pblock][pend:] + self.tokens_per[fb][:ft]
            else:
                between = [Token("x", 0, 0, "word")]
            if all(t.kind == "punct" for t in between):
                # a continuation is never surer than the quote it continues
                conf = min(pconf, 0.8 if pblock == fb else 0.7) if prev is not None else 0.0
                return prev, conf, "continuation", last_q + 1
        if self.last_subject is not None:
            ent, sblock, ssent, speech = self.last_subject
            fb = run.first_block
            if sblock == fb and self._sentence_of(fb, run.first_token) - ssent <= 1:
                return ent, 0.65 if speech else 0.45, "salience", last_q + 1
            opens = all(t.kind == "punct" for t in self.tokens_per[fb][: run.first_token])
            quiet = self.last_run is None or self.last_run[1] < sblock or self.last_run[0] is ent
            if (
                speech
                and opens
                and quiet
                and sblock == fb - 1
                and ssent >= self._base(fb) - 3  # one of the last two sentences of that paragraph
                and ent.kind == "person"
                and not ent.plural
            ):
                # "X a salué l'équipe avant de s'adresser à la presse." then « … »: the person
                # just presented speaking or addressing an audience says it.
                return ent, 0.6, "salience", last_q + 1
        ent = self._cataphora(run)
        if ent is not None:
            return ent, 0.8, "cataphora", last_q + 1
        return None, 0.0, "none", last_q + 1

    def _cataphora(self, run: _Run) -> Entity | None:
        """``« … » C'est par ces mots que X a ouvert son discours.``: the sentence right after
        the quote (in its paragraph, or opening the next one) names who said it."""
        bi = run.block
        tokens = self.tokens_per[bi][run.last_token + 1 :]
        block = bi
        if not any(t.kind == "word" for t in tokens):
            if bi + 1 >= len(self.paragraphs):
                return None
            block = bi + 1
            tokens = self.tokens_per[block]
        k = next((m for m, t in enumerate(tokens) if t.kind != "punct"), len(tokens))
        if k + 2 >= len(tokens) or tokens[k].low not in ("c'", "c’") or tokens[k + 1].low != "est":
            return None
        frame = {"par", "en", "avec", "sur", "ainsi", "ces", "ce", "cette", "de", "mots", "termes", "phrase",
                 "propos", "paroles", "formule"}  # fmt: skip
        j = k + 2
        while j < len(tokens) and j < k + 8 and tokens[j].low in frame:
            j += 1
        if j == k + 2 or j + 1 >= len(tokens) or tokens[j].low not in ("que", "qu'", "qu’"):
            return None
        np = parse_np(tokens, j + 1, self.paragraphs[block], self.ctx, quotes=self.quotes_per[block])
        if np is None or not np.is_speaker or np.kind == "pronoun":
            return None
        app, _ = apposition(tokens, np, self.paragraphs[block], self.ctx, self.quotes_per[block])
        return self._entity(np, app)

    def _base(self, block: int) -> int:
        """The global number of the first sentence of ``block``."""
        self._block_of(0)  # fills the cumulative counts
        return self._bases[block - 1] if block > 0 else 0

    # --- the pass -----------------------------------------------------------------------------

    def _runs(self, bi: int) -> list[list[int]]:
        """Token indices of standalone quotes, grouped into runs that share one attribution."""
        tokens = self.tokens_per[bi]
        spans = self.spans_per[bi]
        qs = [k for k, t in enumerate(tokens) if t.kind == "quote" and spans[t.span].standalone]
        runs: list[list[int]] = []
        for k in qs:
            if runs:
                p = runs[-1][-1]
                gap = tokens[p + 1 : k]
                first = runs[-1][0]
                framed = first > 0 and tokens[first - 1].is_punct(":")
                closed = tokens[p].text.rstrip(" \u00a0\u202f" + QUOTE_CHARS).endswith(tuple(_SENT_END))
                if all(t.is_punct(",;") for t in gap) and not (framed and closed):
                    # « A » « B », dit X: one attribution for both; but a quote its colon
                    # introduced, once its sentence is closed, is not the next quote's too.
                    runs[-1].append(k)
                    continue
                cue = incise(tokens, p + 1, self.paragraphs[bi], self.ctx, self.quotes_per[bi])
                if (
                    cue is not None
                    and cue.end < k
                    and all(t.is_punct(",;") for t in tokens[cue.end : k])
                    and tokens[k - 1].is_punct(",")
                ):
                    runs[-1].append(k)
                    continue
            runs.append([k])
        return runs

    def detect(self) -> list[list[Piece]]:
        """Pieces for every paragraph, in order."""
        pending: _Run | None = None
        for bi in range(len(self.paragraphs)):
            tokens = self.tokens_per[bi]
            spans = self.spans_per[bi]
            cursor = 0
            for run_tokens in self._runs(bi):
                run_spans = [spans[tokens[k].span] for k in run_tokens]
                if pending is not None and run_spans[0].continues_before:
                    run = pending
                    run.spans.extend(run_spans)
                    run.block = bi
                    run.last_token = run_tokens[-1]
                    pending = None
                else:
                    self._record(bi, cursor, run_tokens[0])
                    run = _Run(run_spans, bi, bi, run_tokens[0], run_tokens[-1])
                if run_spans[-1].continues_after:
                    pending = run
                    cursor = len(tokens)
                    break
                self.null_gender = None
                ent, conf, rule, end = self._resolve(run)
                speaker = ent if ent is not None and conf >= _MIN_CONFIDENCE else None
                for s in run.spans:
                    s.speaker = speaker.name if speaker is not None else None
                    s.gender = speaker.gender if speaker is not None else self.null_gender
                    s.rule = rule
                    s.confidence = round(conf if speaker is not None else 0.0, 2)
                sent = self._sentence_of(bi, run.last_token)
                if speaker is not None:
                    self.salience.add(speaker, sent, "speaker")
                    self.last_speaker = (speaker, bi)
                self.last_run = (speaker, bi, end, conf if speaker is not None else 0.0)
                cursor = end
            if pending is None or pending.block != bi:
                self._record(bi, cursor, len(tokens))
            self.sentence_base += len(self.starts_per[bi]) + 1  # a paragraph break counts as a sentence
        # genders settle over the whole article: give each quote its speaker's final gender
        by_name = {e.name: e for e in self.entities.items}
        for spans in self.spans_per:
            for s in spans:
                if s.speaker is not None and s.speaker in by_name:
                    s.gender = by_name[s.speaker].gender
        pieces = [self._pieces(bi) for bi in range(len(self.paragraphs))]
        self._interview_turns(pieces)
        return pieces

    # --- output -------------------------------------------------------------------------------

    def _pieces(self, bi: int) -> list[Piece]:
        text = self.paragraphs[bi]
        pieces: list[Piece] = []
        cursor = 0
        for s in self.spans_per[bi]:
            if not s.standalone:
                continue
            if s.start > cursor:
                pieces.append(Piece("narration", text[cursor : s.start]))
            att = Attribution(s.rule, s.confidence)
            # An insert at the very start restores the speaker's own words ("[C'est] inacceptable"):
            # it stays in the quote; inserts inside or at the end are the editor's, for the anchor.
            inserts = [(a, b) for a, b in editorial_inserts(text, s) if words(text[s.inner_start : a])]
            cuts = sorted(inserts + [(a, b) for a, b, _ in self._inner_incises(text, s)])
            pos = s.inner_start
            for a, b in cuts:
                if a < pos:
                    continue
                pieces.append(Piece("quote", text[pos:a], s.speaker, s.gender, att))
                pieces.append(Piece("narration", text[a:b]))
                pos = b
            pieces.append(Piece("quote", text[pos : s.inner_end], s.speaker, s.gender, att))
            cursor = s.end
        if cursor < len(text):
            pieces.append(Piece("narration", text[cursor:]))
        return [p for p in pieces if words(p.text)] or [Piece("narration", text)]

    def _last_full_name(self, before_block: int) -> str | None:
        """The last person named with a full name before a block (the person an interview is with)."""
        for bi in range(before_block - 1, -1, -1):
            tokens = self.tokens_per[bi]
            found = None
            for k, t in enumerate(tokens):
                if t.is_cap and (k == 0 or not tokens[k - 1].is_cap):
                    np = parse_np(tokens, k, self.paragraphs[bi], self.ctx)
                    if np is not None and np.name and len(np.name.split()) >= 2 and np.kind in ("name", "person"):
                        found = self.entities.named(np.name).name
            if found:
                return found
        return None

    def _interview_turns(self, pieces: list[list[Piece]]) -> None:
        """Interview dashes (— Question ? — Réponse.): each turn is a quote, questions by the
        interviewer, answers by the person interviewed (the last person named before)."""
        guest: str | None = None
        for bi, text in enumerate(self.paragraphs):
            stripped = text.strip()
            if stripped[:1] not in DASHES or bi in self.attribution_lines:
                continue
            if any(s.standalone for s in self.spans_per[bi]):
                continue
            turns = [t for t in re.split(r"(?:^|\s)[—–]\s*", stripped) if words(t)]
            if not turns or (len(turns) == 1 and not turns[0].rstrip().endswith(tuple(_SENT_END))):
                continue  # "— Sonia Dridi, journaliste": a signature line, not a turn
            if guest is None:
                guest = self._last_full_name(bi)
            att = Attribution("interview", 0.6)
            out: list[Piece] = []
            for turn in turns:
                if turn.rstrip().endswith("?"):
                    out.append(Piece("quote", turn, "le journaliste", None, att))
                else:
                    out.append(Piece("quote", turn, guest, None, att if guest else Attribution("interview", 0.0)))
            pieces[bi] = out


def detect_quotes(paragraphs: Sequence[str]) -> list[list[Piece]]:
    """Split each paragraph into narration and quote pieces, with speakers resolved."""
    return QuoteDetector(paragraphs).detect()


__all__ = ["Piece", "QuoteDetector", "detect_quotes"]
