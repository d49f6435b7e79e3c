"""Who a pronoun stands for: salience, not general coreference (DESIGN.md §6).

Every mention of an entity is remembered with the sentence it is in and the part it plays:
the speaker of a quote, the subject of a sentence, a source introduced by "Selon / Pour X,", or
anything else (an object, a complement). A pronoun goes to the entity with the best score:
the part it played (speakers and subjects over objects), how many sentences back it was, and
gender agreement (a mismatch rules it out). A close second means the text does not settle it.
Contradictions give no speaker rather than a guess: "il" for someone written with a feminine
role, an organisation while a person is near, an entity only ever seen as an object ("à Hal"),
or two people told apart only because one's gender is unknown.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from typing import Literal

from .lexicon import Gender
from .mentions import Entity

MentionRole = Literal["speaker", "subject", "source", "other"]

_WEIGHT: dict[MentionRole, float] = {"speaker": 3.0, "subject": 2.5, "source": 2.5, "other": 0.5}
_PREVIOUS = 0.5  # the sentence just before costs little: its subject is the usual antecedent
_PER_SENTENCE = 1.0  # each sentence further back
_REACH = 6  # sentences back that a pronoun may reach
_PROMINENCE = 0.25  # per earlier time an entity was a subject or a speaker (the article's topic)
_MAX_PROMINENCE = 1.5
_UNKNOWN_GENDER = 0.75


@dataclass(frozen=True)
class Mention:
    entity: Entity
    sentence: int
    """Global sentence counter of the article."""
    role: MentionRole


class Salience:
    """Recent mentions of one article, in order."""

    def __init__(self) -> None:
        self.mentions: deque[Mention] = deque(maxlen=64)
        self.prominence: dict[int, int] = {}
        self.weak: set[int] = set()
        """Entity ids the last :meth:`scores` saw only as objects or complements."""
        self.near_genders: set[Gender | None] = set()
        """Genders of the persons the last :meth:`scores` could reach (a contradiction check)."""

    def add(self, entity: Entity, sentence: int, role: MentionRole) -> None:
        self.mentions.append(Mention(entity, sentence, role))
        if role in ("speaker", "subject"):
            self.prominence[entity.id] = self.prominence.get(entity.id, 0) + 1

    def recent(self) -> list[Entity]:
        """Entities most recently mentioned first (each once)."""
        seen: list[Entity] = []
        for m in reversed(self.mentions):
            if m.entity not in seen:
                seen.append(m.entity)
        return seen

    def scores(self, gender: Gender | None, plural: bool, sentence: int) -> list[tuple[float, Entity]]:
        """Candidates for a pronoun in ``sentence``, best first: persons before anything else."""
        best: dict[int, tuple[float, Entity]] = {}
        person_near = False
        self.weak = set()
        self.near_genders = set()
        roles: dict[int, set[MentionRole]] = {}
        for m in self.mentions:
            back = sentence - m.sentence
            if back < 0 or back > _REACH:
                continue
            e = m.entity
            many = e.plural or e.kind == "group"
            if plural != many and not (plural and e.kind == "org"):
                continue
            person_near = person_near or e.kind == "person"
            if e.kind == "person":
                self.near_genders.add(e.gender)
            roles.setdefault(e.id, set()).add(m.role)
            eg = e.gender
            mismatch = gender is not None and eg is not None and eg != gender
            if mismatch and e.settled:
                continue
            if gender == "m" and e.f_votes >= 1.0:
                continue  # a feminine role, title or agreement was written of her: "il" is not her
            score = _WEIGHT[m.role] - (0.0 if back == 0 else _PREVIOUS + _PER_SENTENCE * (back - 1))
            if mismatch:
                score -= 1.0  # "l'expert … Elle explique": a masculine role noun settles little
            score += min(_MAX_PROMINENCE, _PROMINENCE * self.prominence.get(e.id, 0))
            if gender is not None and eg is None:
                score -= _UNKNOWN_GENDER
            if e.id not in best or best[e.id][0] < score:
                best[e.id] = (score, e)
        ranked = sorted(best.values(), key=lambda x: (-x[0], -x[1].id))
        # Entities seen only as objects or complements ("à Hal", "devant le Parlement"): a
        # pronoun that can only reach them is a guess.
        # A person named in full ("exclu Antoni Pastor") is a fine antecedent even as an object;
        # a lone word is more often a place or a thing ("à Hal", "devant le Parlement").
        self.weak = {
            e.id
            for _, e in best.values()
            if roles.get(e.id) == {"other"} and (not e.named or len(e.name.split()) < 2 or e.kind != "person")
        }
        if not plural:
            # "il"/"elle" stand for a person whenever one fits; an organisation only when no
            # person at all is near (a person of the other gender near makes it a contradiction)
            persons = [x for x in ranked if x[1].kind == "person"]
            return persons or ([] if person_near else ranked)
        return ranked

    def resolve(self, pronoun: str, sentence: int) -> tuple[Entity | None, float]:
        """The entity ``il``/``elle``/``ils``/``elles`` stands for, and the confidence (0–1)."""
        low = pronoun.lower()
        gender: Gender | None = "f" if low.startswith("elle") else ("m" if low.startswith("il") else None)
        ranked = self.scores(gender, low.endswith("s") and low != "on", sentence)
        if not ranked or ranked[0][0] < -2.5:
            return None, 0.0
        top = ranked[0][0]
        if ranked[0][1].id in self.weak:
            return ranked[0][1], 0.4  # never a subject or a speaker: below the threshold
        if len(ranked) == 1:
            conf = 0.9 if top >= 1.0 else (0.75 if top >= 0.0 else 0.55)
        else:
            margin = top - ranked[1][0]
            conf = 0.9 if margin >= 1.5 else 0.75 if margin >= 0.75 else 0.55 if margin >= 0.25 else 0.35
            if top < 0.0:
                conf = min(conf, 0.55)
            rival = ranked[1][1]
            close = margin < _UNKNOWN_GENDER + 0.25
            if gender is not None and rival.gender is None and rival.kind == "person" and close:
                # "Paul Roux et Jean Lenoir … a-t-il dit": only the rival's unknown gender set them
                # apart, and an unknown gender does not rule anyone out
                conf = min(conf, 0.45)
        return ranked[0][1], conf
