"""The piper engine (issue 17) on a tiny Piper-shaped model built here (tests/tiny_piper.py
says what it speaks), and voice installs against a local hub on 127.0.0.1. Nothing is
downloaded from the internet.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import threading
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

onnx = pytest.importorskip("onnx")  # both come with pip install -e ".[test]"
np = pytest.importorskip("numpy")
pytest.importorskip("onnxruntime")

from bulletin.engines.base import AudioChunk, Engine, EngineConfig, get_engine  # noqa: E402
from bulletin.engines.piper import PiperEngine, clauses, phoneme_ids  # noqa: E402
from bulletin.engines.piper_voices import card_genders, default_voices_dir, find_voices, install_voice  # noqa: E402
from bulletin.engines.stack import choose  # noqa: E402
from bulletin.errors import EngineError, EngineUnavailable, UnknownVoiceError  # noqa: E402
from bulletin.ffmpeg import probe  # noqa: E402
from bulletin.loudness import measure  # noqa: E402

from .conftest import ROOT, run_cli  # noqa: E402
from .tiny_piper import BLOCK, PHONEME_ID_MAP, SAMPLE_RATE, write_voice  # noqa: E402


def fed(chunk: AudioChunk) -> list[int]:
    """The codes (id + 256 × sid) the tiny model was fed, read back from its audio."""
    samples = np.frombuffer(chunk.data, dtype="<i2").astype(np.float64)
    peaks = [np.abs(samples[i : i + BLOCK]).max() for i in range(0, len(samples), BLOCK)]
    return [round(p / 32767 * 2048) for p in peaks]


_INDEPENDENT_PHONEMES = r"""
import ctypes, json, sys
import espeakng_loader
lib = ctypes.CDLL(espeakng_loader.get_library_path())
lib.espeak_Initialize.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_char_p, ctypes.c_int]
assert lib.espeak_Initialize(2, 0, espeakng_loader.get_data_path().encode(), 0) > 0
lib.espeak_TextToPhonemes.argtypes = [ctypes.POINTER(ctypes.c_char_p), ctypes.c_int, ctypes.c_int]
lib.espeak_TextToPhonemes.restype = ctypes.c_char_p
lib.espeak_SetVoiceByName(b"fr")
out = []
for clause in json.loads(sys.argv[1]):
    text = ctypes.c_char_p(clause.encode())
    pieces = []
    while text.value:
        pieces.append(lib.espeak_TextToPhonemes(ctypes.byref(text), 1, 2).decode().strip())
    out.append(" ".join(p for p in pieces if p))
print(json.dumps(out))
"""


def espeak_ipa(clauses_: list[str]) -> list[str]:
    """IPA of each clause from espeak-ng itself, in a separate process with its own code."""
    r = subprocess.run([sys.executable, "-c", _INDEPENDENT_PHONEMES, json.dumps(clauses_)],
                       capture_output=True, text=True, timeout=60, check=True)  # fmt: skip
    result: list[str] = json.loads(r.stdout)
    return result


def expected_ids(phonemes: str) -> list[int]:
    """Piper's id sequence written out: ^ _ then each code point (NFD) and _, then $."""
    ids = [1, 0]
    for ch in unicodedata.normalize("NFD", phonemes):
        if ch in PHONEME_ID_MAP:
            ids += [PHONEME_ID_MAP[ch][0], 0]
    return [*ids, 2]


@pytest.fixture
def voices(tmp_path: Path) -> Path:
    folder = tmp_path / "voices"
    write_voice(folder)
    return folder


def engine_for(folder: Path) -> PiperEngine:
    return PiperEngine(EngineConfig(voices_dir=folder))


# --- phonemes and ids ----------------------------------------------------------------------


def test_clauses_keep_the_punctuation_that_closes_them() -> None:
    assert clauses("Oui, demain. Vraiment ?! « Non »… fin") == [
        ("Oui", ","), ("demain", "."), ("Vraiment", "?"), ("Non", "."), ("fin", "")]  # fmt: skip
    assert clauses("trois,5 ou ⟦en|Bud Luckey⟧ ; bien") == [("trois,5 ou Bud Luckey", ";"), ("bien", "")]


