"""Interviews (issue 22): transcript turns voiced by their speakers, labels not read.

The transcripts under tests/samples/interview_*.txt are written for these tests. Every shape
the press uses is covered (a speaker line in capitals, Q.-/R.-, "Prénom NOM :", "— Question :"),
each turn must be a quote segment of the right speaker, interviewer and guest one voice each
(cast by gender), no label spoken, the title and introduction the anchor's.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from bulletin.article import parse_text, read_article
from bulletin.engines import get_engine
from bulletin.quotes.interview import INTERVIEWER, find_interview
from bulletin.script import build_script

from .conftest import ROOT, run_cli

VOICES = get_engine("espeak").voices("fr-FR")
SAMPLES = ROOT / "tests" / "samples"
VOICE_GENDER = {v.id: v.gender for v in VOICES}


def quotes(path: Path) -> list[tuple[str | None, str]]:
    script = build_script(read_article(path), VOICES)
    return [(s.speaker, s.text) for s in script.segments if s.kind == "quote"]


@pytest.mark.parametrize(
    ("sample", "interviewer", "guest", "labels"),
    [
        ("interview_caps.txt", "Sophie Delvaux", "Marc Verhaegen", ["SOPHIE DELVAUX", "MARC VERHAEGEN"]),
        ("interview_qr.txt", "Tom Willems", "Claire Lambert", ["Q.-", "R.-"]),
        ("interview_names.txt", "Julie Martin", "Paul Renard", ["Julie MARTIN", "Paul RENARD"]),
        ("interview_dashes.txt", INTERVIEWER, "Nadia Benali", ["— Question", "— Nadia Benali"]),
    ],
)
def test_each_turn_is_a_quote_of_its_speaker_with_one_voice_each(
    sample: str, interviewer: str, guest: str, labels: list[str]
) -> None:
    path = SAMPLES / sample
    script = build_script(read_article(path), VOICES)
    turns = [s for s in script.segments if s.kind == "quote"]
    speakers = [s.speaker for s in turns]
    assert speakers[0] == interviewer and guest in speakers
    assert set(speakers) == {interviewer, guest}
    assert all(s.attribution is not None and s.attribution.rule == "interview" for s in turns)
    # one voice per person, two different voices, and the anchor's is neither
    voice = {sp: {s.voice for s in turns if s.speaker == sp} for sp in (interviewer, guest)}
    assert all(len(v) == 1 for v in voice.values())
    assert voice[interviewer] != voice[guest]
    anchor = next(s.voice for s in script.segments if s.kind == "title")
    assert anchor not in voice[interviewer] | voice[guest]
    # no label is read: neither in the spoken text nor as a chapter heading
    spoken = " ".join(s.spoken for s in script.segments)
    for label in labels:
        assert label not in " ".join(s.text for s in turns)
    assert not re.search(r"\b(?:SOPHIE|MARC|MARTIN|RENARD)\b", spoken)
    for s in turns:
        first = s.spoken.split()[0].lower().strip(".-—:")
        assert first not in ("q", "r", "question", "réponse", "nadia", "julie", "paul", "sophie", "marc")
    assert [s.kind for s in script.segments if s.kind == "heading"] == []
    # the anchor reads the title and the introduction
    assert script.segments[0].kind == "title" and script.segments[1].kind == "narration"


def test_genders_cast_the_voices() -> None:
    script = build_script(read_article(SAMPLES / "interview_caps.txt"), VOICES)
    by_speaker = {s.speaker: s for s in script.segments if s.kind == "quote"}
    assert by_speaker["Sophie Delvaux"].gender == "f" and VOICE_GENDER[by_speaker["Sophie Delvaux"].voice] == "f"
    assert by_speaker["Marc Verhaegen"].gender == "m" and VOICE_GENDER[by_speaker["Marc Verhaegen"].voice] == "m"


def test_a_paragraph_after_a_turn_goes_on_with_its_speaker() -> None:
    found = quotes(SAMPLES / "interview_caps.txt")
    assert ("Marc Verhaegen", "Nous avons aussi rénové la Grand-Place, ce que les habitants demandaient depuis "
            "longtemps.") in found  # fmt: skip


def test_the_closing_credit_is_the_anchors_and_names_the_interviewer() -> None:
    script = build_script(read_article(SAMPLES / "interview_qr.txt"), VOICES)
    last = script.segments[-1]
    assert last.kind == "narration" and last.text == "Propos recueillis par Tom Willems."


def test_every_word_but_the_labels_is_spoken_in_order() -> None:
    path = SAMPLES / "interview_names.txt"
    script = build_script(read_article(path), VOICES)
    said = [w for s in script.segments for w in re.findall(r"\w+", s.text.lower())]
    body = path.read_text(encoding="utf-8").split("\n", 2)[2]
    body = re.sub(r"^(?:Julie MARTIN|Paul RENARD) :", "", body, flags=re.M)
    expected = re.findall(r"\w+", body.lower())
    it = iter(said)
    assert all(w in it for w in expected)


@pytest.mark.parametrize(
    "text",
    [
        # a single "Note :" is no transcript
        "title: Le budget\n\nLe conseil a voté le budget.\n\nNote : les chiffres sont provisoires.\n",
        # names with a colon that never alternate
        "title: Programme\n\nJean Dupont : ouverture.\n\nJean Dupont : clôture.\n",
        # questions with nobody answering
        "title: FAQ\n\nQ.- Où voter ?\n\nQ.- Quand voter ?\n",
        # answers with no guest to give them to
        "title: Réponses\n\nLe texte suit.\n\nR.- Oui.\n\nQ.- Et ensuite ?\n\nR.- Non.\n",
        # labels that name nobody the title or introduction presents
        "title: Compte rendu\n\nLa séance a duré deux heures.\n\nAB CD : oui.\n\nEF GH : non.\n\nAB CD : peut-être.\n",
        # a capitals sub-heading that is not a name
        "title: Sport\n\nLe match a eu lieu.\n\nLES CHIFFRES\n\nTrois buts.\n\nLA SUITE\n\nUn autre match.\n",
    ],
)
def test_what_is_not_an_interview(text: str) -> None:
    art = parse_text(text)
    assert find_interview(art.title, [(b.kind, b.text) for b in art.blocks]) is None
    script = build_script(art, VOICES)
    assert all(s.attribution is None or s.attribution.rule != "interview" for s in script.segments)


def test_a_label_that_names_a_person_of_the_introduction_is_that_person() -> None:
    text = (
        "title: Rencontre\n\nLa chercheuse Léa Dumas et le député Karim Ziani ont débattu à Liège.\n\n"
        "DUMAS : Le climat n'attend pas.\n\nZIANI : Les emplois non plus.\n\nDUMAS : Alors agissons.\n"
    )
    art = parse_text(text)
    found = find_interview(art.title, [(b.kind, b.text) for b in art.blocks], {"Léa Dumas": "f", "Karim Ziani": "m"})
    assert found is not None
    assert [(t.speaker, t.gender) for t in found.turns] == [
        ("Léa Dumas", "f"),
        ("Karim Ziani", "m"),
        ("Léa Dumas", "f"),
    ]


def test_bulletin_script_shows_the_turns_with_their_speakers() -> None:
    path = SAMPLES / "interview_caps.txt"
    table = run_cli("script", str(path))
    assert table.returncode == 0, table.stderr
    rows = [line for line in table.stdout.splitlines() if "│ quote" in line]
    assert len(rows) == 5
    assert sum("Sophie Delvaux" in r for r in rows) == 2 and sum("Marc Verhaegen" in r for r in rows) == 3
    assert all("interview" in r for r in rows)
    doc = json.loads(run_cli("script", str(path), "--format", "json").stdout)
    turns = [s for s in doc["segments"] if s["kind"] == "quote"]
    assert [s["speaker"] for s in turns] == ["Sophie Delvaux", "Marc Verhaegen", "Marc Verhaegen", "Sophie Delvaux",
                                             "Marc Verhaegen"]  # fmt: skip
    assert len(doc["speakers"]) == 2 and len(set(doc["speakers"].values())) == 2


def test_the_outlet_asks_and_a_titled_surname_answers() -> None:
    text = (
        "title: « L'école doit changer » : entretien avec Jean Dupont\n\n"
        "Le pédagogue Jean Dupont publie un essai sur l'école. Il a répondu aux questions du Soir.\n\n"
        "Le Soir : Pourquoi ce livre ?\n\nM. Dupont : Parce que l'école ne suit plus.\n\n"
        "Le Soir : Que proposez-vous ?\n\nM. Dupont : Moins d'élèves par classe.\n"
    )
    script = build_script(parse_text(text), VOICES)
    turns = [(s.speaker, s.text) for s in script.segments if s.kind == "quote"]
    assert turns == [
        ("Le Soir", "Pourquoi ce livre ?"),
        ("Jean Dupont", "Parce que l'école ne suit plus."),
        ("Le Soir", "Que proposez-vous ?"),
        ("Jean Dupont", "Moins d'élèves par classe."),
    ]
    voices = {s.speaker: s.voice for s in script.segments if s.kind == "quote"}
    assert voices["Le Soir"] != voices["Jean Dupont"]
