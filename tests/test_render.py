"""Issue 14: review before it airs. ``bulletin render`` speaks exactly the script it is given:
the round trip with ``make --save-script``, every kind of edit (seen in the captions, the ID3
voices and the manifest), every bad edit (one line, exit 1, nothing written) and the schema."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator
from mutagen.id3 import ID3

from bulletin.article import read_article
from bulletin.engines.espeak import EspeakEngine
from bulletin.engines.fake import FakeEngine
from bulletin.errors import ScriptError, UnknownVoiceError
from bulletin.ffmpeg import decode_to_pcm
from bulletin.normalize import load_lexicon
from bulletin.render import from_document, render_document, schema, validate
from bulletin.script import build_edition, build_script
from bulletin.settings import Settings

from .conftest import ROOT, SAMPLE, SHARED, run_cli

CONSEIL = ROOT / "tests" / "samples" / "render_conseil.txt"
SAMPLES = [SAMPLE, ROOT / "tests" / "data" / "quatre_voix.txt", *sorted((ROOT / "tests" / "samples").glob("*.txt"))]


def printed_schema() -> dict[str, Any]:
    r = run_cli("script", "--schema")
    assert r.returncode == 0, r.stderr
    doc: dict[str, Any] = json.loads(r.stdout)
    Draft202012Validator.check_schema(doc)
    return doc


def id3_voices(mp3: Path) -> dict[str, str]:
    text = ID3(mp3).getall("TXXX:voices")[0].text[0]
    return dict(pair.split("=", 1) for pair in text.split("; "))


def vtt_cues(vtt: Path) -> list[tuple[str, str]]:
    """(who, text) of every caption cue."""
    out = []
    for line in vtt.read_text(encoding="utf-8").splitlines():
        if line.startswith("<v "):
            who, _, text = line[3:].partition(">")
            out.append((who, text))
    return out


# --- the schema ----------------------------------------------------------------------------------


def test_the_schema_holds_every_script_bulletin_script_prints_for_the_samples(tmp_path: Path) -> None:
    """Checked with the schema the CLI prints, by jsonschema itself, on what the CLI prints."""
    validator = Draft202012Validator(printed_schema())
    for path in SAMPLES:
        for extra in ((), ("--show", "Le Journal", "--preset", "accessible", "-l", "fr-CA")):
            r = run_cli("script", str(path), "--format", "json", "--engine", "espeak", *extra)
            assert r.returncode == 0, r.stderr
            doc = json.loads(r.stdout)
            assert doc["version"] == 1
            errors = [e.message for e in validator.iter_errors(doc)]
            assert not errors, (path.name, errors[:3])


def _round_trip_every_article(paths: list[Path]) -> int:
    """Every article's script, made in every locale, read back from its JSON is the same
    script: the same segments, sentences, voices and blocks (what makes render = make)."""
    validator = Draft202012Validator(schema())
    espeak = EspeakEngine()
    lexicon = load_lexicon()
    checked = 0
    for n, path in enumerate(paths):
        locale = ("fr-FR", "fr-BE", "fr-CH", "fr-CA")[n % 4]
        voices = espeak.voices(locale)
        for extra in ({}, {"show": "Le Journal", "announce_quotes": True}):
            script = build_script(read_article(path), voices, locale=locale, lexicon=lexicon, **extra)  # type: ignore[arg-type]
            doc = json.loads(json.dumps(script.to_json()))
            assert not list(validator.iter_errors(doc)), path.name
            back = from_document(doc, voices)
            assert back.script.segments == script.segments, path.name
            assert back.script.voices == script.voices, path.name
            assert back.to_json()["segments"] == doc["segments"], path.name
            checked += 1
    return checked


def test_every_sample_script_reads_back_as_the_same_script() -> None:
    assert _round_trip_every_article(SAMPLES) == 2 * len(SAMPLES)


def test_every_corpus_script_is_valid_and_reads_back_as_the_same_script() -> None:
    corpus = sorted((SHARED / "corpus").glob("*/*.txt"))
    if not corpus:
        pytest.skip("../shared/corpus is not beside the repository")
    assert _round_trip_every_article(corpus) == 2 * len(corpus)


def test_a_daily_edition_reads_back_as_the_same_script() -> None:
    voices = EspeakEngine().voices("fr-BE")
    script = build_edition([read_article(p) for p in SAMPLES[:3]], voices, show="Le Journal", date="2026-03-12",
                           locale="fr-BE", transitions=["Autre sujet.", "On change de sujet."])  # fmt: skip
    doc = json.loads(json.dumps(script.to_json()))
    validate(doc)
    assert from_document(doc, voices).script.segments == script.segments


# --- the round trip, for real --------------------------------------------------------------------


def test_make_save_script_then_render_gives_the_same_audio(tmp_path: Path) -> None:
    """make → --save-script → render: the same duration, decoded PCM, captions and voices."""
    common = ("--engine", "espeak", "--show", "Le Journal", "--outputs", "mp3,vtt,json")
    made = run_cli("make", str(CONSEIL), "-o", str(tmp_path / "made.mp3"), "--save-script", str(tmp_path / "s.json"),
                   *common)  # fmt: skip
    assert made.returncode == 0, made.stderr
    assert str(tmp_path / "s.json") in made.stdout.splitlines()  # printed with the other files
    rendered = run_cli("render", str(tmp_path / "s.json"), "-o", str(tmp_path / "again.mp3"), *common)
    assert rendered.returncode == 0, rendered.stderr
    assert "engine: espeak" in rendered.stderr
    a, b = tmp_path / "made.mp3", tmp_path / "again.mp3"
    pcm_a, pcm_b = decode_to_pcm(a), decode_to_pcm(b)
    assert len(pcm_a) > 22050 * 2 * 10  # ten seconds and more: a real bulletin, not an empty file
    assert pcm_a == pcm_b
    manifest = [json.loads((tmp_path / f"{n}.json").read_text(encoding="utf-8")) for n in ("made", "again")]
    assert manifest[0]["duration_ms"] == manifest[1]["duration_ms"]
    assert manifest[0]["segments"] == manifest[1]["segments"]
    assert id3_voices(a) == id3_voices(b)
    assert vtt_cues(tmp_path / "made.vtt") == vtt_cues(tmp_path / "again.vtt")


def test_done_when_edit_the_first_quotes_speaker_and_voice(tmp_path: Path) -> None:
    """The issue's "done when": script --format json > s.json, edit the first quote's speaker
    and voice, render -o x.mp3: captions and ID3 voices show the edit (and only there: the
    speaker's other quote keeps her name and voice)."""
    r = run_cli("script", str(CONSEIL), "--format", "json", "--engine", "espeak")
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    first = next(s for s in doc["segments"] if s["kind"] == "quote")
    assert first["speaker"] == "Anne Lemaire" and first["voice"] == "espeak:fr+f2"
    first["speaker"], first["voice"] = "Claire Dubois", "espeak:fr+f4"
    (tmp_path / "s.json").write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    out = tmp_path / "x.mp3"
    r = run_cli("render", str(tmp_path / "s.json"), "-o", str(out))
    assert r.returncode == 0, r.stderr
    voices = id3_voices(out)
    assert voices["Claire Dubois"] == "espeak:fr+f4"
    assert voices["Anne Lemaire"] == "espeak:fr+f2"  # her second quote was not edited
    cues = vtt_cues(tmp_path / "x.vtt")
    assert ("Claire Dubois", first["text"]) in cues
    assert ("Anne Lemaire", "Les écoles passent en premier") in cues
    assert not any(who == "Anne Lemaire" and text == first["text"] for who, text in cues)


# --- each kind of edit (fast: the fake engine's tones, real files) -------------------------------


@pytest.fixture
def conseil() -> dict[str, Any]:
    """The sample's script, cast with the fake engine's voices (its quote voices: f1 f2 f3, m1 m2)."""
    script = build_script(read_article(CONSEIL), FakeEngine().voices("fr-FR"), lexicon=load_lexicon())
    doc: dict[str, Any] = json.loads(json.dumps(script.to_json()))
    return doc


def render(doc: dict[str, Any], tmp_path: Path, **settings: Any) -> dict[str, Any]:
    """Render with the fake engine; returns the manifest, with the MP3's ID3 voices and the
    caption cues beside it."""
    out = tmp_path / "edit.mp3"
    result = render_document(doc, out, Settings(outputs="mp3,vtt,json", use_cache=False, **settings),
                             engine=FakeEngine())  # fmt: skip
    manifest: dict[str, Any] = json.loads(result.files["json"].read_text(encoding="utf-8"))
    manifest["id3"] = id3_voices(out)
    manifest["cues"] = vtt_cues(result.files["vtt"])
    return manifest


def quotes_of(doc: dict[str, Any], speaker: str) -> list[int]:
    return [i for i, s in enumerate(doc["segments"]) if s["kind"] == "quote" and s["speaker"] == speaker]


def test_a_speakers_voice_in_the_table_changes_all_their_quotes(conseil: dict[str, Any], tmp_path: Path) -> None:
    old = conseil["speakers"]["Anne Lemaire"]
    conseil["speakers"]["Anne Lemaire"] = "fake:f1"
    assert old != "fake:f1"
    m = render(conseil, tmp_path)
    assert [m["segments"][i]["voice"] for i in quotes_of(conseil, "Anne Lemaire")] == ["fake:f1", "fake:f1"]
    assert m["id3"]["Anne Lemaire"] == "fake:f1" and old not in m["id3"].values()


def test_one_segments_voice_changes_that_segment_only(conseil: dict[str, Any], tmp_path: Path) -> None:
    first, second = quotes_of(conseil, "Anne Lemaire")
    kept = conseil["segments"][second]["voice"]
    conseil["segments"][first]["voice"] = "fake:f1"
    m = render(conseil, tmp_path)
    assert m["segments"][first]["voice"] == "fake:f1"
    assert m["segments"][second]["voice"] == kept


def test_a_new_speaker_for_a_quote_gets_a_voice_no_one_else_has(conseil: dict[str, Any], tmp_path: Path) -> None:
    i = quotes_of(conseil, "Paul Gérard")[0]
    conseil["segments"][i].update(speaker="Léa Martin", gender="f")
    m = render(conseil, tmp_path)
    seg = m["segments"][i]
    assert seg["speaker"] == "Léa Martin"
    others = {m["segments"][j]["voice"] for j in quotes_of(conseil, "Anne Lemaire") + quotes_of(conseil, "Paul Gérard")}
    assert seg["voice"] not in others | {"fake:anchor"}
    assert seg["voice"] in ("fake:f1", "fake:f2", "fake:f3")  # she is cast a woman's voice
    assert ("Léa Martin", conseil["segments"][i]["text"]) in m["cues"]


def test_a_quote_given_to_another_speaker_takes_that_speakers_voice(conseil: dict[str, Any], tmp_path: Path) -> None:
    i = quotes_of(conseil, "Paul Gérard")[-1]
    conseil["segments"][i]["speaker"] = "Anne Lemaire"  # her voice comes from the table
    m = render(conseil, tmp_path)
    assert m["segments"][i]["voice"] == conseil["speakers"]["Anne Lemaire"]
    assert m["segments"][i]["speaker"] == "Anne Lemaire"


def test_an_unknown_speaker_is_read_in_the_neutral_voice(conseil: dict[str, Any], tmp_path: Path) -> None:
    i = quotes_of(conseil, "Paul Gérard")[-1]
    conseil["segments"][i]["speaker"] = None
    m = render(conseil, tmp_path)
    voice = m["segments"][i]["voice"]
    assert voice not in set(conseil["speakers"].values()) | {"fake:anchor"}
    assert ("Citation", conseil["segments"][i]["text"]) in m["cues"]


def test_narration_into_a_quote_and_a_quote_into_narration(conseil: dict[str, Any], tmp_path: Path) -> None:
    narration = next(i for i, s in enumerate(conseil["segments"]) if s["kind"] == "narration")
    quote = quotes_of(conseil, "Paul Gérard")[0]
    conseil["segments"][narration].update(kind="quote", speaker="Paul Gérard")
    conseil["segments"][quote]["kind"] = "narration"
    m = render(conseil, tmp_path)
    assert m["segments"][narration]["kind"] == "quote"
    assert m["segments"][narration]["voice"] == conseil["speakers"]["Paul Gérard"]
    assert m["segments"][quote]["kind"] == "narration"
    assert m["segments"][quote]["voice"] == "fake:anchor" and m["segments"][quote]["speaker"] is None
    assert ("Présentateur", conseil["segments"][quote]["text"]) in m["cues"]


def test_an_edited_spoken_text_is_cut_and_read_again(conseil: dict[str, Any], tmp_path: Path) -> None:
    i = 1
    conseil["segments"][i]["spoken"] = "Le budget atteint 42 millions d'euros. Il sera voté le 3 mars."
    m = render(conseil, tmp_path)
    seg = m["segments"][i]
    assert [s["spoken"] for s in seg["sentences"]] == [
        "Le budget atteint quarante-deux millions d'euros.",
        "Il sera voté le trois mars.",
    ]
    assert seg["text"] == conseil["segments"][i]["text"]  # the article's words stay in the transcript


def test_deleted_and_inserted_segments(conseil: dict[str, Any], tmp_path: Path) -> None:
    n = len(conseil["segments"])
    gone = conseil["segments"].pop(3)  # ", a déclaré la bourgmestre, Anne Lemaire."
    added = {"kind": "narration", "text": "Un ajout de la rédaction.", "spoken": "Un ajout de la rédaction."}
    conseil["segments"].insert(2, added)
    m = render(conseil, tmp_path)
    assert len(m["segments"]) == n
    assert m["segments"][2]["text"] == added["text"] and m["segments"][2]["voice"] == "fake:anchor"
    assert m["segments"][2]["speaker"] is None
    texts = [s["text"] for s in m["segments"]]
    assert gone["text"] not in texts
    assert ("Présentateur", added["text"]) in m["cues"]


def test_speaker_voice_on_the_command_line_wins_over_the_table(conseil: dict[str, Any], tmp_path: Path) -> None:
    m = render(conseil, tmp_path, speaker_voices={"Paul Gérard": "fake:m2"})
    assert {m["segments"][i]["voice"] for i in quotes_of(conseil, "Paul Gérard")} == {"fake:m2"}


# --- bad edits -----------------------------------------------------------------------------------


def _set(path: str, value: Any) -> Any:
    def edit(doc: dict[str, Any]) -> None:
        *parents, last = path.split("/")
        target: Any = doc
        for p in parents:
            target = target[int(p)] if p.isdigit() else target[p]
        if value is _DELETE:
            del target[int(last) if last.isdigit() else last]
        else:
            target[int(last) if last.isdigit() else last] = value

    return edit


_DELETE = object()


@pytest.mark.parametrize(
    "edit, needle",
    [
        (_set("segments/2/voice", "espeak:fr+x9"), "segments[2].voice: no voice 'espeak:fr+x9'"),
        (_set("speakers/Anne Lemaire", "espeak:nope"), 'speakers["Anne Lemaire"]: no voice'),
        (_set("segments/4/kind", "narator"), "segments[4].kind: unknown kind 'narator'"),
        (_set("segments/1/spoken", "   "), "segments[1].spoken: empty spoken text"),
        (_set("segments/2/spoken", _DELETE), "segments[2]: missing field 'spoken'"),
        (_set("segments/3/voise", "espeak:fr"), "segments[3]: unknown field 'voise'"),
        (_set("version", 2), "unsupported version 2"),
        (_set("version", _DELETE), "missing field 'version'"),
        (_set("segments/2/voice", "gtts:fr-fr-f"), "segments[2].voice: a voice of gtts in a script spoken by espeak"),
        (_set("locale", "fr-XX"), "locale: unknown locale 'fr-XX'"),
    ],
)
def test_a_bad_edit_is_one_line_exit_1_and_nothing_is_written(edit: Any, needle: str, tmp_path: Path) -> None:
    r = run_cli("script", str(CONSEIL), "--format", "json", "--engine", "espeak")
    doc = json.loads(r.stdout)
    edit(doc)
    script = tmp_path / "s.json"
    script.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    r = run_cli("render", str(script), "-o", str(tmp_path / "x.mp3"), cwd=tmp_path)
    assert r.returncode == 1, r
    assert r.stderr.count("\n") == 1 and needle in r.stderr and "Traceback" not in r.stderr, r.stderr
    assert r.stderr.startswith(f"bulletin: error: {script}: ")
    assert [p.name for p in tmp_path.iterdir()] == ["s.json"]


def test_not_a_script_is_one_line(tmp_path: Path) -> None:
    for content, needle in (("{", "is not valid JSON"), ("[1]", "must hold a JSON object")):
        (tmp_path / "s.json").write_text(content, encoding="utf-8")
        r = run_cli("render", "s.json", cwd=tmp_path)
        assert r.returncode == 1 and needle in r.stderr and r.stderr.count("\n") == 1, r.stderr
    r = run_cli("render", "absent.json", cwd=tmp_path)
    assert r.returncode == 1 and "no such script: absent.json" in r.stderr
    assert [p.name for p in tmp_path.iterdir()] == ["s.json"]


def test_the_blank_spoken_text_the_script_itself_printed_is_accepted(conseil: dict[str, Any]) -> None:
    """An emoji alone is said as nothing: the script prints it with an empty spoken text and
    empty sentences, and render must accept what script prints; an emptied edit is refused."""
    voices = FakeEngine().voices("fr-FR")
    script = build_script(read_article(CONSEIL), voices)
    doc = json.loads(json.dumps(script.to_json()))
    doc["segments"][1].update(text="🙂", spoken="", sentences=[{"text": "🙂", "spoken": ""}])
    validate(doc)
    assert from_document(doc, voices).script.segments[1].spoken == ""
    emptied = copy.deepcopy(doc)
    emptied["segments"][1]["sentences"] = []
    with pytest.raises(ScriptError, match=r"segments\[1\]\.spoken: empty spoken text"):
        from_document(emptied, voices)


def test_an_unknown_speaker_voice_override_is_refused(conseil: dict[str, Any]) -> None:
    with pytest.raises(UnknownVoiceError, match="--speaker-voice Paul Gérard=fake:zz"):
        from_document(conseil, FakeEngine().voices("fr-FR"), {"Paul Gérard": "fake:zz"})