def test_phoneme_ids_follow_pipers_layout_and_drop_unknown_phonemes() -> None:
    id_map = {"_": [0], "^": [1], "$": [2], " ": [3], "a": [5], "b": [6, 7], ",": [8], "\u0303": [9]}
    assert phoneme_ids("ab, a", id_map) == [1, 0, 5, 0, 6, 7, 0, 8, 0, 3, 0, 5, 0, 2]
    assert phoneme_ids("aɣa", id_map) == [1, 0, 5, 0, 5, 0, 2]  # ɣ is not in this map
    assert phoneme_ids("ã", id_map) == [1, 0, 5, 0, 9, 0, 2]  # decomposed: a + combining tilde
    assert phoneme_ids("ab", id_map, {"b": ("a", "a")}) == [1, 0, 5, 0, 5, 0, 5, 0, 2]  # the config's phoneme_map


def test_the_ids_fed_to_the_model_for_a_known_sentence(voices: Path) -> None:
    engine = engine_for(voices)
    voice = engine.voices("fr-FR")[0]
    chunk = engine.synthesize("Nous irons à Namur, demain.", voice)
    first, second = espeak_ipa(["Nous irons à Namur", "demain"])
    want = expected_ids(f"{first}, {second}.")
    assert "ʁ" in first and "\u0303" in unicodedata.normalize("NFD", first)  # real French IPA was read
    assert fed(chunk) == want
    assert chunk.engine == "piper" and chunk.sample_rate == SAMPLE_RATE
    assert (chunk.sample_width, chunk.channels) == (2, 1)
    assert len(chunk.data) // 2 == len(want) * BLOCK


def test_rate_divides_the_configs_length_scale(tmp_path: Path) -> None:
    write_voice(tmp_path, length_scale=1.5)
    engine = engine_for(tmp_path)
    voice = engine.voices("fr-FR")[0]
    n_ids = len(engine.utterances("Bonjour à tous.", voice)[1][0].ids)
    assert len(engine.synthesize("Bonjour à tous.", voice).data) // 2 == n_ids * BLOCK * 3 // 2
    assert len(engine.synthesize("Bonjour à tous.", voice, rate=0.75).data) // 2 == n_ids * BLOCK * 2


def test_each_sentence_is_one_model_run_with_a_pause_between(voices: Path) -> None:
    engine = engine_for(voices)
    voice = engine.voices("fr-FR")[0]
    one, two = (engine.utterances(t, voice)[1] for t in ("Bonjour.", "Au revoir !"))
    _, both = engine.utterances("Bonjour. Au revoir !", voice)
    assert [u.ids for u in both] == [one[0].ids, two[0].ids]
    chunk = engine.synthesize("Bonjour. Au revoir !", voice)
    pause = round(SAMPLE_RATE * 0.25)
    assert len(chunk.data) // 2 == (len(one[0].ids) + len(two[0].ids)) * BLOCK + pause
    samples = np.frombuffer(chunk.data, dtype="<i2")
    start = len(one[0].ids) * BLOCK
    assert not samples[start : start + pause].any()


def test_language_spans_are_read_as_words_in_the_voices_language(voices: Path) -> None:
    engine = engine_for(voices)
    voice = engine.voices("fr-FR")[0]
    marked = engine.utterances("Selon ⟦en|Bud Luckey⟧, oui.", voice)[1]
    plain = engine.utterances("Selon Bud Luckey, oui.", voice)[1]
    assert marked == plain and len(marked) == 1


# --- voices ----------------------------------------------------------------------------------


def test_the_engine_meets_the_contract(voices: Path) -> None:
    engine = get_engine("piper", EngineConfig(voices_dir=voices))
    assert isinstance(engine, Engine) and engine.parallel == 1 and engine.reachable()
    assert "onnxruntime" in engine.version and "espeak-ng" in engine.version
    for locale in ("fr-FR", "fr-BE", "fr-CH", "fr-CA"):
        voice, *lent = engine.voices(locale)
        assert (voice.id, voice.locale, voice.engine) == ("piper:fr_FR-tiny-medium", locale, "piper")
        assert not voice.stand_in
        # one natural voice: espeak-ng's voices of the locale are lent for quotes, ids still piper's
        assert lent and all(v.stand_in and v.id.startswith("piper:espeak:") and v.engine == "piper" for v in lent)
        assert {v.gender for v in lent} == {"f", "m"}
    with pytest.raises(UnknownVoiceError):
        engine.voices("de-DE")


