"""Speakers and casting over whole articles: every corpus article (skipped without ../shared)
and the sample articles shipped in ``tests/samples/quotes_*.txt`` (text written for the tests).

Two promises are checked on all of them: a speaker shown by the script is a person, a group or
an organisation (the mention filter, plus independent sanity checks), and casting follows the
gold genders with one voice per person and no voice shared by two speakers of an article.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from pathlib import Path

import pytest

from bulletin.article import read_article
from bulletin.engines import get_engine
from bulletin.french import MONTHS, WEEKDAYS
from bulletin.quotes import is_speaker_mention
from bulletin.quotes.lexicon import lexicon
from bulletin.script import Script, build_script

from .conftest import ROOT, SHARED
from .scoring import covered, speaker_ok, words

SAMPLES = sorted((ROOT / "tests" / "samples").glob("quotes_*.txt"))
CORPUS = SHARED / "corpus"
CORPUS_ARTICLES = sorted(CORPUS.glob("*/*.txt")) if CORPUS.is_dir() else []
DEV = [p for p in CORPUS_ARTICLES if p.parent.name in ("dev", "dev2")]
VOICES = get_engine("espeak").voices("fr-FR")
_scripts: dict[Path, Script] = {}


def script_of(path: Path) -> Script:
    if path not in _scripts:
        _scripts[path] = build_script(read_article(path), VOICES)
    return _scripts[path]


def sane(speaker: str) -> str | None:
    """Why a speaker label is not a plausible person or organisation, or None when it is."""
    lx = lexicon()
    toks = speaker.split()
    if not speaker or speaker != speaker.strip() or re.search(r"^[\W_]|[\W_]$", speaker.replace(".", "a")):
        return "punctuation at an end"
    if re.search(r"[«»“”\"]", speaker):
        return "a quote mark"
    if speaker[0].isdigit():
        return "starts with a digit"
    if any(t.lower() in MONTHS or t.lower() in WEEKDAYS for t in toks):
        return "a date"
    if len(toks) > 10:
        return "clause-length"
    if speaker == speaker.lower():
        lows = {w.strip(".,'’").lower() for w in re.split(r"[\s'’]+", speaker)}
        nouns = set(lx.roles) | lx.organisations | lx.carriers
        if not lows & nouns:
            return "lowercase words that name no role or organisation"
    return None


def check_speakers(path: Path) -> None:
    for seg in script_of(path).segments:
        if seg.kind != "quote" or seg.speaker is None or seg.speaker == "le journaliste":
            continue
        assert is_speaker_mention(seg.speaker), (path.name, seg.speaker)
        assert sane(seg.speaker) is None, (path.name, seg.speaker, sane(seg.speaker))


@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: p.name)
def test_sample_speakers_are_people_or_organisations(path: Path) -> None:
    check_speakers(path)


@pytest.mark.skipif(not CORPUS_ARTICLES, reason="../shared/corpus is not beside the repository")
@pytest.mark.parametrize("path", CORPUS_ARTICLES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_corpus_speakers_are_people_or_organisations(path: Path) -> None:
    check_speakers(path)


def test_sanity_checks_catch_what_they_should() -> None:
    for bad in ("le 27 février 2009", "» Lee Unkrich", "son franc-parler lors des matchs", "12 juillet", "Interrogée,"):
        assert sane(bad) is not None or not is_speaker_mention(bad), bad
    for good in ("Lee Unkrich", "le ministre", "la NASA", "un habitant du quartier", "Mme Lefèvre"):
        assert sane(good) is None and is_speaker_mention(good), good


def casting_report(paths: list[Path]) -> tuple[int, int, int, list[str]]:
    """(gendered quotes, wrong-gender voices, of which correctly attributed, problems)."""
    voices = {v.id: v for v in VOICES}
    gendered = wrong = wrong_right_speaker = 0
    problems: list[str] = []
    for path in paths:
        gold = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))
        script = script_of(path)
        quotes = [s for s in script.segments if s.kind == "quote"]
        by_person: dict[str, set[str]] = defaultdict(set)
        for g in gold["quotes"]:
            gw = words(g["text"])
            inside = [s for s in quotes if words(s.text) and covered(words(s.text), gw) >= 0.8]
            for s in inside:
                right = speaker_ok(s.speaker, g)
                if g.get("speaker") is not None and right and s.speaker is not None:
                    by_person[g["speaker"]].add(s.voice)
                if g.get("gender") in ("f", "m"):
                    gendered += 1
                    if voices[s.voice].gender != g["gender"]:
                        wrong += 1
                        wrong_right_speaker += right and s.speaker is not None
                        problems.append(f"{path.name}: {s.speaker!r} ({g['gender']}) in {s.voice}")
        for person, used in by_person.items():
            if len(used) > 1:
                problems.append(f"{path.name}: {person} has voices {sorted(used)}")
        # two speakers of one article never share a voice (the pool has 8; the neutral one apart)
        named = {s.speaker: s.voice for s in quotes if s.speaker}
        if len(named) <= 4 and len(set(named.values())) != len(named):
            problems.append(f"{path.name}: speakers share a voice: {named}")
        neutral = {s.voice for s in quotes if s.speaker is None}
        if neutral & set(named.values()) and len(named) <= 3:
            problems.append(f"{path.name}: the neutral voice is also a named speaker's")
    return gendered, wrong, wrong_right_speaker, problems


@pytest.mark.skipif(not DEV, reason="../shared/corpus is not beside the repository")
def test_casting_follows_gold_gender_over_dev_and_dev2() -> None:
    gendered, wrong, wrong_right, problems = casting_report(DEV)
    assert gendered >= 50  # the check means something only over many gendered quotes
    person_problems = [p for p in problems if "has voices" in p or "share" in p or "neutral" in p]
    assert not person_problems, person_problems
    assert wrong_right == 0, problems  # a correctly attributed speaker never gets the other gender
    assert wrong <= 0.02 * gendered, problems  # at most 2 %, where attribution itself is wrong


def test_casting_follows_gold_gender_on_samples() -> None:
    gendered, wrong, _, problems = casting_report(SAMPLES)
    assert gendered >= 8
    assert wrong == 0 and not problems, problems