def test_no_french_voice_means_unreachable_and_a_clear_message(tmp_path: Path) -> None:
    write_voice(tmp_path, "de_DE-tiny-medium", language="de_DE")
    engine = engine_for(tmp_path)
    assert not engine.reachable() and not engine_for(tmp_path / "missing").reachable()
    with pytest.raises(EngineUnavailable, match="bulletin voices --install fr_FR-siwis-medium"):
        engine.voices("fr-FR")


def test_the_anchor_is_the_best_single_speaker_voice_then_the_speakers(tmp_path: Path) -> None:
    write_voice(tmp_path, "fr_FR-zed-low", quality="low")
    write_voice(tmp_path, "fr_FR-multi-medium", speakers={"jessica": 0, "pierre": 1})
    write_voice(tmp_path, "fr_FR-alto-medium")
    ids = [v.id for v in engine_for(tmp_path).voices("fr-FR") if not v.stand_in]
    assert ids == ["piper:fr_FR-alto-medium", "piper:fr_FR-multi-medium:jessica", "piper:fr_FR-multi-medium:pierre",
                   "piper:fr_FR-zed-low"]  # fmt: skip


def test_each_speaker_of_a_multi_speaker_model_is_a_voice(tmp_path: Path) -> None:
    card = "# Model card for tiny (medium)\n\n* Speakers: 3\n* pierre: male voice\n* Léa : voix de femme\n"
    write_voice(tmp_path, speakers={"jessica": 0, "pierre": 1, "Léa": 2}, card=card)
    engine = engine_for(tmp_path)
    found = {v.name: v.gender for v in engine.voices("fr-FR") if not v.stand_in}
    # jessica's gender is not on the card: measured (the tiny model speaks at 250 Hz)
    assert found == {"fr_FR-tiny-medium:jessica": "f", "fr_FR-tiny-medium:pierre": "m", "fr_FR-tiny-medium:Léa": "f"}
    (inst,) = engine.installed()
    sources = {sp.name: sp.gender_source for sp in engine.profiled(inst).speakers}
    assert sources == {"jessica": "measured", "pierre": "card", "Léa": "card"}
    lea = next(v for v in engine.voices("fr-FR") if v.name.endswith("Léa"))
    codes = fed(engine.synthesize("Oui.", lea))
    assert codes[:2] == [1 + 512, 0 + 512]  # start and pad, spoken by speaker 2


def test_card_genders() -> None:
    assert card_genders("* Gender: female\n* Speakers: 1", []) == {"": "f"}
    assert card_genders("Trained on a man's voice\n* Quality: medium", []) == {}  # not a gender field
    assert card_genders("* anna: female\n* bob: male\n* Dataset: anna and bob", ["anna", "bob"]) == {
        "anna": "f", "bob": "m"}  # fmt: skip
    assert card_genders("* annabel: female", ["anna"]) == {}  # whole words only


def test_bulletin_voices_lists_the_folder(tmp_path: Path) -> None:
    folder = tmp_path / "voices"
    card = "* jessica: female\n* pierre: male\n"
    write_voice(folder, "fr_FR-tiny-medium")
    write_voice(folder, "fr_FR-duo-medium", speakers={"jessica": 0, "pierre": 1}, card=card)
    (folder / "fr_FR-broken-low.onnx").write_bytes(b"x")  # a model without its config is not a voice
    r = run_cli("voices", "--voices-dir", str(folder), "--locale", "fr-BE")
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert f"  voices folder {folder}: 2 voices" in lines
    words = [line.split() for line in lines]
    assert ["fr_FR-tiny-medium", "fr_FR", "1", "speaker", "16000", "Hz", "medium"] in words
    assert ["fr_FR-duo-medium", "fr_FR", "2", "speakers", "16000", "Hz", "medium"] in words
    assert any("fr_FR-broken-low.onnx has no fr_FR-broken-low.onnx.json" in line for line in lines)
    # each speaker: gender, where it comes from, calibration F0 (the tiny models speak at 250 Hz)
    assert ["(one", "speaker)", "female", "measured", "250", "Hz"] in words
    assert ["jessica", "female", "card", "250", "Hz"] in words and ["pierre", "male", "card", "250", "Hz"] in words
    rows = [line.split() for line in lines if line.startswith("  piper:")]
    assert [row[:5] for row in rows[:3]] == [
        ["piper:fr_FR-tiny-medium", "fr-BE", "anchor", "female", "250"],
        ["piper:fr_FR-duo-medium:jessica", "fr-BE", "quotes", "female", "250"],
        ["piper:fr_FR-duo-medium:pierre", "fr-BE", "quotes", "male", "250"],
    ]
    assert rows[3][0] == "piper:espeak:fr-be" and all("stand-in" in " ".join(row) for row in rows[3:])


def test_default_voices_folder_follows_xdg(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    assert default_voices_dir() == tmp_path / "bulletin" / "voices"
    monkeypatch.delenv("XDG_DATA_HOME")
    assert default_voices_dir() == Path.home() / ".local" / "share" / "bulletin" / "voices"
    assert PiperEngine().folder == default_voices_dir()


def test_a_replaced_voice_changes_the_version_so_old_clips_are_not_served(voices: Path) -> None:
    before = engine_for(voices).version
    config = voices / "fr_FR-tiny-medium.onnx.json"
    write_voice(voices, length_scale=1.2)
    assert config.exists() and engine_for(voices).version != before


# --- start-up, errors and interrupts -------------------------------------------------------


def test_start_up_from_many_threads_builds_one_session(voices: Path) -> None:
    engine = engine_for(voices)
    voice = engine.voices("fr-FR")[0]
    results: list[bytes] = []
    errors: list[BaseException] = []

    def speak() -> None:
        try:
            results.append(engine.synthesize("Une phrase, pour voir.", voice).data)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=speak) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors and len(results) == 6 and len(set(results)) == 1
    assert len(engine._sessions) == 1


def test_an_interrupt_during_the_model_run_propagates(voices: Path) -> None:
    engine = engine_for(voices)
    voice = engine.voices("fr-FR")[0]
    engine.synthesize("Oui.", voice)
    (key,) = engine._sessions

    class Interrupted:
        def __init__(self, real: Any) -> None:
            self.real = real

        def get_inputs(self) -> Any:
            return self.real.get_inputs()

        def run(self, *args: Any) -> Any:
            raise KeyboardInterrupt

    engine._sessions[key] = Interrupted(engine._sessions[key])
    with pytest.raises(KeyboardInterrupt):
        engine.synthesize("Oui.", voice)


def test_a_corrupt_model_is_an_engine_error(voices: Path) -> None:
    (voices / "fr_FR-tiny-medium.onnx").write_bytes(b"not a model at all")
    engine = engine_for(voices)
    with pytest.raises(EngineError, match="cannot load the Piper voice fr_FR-tiny-medium"):
        engine.synthesize("Oui.", engine.voices("fr-FR")[0])


def test_an_unknown_voice_is_refused(voices: Path) -> None:
    from bulletin.engines.base import Voice

    with pytest.raises(UnknownVoiceError):
        engine_for(voices).synthesize("Oui.", Voice("piper:nope", "piper", "nope", "fr-FR"))


def test_a_malformed_config_is_reported_not_fatal(voices: Path) -> None:
    write_voice(voices, "fr_FR-bad-low")
    (voices / "fr_FR-bad-low.onnx.json").write_text('{"audio": {"sample_rate": 22050}}', encoding="utf-8")
    found, problems = find_voices(voices)
    assert [v.name for v in found] == ["fr_FR-tiny-medium"]
    assert problems == ("voice config fr_FR-bad-low.onnx.json has no phoneme_id_map",)


_WITHOUT_ONNXRUNTIME = "import sys; sys.modules['onnxruntime'] = None; sys.argv[0] = 'bulletin'; " \
                       "from bulletin.cli import main; main()"  # fmt: skip


def test_without_onnxruntime_the_engine_says_how_to_install_it(voices: Path, tmp_path: Path) -> None:
    article = tmp_path / "a.txt"
    article.write_text("Un titre\n\nUne phrase.\n", encoding="utf-8")
    r = subprocess.run([sys.executable, "-c", _WITHOUT_ONNXRUNTIME, "make", str(article), "--engine", "piper",
                        "--voices-dir", str(voices), "-o", str(tmp_path / "x.mp3")],
                       capture_output=True, text=True, timeout=120, cwd=tmp_path)  # fmt: skip
    assert r.returncode == 1 and r.stderr.strip().splitlines() == [
        'bulletin: error: the piper engine needs onnxruntime: pip install "bulletin[neural]"'
    ]
    assert not (tmp_path / "x.mp3").exists()
    r = subprocess.run([sys.executable, "-c", _WITHOUT_ONNXRUNTIME, "make", str(article), "--engine", "auto",
                        "--voices-dir", str(voices), "-o", str(tmp_path / "x.mp3"), "--no-cache"],
                       capture_output=True, text=True, timeout=120, cwd=tmp_path)  # fmt: skip
    assert r.returncode == 0, r.stderr
    assert "engine: espeak" in r.stderr and "a Piper voice is installed but" in r.stderr
    assert 'pip install "bulletin[neural]"' in r.stderr


# --- the pipeline, end to end ----------------------------------------------------------------

ARTICLE = """title: Namur ouvre une nouvelle passerelle
date: 2026-03-14

La ville de Namur a inauguré samedi une passerelle au-dessus de la Meuse. Le chantier a duré deux ans.

« C'est un grand jour pour le quartier », a déclaré la bourgmestre Claire Dumoulin.

« Nous traverserons enfin à pied », ajoute Marc Lejeune, un habitant.
"""


def test_bulletin_make_with_piper_makes_a_bulletin(tmp_path: Path) -> None:
    folder = tmp_path / "voices"
    write_voice(folder, "fr_FR-tiny-medium")
    write_voice(folder, "fr_FR-duo-medium", speakers={"anne": 0, "marc": 1}, card="* anne: female\n* marc: male\n")
    article = tmp_path / "passerelle.txt"
    article.write_text(ARTICLE, encoding="utf-8")
    out = tmp_path / "out" / "bulletin.mp3"
    out.parent.mkdir()
    cache = tmp_path / "cache"
    args = ("make", str(article), "--engine", "piper", "--voices-dir", str(folder), "-o", str(out),
            "--outputs", "mp3,json", "--cache-dir", str(cache))  # fmt: skip
    r = run_cli(*args)
    assert r.returncode == 0, r.stderr
    assert "engine: piper" in r.stderr
    info = probe(out)
    assert info.codec == "mp3" and info.sample_rate == 44100 and (info.duration_ms or 0) > 3000
    loud = measure(out)
    assert abs(loud.integrated + 16) <= 1 and loud.true_peak <= -1  # levelled like any other engine's clips
    manifest = json.loads(out.with_suffix(".json").read_text(encoding="utf-8"))
    assert manifest["engine"].startswith("piper")
    voices_by_speaker = {s["speaker"]: s["voice"] for s in manifest["segments"]}
    assert voices_by_speaker[None] == "piper:fr_FR-tiny-medium"
    assert voices_by_speaker["Claire Dumoulin"] == "piper:fr_FR-duo-medium:anne"
    assert voices_by_speaker["Marc Lejeune"] == "piper:fr_FR-duo-medium:marc"
    # A second run is served from the clip cache: same audio, no model run needed.
    stored = sorted(p for p in cache.rglob("*") if p.is_file())
    assert stored
    first = out.read_bytes()
    again = run_cli(*args)
    assert again.returncode == 0, again.stderr
    assert sorted(p for p in cache.rglob("*") if p.is_file()) == stored and out.read_bytes() == first


def test_auto_prefers_an_installed_french_piper_voice_when_google_does_not_answer(tmp_path: Path) -> None:
    # conftest points the gTTS check at a closed local port: Google "does not answer".
    folder = tmp_path / "voices"
    write_voice(folder)
    engine, reason = choose("auto", EngineConfig(voices_dir=folder))
    assert engine.name == "piper" and "neural" in reason
    engine, reason = choose("auto", EngineConfig(voices_dir=tmp_path / "none"))
    assert engine.name == "espeak" and "offline" in reason
    article = tmp_path / "a.txt"
    article.write_text(ARTICLE, encoding="utf-8")
    r = run_cli("make", str(article), "--voices-dir", str(folder), "-o", str(tmp_path / "a.mp3"), "--no-cache")
    assert r.returncode == 0, r.stderr
    assert "engine: piper (Google's speech service did not answer, so the installed neural voice)" in r.stderr


# --- installing voices from a hub on 127.0.0.1 --------------------------------------------------


class Hub:
    """A local voice hub: ``voices.json`` plus the files it lists, with scripted faults."""

    def __init__(self, files: dict[str, bytes], index: dict[str, Any]) -> None:
        self.files = files
        self.index = index
        self.missing: set[str] = set()
        self.cut: set[str] = set()
        self.requests: list[str] = []
        hub = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                path = self.path.lstrip("/")
                hub.requests.append(path)
                body = json.dumps(hub.index).encode() if path == "voices.json" else hub.files.get(path)
                if body is None or path in hub.missing:
                    self.send_error(404)
                    return
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if path in hub.cut:  # the connection drops halfway through the body
                    self.wfile.write(body[: len(body) // 2])
                    self.wfile.flush()
                    self.close_connection = True
                    return
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)


@contextmanager
def hub_with(tmp_path: Path, name: str = "fr_FR-tiny-medium") -> Iterator[Hub]:
    """A hub serving one tiny voice (model, config, card) under ``voices.json``'s layout."""
    source = tmp_path / "hub-source"
    write_voice(source, name, speakers={"anne": 0, "marc": 1}, card="* anne: female\n")
    base = f"fr/fr_FR/tiny/medium/{name}"
    files = {f"{base}.onnx": (source / f"{name}.onnx").read_bytes(),
             f"{base}.onnx.json": (source / f"{name}.onnx.json").read_bytes(),
             "fr/fr_FR/tiny/medium/MODEL_CARD": (source / f"{name}.MODEL_CARD").read_bytes()}  # fmt: skip
    index = {
        name: {
            "key": name, "name": "tiny", "quality": "medium", "num_speakers": 2, "aliases": ["fr-tiny-medium"],
            "language": {"code": "fr_FR", "family": "fr", "region": "FR"},
            "files": {p: {"size_bytes": len(b), "md5_digest": hashlib.md5(b).hexdigest()} for p, b in files.items()},
        },
        "fr_FR-other-low": {"key": "fr_FR-other-low", "files": {}},
        "de_DE-x-low": {"key": "de_DE-x-low", "files": {}},
    }  # fmt: skip
    hub = Hub(files, index)
    hub.thread.start()
    try:
        yield hub
    finally:
        hub.server.shutdown()
        hub.server.server_close()
        hub.thread.join(timeout=10)


def bulletin(*args: str, hub: str) -> subprocess.CompletedProcess[str]:
    """The CLI with its voice hub at ``hub``."""
    env = {**os.environ, "BULLETIN_VOICE_HUB": hub}
    return subprocess.run([sys.executable, "-m", "bulletin", *args], capture_output=True, text=True, env=env,
                          timeout=120)  # fmt: skip


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def test_install_downloads_checks_and_publishes_a_voice(tmp_path: Path) -> None:
    folder = tmp_path / "voices"
    seen: list[tuple[str, int, int]] = []
    with hub_with(tmp_path) as hub:
        voice = install_voice("fr_FR-tiny-medium", folder, base=hub.url, progress=lambda *a: seen.append(a))
        files = hub.files
    assert leftovers(folder) == [f"fr_FR-tiny-medium{s}" for s in (".MODEL_CARD", ".onnx", ".onnx.json")]
    assert (folder / "fr_FR-tiny-medium.onnx").read_bytes() == files["fr/fr_FR/tiny/medium/fr_FR-tiny-medium.onnx"]
    assert [s.gender for s in voice.speakers] == ["f", None] and voice.config.sample_rate == SAMPLE_RATE
    model_size = len(files["fr/fr_FR/tiny/medium/fr_FR-tiny-medium.onnx"])
    assert ("fr_FR-tiny-medium.onnx", model_size, model_size) in seen
    engine = engine_for(folder)
    assert engine.reachable() and fed(engine.synthesize("Oui.", engine.voices("fr-FR")[1]))[:2] == [257, 256]


def test_install_by_alias_and_through_the_cli(tmp_path: Path) -> None:
    folder = tmp_path / "voices"
    with hub_with(tmp_path) as hub:
        r = bulletin("voices", "--install", "fr-tiny-medium", "--voices-dir", str(folder), hub=hub.url)
        assert r.returncode == 0, r.stderr
        first, second = r.stdout.splitlines()
        assert first.startswith("installing 1 voice (fr_FR-tiny-medium): 0.0 MB into ")
        assert second.startswith("installed fr_FR-tiny-medium (fr_FR, 2 speakers, 16000 Hz, ")
        assert second.endswith(f", anne f, marc f) in {folder}")  # anne from the card, marc measured
        unknown = bulletin("voices", "--install", "fr_FR-nope-low", "--voices-dir", str(folder), hub=hub.url)
    assert unknown.returncode == 1 and unknown.stderr.splitlines() == [
        "bulletin: error: the voice hub has no voice 'fr_FR-nope-low'; French voices: fr_FR-other-low, "
        "fr_FR-tiny-medium"]  # fmt: skip
    assert "fr_FR-tiny-medium.onnx" in leftovers(folder)


@pytest.mark.parametrize("fault", ["404", "checksum", "cut", "cut-config"])
def test_a_failed_install_leaves_no_voice_and_says_why_in_one_line(tmp_path: Path, fault: str) -> None:
    folder = tmp_path / "voices"
    model = "fr/fr_FR/tiny/medium/fr_FR-tiny-medium.onnx"
    with hub_with(tmp_path) as hub:
        if fault == "404":
            hub.missing.add(model)
        elif fault == "checksum":
            hub.files[model] = hub.files[model][:-1] + bytes([hub.files[model][-1] ^ 1])  # same size, other bytes
        elif fault == "cut":
            hub.cut.add(model)
        else:
            hub.cut.add(model + ".json")
        r = bulletin("voices", "--install", "fr_FR-tiny-medium", "--voices-dir", str(folder), hub=hub.url)
        assert model in hub.requests or fault == "cut-config"
    assert r.returncode == 1 and len(r.stderr.splitlines()) == 1, r.stderr
    message = r.stderr.strip()
    expected = {
        "404": "the voice hub answered HTTP 404 for fr_FR-tiny-medium.onnx; nothing was installed",
        "checksum": "fr_FR-tiny-medium.onnx does not match the hub's checksum",
        "cut": "the download of fr_FR-tiny-medium.onnx was cut off after",
        "cut-config": "the download of fr_FR-tiny-medium.onnx.json was cut off after",
    }[fault]
    assert message.startswith("bulletin: error: ") and expected in message
    # Only hidden part files are left, which a new attempt resumes (a wrong file is not kept).
    assert [n for n in leftovers(folder) if not n.startswith(".")] == []
    assert (".fr_FR-tiny-medium.onnx.part" in leftovers(folder)) == (fault == "cut")
    assert find_voices(folder) == ((), ())


def test_a_failed_reinstall_keeps_the_voice_that_was_there(tmp_path: Path) -> None:
    folder = tmp_path / "voices"
    write_voice(folder, "fr_FR-tiny-medium")
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    with hub_with(tmp_path) as hub:
        hub.cut.add("fr/fr_FR/tiny/medium/fr_FR-tiny-medium.onnx")
        with pytest.raises(EngineError, match="cut off"):
            install_voice("fr_FR-tiny-medium", folder, base=hub.url)
    assert {p.name: p.read_bytes() for p in folder.iterdir() if not p.name.startswith(".")} == before


def test_no_network_is_one_clear_line(tmp_path: Path) -> None:
    folder = tmp_path / "voices"
    closed = "http://127.0.0.1:9/piper-voices"
    r = bulletin("voices", "--install", "fr_FR-siwis-medium", "--voices-dir", str(folder), hub=closed)
    assert r.returncode == 1 and r.stderr.splitlines() == [
        f"bulletin: error: cannot reach the voice hub 127.0.0.1:9 (no connection): check the network, or copy "
        f"NAME.onnx and NAME.onnx.json into {folder} by hand"]  # fmt: skip
    assert not folder.exists()
    with pytest.raises(EngineUnavailable):
        install_voice("fr_FR-siwis-medium", folder, base="http://127.0.0.1:9")


def test_the_benchmark_script_runs_on_the_tiny_model(voices: Path) -> None:
    script = ROOT / "scripts" / "bench_piper.py"
    r = subprocess.run([sys.executable, str(script), str(voices / "fr_FR-tiny-medium.onnx"), "--clips", "3"],
                       capture_output=True, text=True, timeout=300)  # fmt: skip
    assert r.returncode == 0, r.stderr
    assert "real-time factor" in r.stdout and "overhead per clip" in r.stdout
