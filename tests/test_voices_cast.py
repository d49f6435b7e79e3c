"""A cast of natural voices (issue 21): every installed Piper voice in one pool, genders from the
data file, the card or a measurement, no quote in the anchor's voice, cast installs that resume,
and samples to hear. Tiny Piper-format models are built here (tests/tiny_piper.py's builder),
named like hub voices; nothing is downloaded from the internet (the hub is on 127.0.0.1).
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import os
import re
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("onnx")
pytest.importorskip("onnxruntime")
np = pytest.importorskip("numpy")

from mutagen.id3 import ID3  # noqa: E402

from bulletin.engines.base import EngineConfig, Voice  # noqa: E402
from bulletin.engines.calibration import gender_of, median_f0  # noqa: E402
from bulletin.engines.piper import PiperEngine, choose_anchor, intra_op_threads  # noqa: E402
from bulletin.engines.piper_voices import known_genders, profile_path, recommended_cast  # noqa: E402
from bulletin.ffmpeg import probe  # noqa: E402
from bulletin.voices_sample import sample  # noqa: E402

from .conftest import run_cli  # noqa: E402
from .tiny_piper import SAMPLE_RATE, threads_in_worker, write_voice  # noqa: E402

# Two women and two men, each named with a first name the quote rules know.
ARTICLE = """title: Le marché couvert rouvre ses portes
date: 2026-05-02

Après deux ans de travaux, le marché couvert de Dinant a rouvert samedi matin. Les commerçants ont
retrouvé leurs étals sous une charpente neuve.

« Nous avons enfin un toit qui ne fuit plus », a déclaré Sophie Renard, la présidente des commerçants.

« Les clients sont revenus dès la première heure », ajoute Julien Moreau, fromager depuis vingt ans.

« J'espère que la ville gardera les loyers bas », a confié Nathalie Lambert, maraîchère.

« Le chantier a coûté plus cher que prévu, mais il valait la peine », a reconnu l'échevin Thomas Leroy.
"""
WOMEN, MEN = ("Sophie Renard", "Nathalie Lambert"), ("Julien Moreau", "Thomas Leroy")
INSTALL = "bulletin voices --install fr"


def three_models(folder: Path) -> Path:
    """siwis (f), tom (m) and upmc (jessica f, pierre m): hub names the data file knows; their
    tones agree with those genders so a measurement would not contradict the card."""
    write_voice(folder, "fr_FR-siwis-medium", tones=[215.0])
    write_voice(folder, "fr_FR-tom-medium", tones=[115.0])
    write_voice(folder, "fr_FR-upmc-medium", speakers={"jessica": 0, "pierre": 1}, tones=[225.0, 125.0])
    return folder


def script_json(article: Path, folder: Path, *extra: str) -> dict[str, Any]:
    r = run_cli("script", str(article), "--engine", "piper", "--voices-dir", str(folder), "--format", "json", *extra)
    assert r.returncode == 0, r.stderr
    doc: dict[str, Any] = json.loads(r.stdout)
    return doc


def id3_voices(mp3: Path) -> dict[str, str]:
    """The MP3's ``voices`` tag read back with mutagen: label → voice id."""
    (frame,) = ID3(mp3).getall("TXXX:voices")
    pairs = [p.rsplit("=", 1) for p in str(frame.text[0]).split("; ")]
    return {label: voice for label, voice in pairs}


@pytest.fixture
def article(tmp_path: Path) -> Path:
    path = tmp_path / "marche.txt"
    path.write_text(ARTICLE, encoding="utf-8")
    return path


# --- genders ----------------------------------------------------------------------------------


def test_known_hub_voices_have_their_gender_from_the_data_file() -> None:
    assert known_genders("fr_FR-siwis-medium") == {"": "f"} and known_genders("fr_FR-siwis-low") == {"": "f"}
    assert known_genders("fr_FR-tom-medium") == {"": "m"} and known_genders("fr_FR-gilles-low") == {"": "m"}
    assert known_genders("fr_FR-upmc-medium") == {"jessica": "f", "pierre": "m"}
    assert known_genders("fr_FR-mls-medium") == {} and known_genders("my-own-voice") == {}
    cast_ = recommended_cast("fr")
    assert len(cast_) >= 4 and all(known_genders(name) for name in cast_)


def test_measured_gender_follows_the_voices_own_pitch(tmp_path: Path) -> None:
    folder = tmp_path / "voices"
    write_voice(folder, "fr_FR-grave-medium", tones=[120.0])
    write_voice(folder, "fr_FR-aigu-medium", tones=[220.0])
    write_voice(folder, "fr_FR-entre-medium", tones=[155.0])  # between 145 and 165 Hz: nobody can tell
    write_voice(folder, "fr_FR-duo-low", speakers={"a": 0, "b": 1}, tones=[230.0, 110.0])
    engine = PiperEngine(EngineConfig(voices_dir=folder))
    found = {v.name: (v.gender, v.f0_hz) for v in engine.voices("fr-FR") if not v.stand_in}
    assert {k: g for k, (g, _) in found.items()} == {
        "fr_FR-grave-medium": "m", "fr_FR-aigu-medium": "f", "fr_FR-entre-medium": None,
        "fr_FR-duo-low:a": "f", "fr_FR-duo-low:b": "m"}  # fmt: skip
    for name, hz in (("fr_FR-grave-medium", 120), ("fr_FR-aigu-medium", 220), ("fr_FR-entre-medium", 155)):
        f0 = found[name][1]
        assert f0 is not None and abs(f0 - hz) < 3, (name, f0)
    stored = json.loads((folder / "fr_FR-grave-medium.voice.json").read_text(encoding="utf-8"))
    assert stored["speakers"][""]["gender"] == "m" and stored["speakers"][""]["source"] == "measured"
    # A new engine (a new run) reads the stored measurement: no model is loaded to list voices.
    again = PiperEngine(EngineConfig(voices_dir=folder))
    assert {v.name: v.gender for v in again.voices("fr-FR") if not v.stand_in} == {
        k: g for k, (g, _) in found.items()}  # fmt: skip
    assert again.loads == 0
    # A replaced model is measured again.
    write_voice(folder, "fr_FR-grave-medium", tones=[240.0])
    third = PiperEngine(EngineConfig(voices_dir=folder))
    assert next(v for v in third.voices("fr-FR") if v.name == "fr_FR-grave-medium").gender == "f"


def test_the_f0_tracker_on_known_tones() -> None:
    t = np.arange(SAMPLE_RATE) / SAMPLE_RATE
    for hz in (100.0, 150.0, 210.0):
        wave = 0.3 * (np.sin(2 * np.pi * hz * t) + 0.5 * np.sin(4 * np.pi * hz * t))
        f0 = median_f0((wave * 32767).astype("<i2").tobytes(), SAMPLE_RATE)
        assert f0 is not None and abs(f0 - hz) < 1.5
    assert median_f0(b"\0\0" * SAMPLE_RATE, SAMPLE_RATE) is None
    assert [gender_of(x) for x in (None, 120.0, 145.0, 150.0, 165.0, 230.0)] == [None, "m", "m", None, "f", "f"]


# --- one pool, one model load per file ----------------------------------------------------------


def test_one_pool_across_models_and_each_model_is_loaded_once(tmp_path: Path) -> None:
    folder = three_models(tmp_path / "voices")
    engine = PiperEngine(EngineConfig(voices_dir=folder))
    voices = engine.voices("fr-FR")
    natural = [v for v in voices if not v.stand_in]
    assert [v.id for v in natural] == ["piper:fr_FR-siwis-medium", "piper:fr_FR-tom-medium",
                                       "piper:fr_FR-upmc-medium:jessica", "piper:fr_FR-upmc-medium:pierre"]  # fmt: skip
    assert [v.gender for v in natural] == ["f", "m", "f", "m"]
    loads_after_listing = engine.loads  # card genders: measured once for the F0, then stored
    for v in natural:
        engine.synthesize("Bonjour à tous.", v)
    assert engine.loads == loads_after_listing == 3  # three model files, four voices
    fresh = PiperEngine(EngineConfig(voices_dir=folder))
    for v in fresh.voices("fr-FR"):
        if not v.stand_in:
            fresh.synthesize("Bonjour.", v)
    assert fresh.loads == 3  # upmc serves jessica and pierre from one session
    assert len(fresh._sessions) == 3


def test_the_anchor_rule_and_the_anchor_voice_setting(tmp_path: Path) -> None:
    def v(name: str, gender: str | None) -> Voice:
        return Voice(f"piper:{name}", "piper", name, "fr-FR", gender)  # type: ignore[arg-type]

    pool = [v("siwis", "f"), v("tom", "m"), v("gilles", "m"), v("upmc:jessica", "f"), v("upmc:pierre", "m")]
    assert choose_anchor(pool).name == "tom"  # three men, two women: a man reads, two of each quote
    assert choose_anchor(pool[:2]).name == "siwis"  # as many of each: the best-ranked
    assert choose_anchor(pool, "piper:upmc:pierre").name == "upmc:pierre"
    folder = three_models(tmp_path / "voices")
    engine = PiperEngine(EngineConfig(voices_dir=folder, anchor_voice="fr_FR-upmc-medium:pierre"))
    assert engine.voices("fr-BE")[0].id == "piper:fr_FR-upmc-medium:pierre"


def test_intra_op_threads_share_the_cores_between_batch_workers(tmp_path: Path) -> None:
    assert intra_op_threads(4, cpus=8, in_worker=True) == 2
    assert intra_op_threads(None, cpus=8, in_worker=True) == 1  # one worker per core by default
    assert intra_op_threads(16, cpus=8, in_worker=True) == 1
    assert intra_op_threads(4, cpus=8, in_worker=False) == 0  # make: onnxruntime's default, every core
    folder = tmp_path / "voices"
    write_voice(folder, "fr_FR-siwis-medium", tones=[215.0])
    ctx = multiprocessing.get_context("spawn")
    with ctx.Pool(1) as pool:  # a real worker process, as a batch runs them
        threads, session_threads = pool.apply(threads_in_worker, (str(folder), 2))
    expected = max(1, (os.cpu_count() or 1) // 2)
    assert threads == expected and session_threads == expected


# --- casting ----------------------------------------------------------------------------------------


def test_piper_cast_on_an_article_quoting_two_women_and_two_men(tmp_path: Path, article: Path) -> None:
    folder = three_models(tmp_path / "voices")
    genders = {v.id: v.gender for v in PiperEngine(EngineConfig(voices_dir=folder)).voices("fr-FR")}
    doc = script_json(article, folder)
    anchor, speakers = doc["anchor"], doc["speakers"]
    assert set(speakers) == {*WOMEN, *MEN}
    assert len({anchor, *speakers.values()}) == 5  # the anchor and each speaker: distinct voices
    assert all(genders[speakers[w]] == "f" for w in WOMEN) and all(genders[speakers[m]] == "m" for m in MEN)
    quotes = [s for s in doc["segments"] if s["kind"] == "quote"]
    assert quotes and all(s["voice"] != anchor for s in quotes)
    # Four natural voices for five roles: one woman is read by a lent espeak-ng voice, said once.
    assert sum(v.startswith("piper:espeak:") for v in speakers.values()) == 1
    assert len(doc["warnings"]) == 1 and INSTALL in doc["warnings"][0]

    out = tmp_path / "out" / "marche.mp3"
    out.parent.mkdir()
    r = run_cli("make", str(article), "--engine", "piper", "--voices-dir", str(folder), "-o", str(out),
                "--no-cache", "--outputs", "mp3")  # fmt: skip
    assert r.returncode == 0, r.stderr
    assert [line for line in r.stderr.splitlines() if line.startswith("warning:")] == [f"warning: {doc['warnings'][0]}"]
    tagged = id3_voices(out)
    assert tagged.pop("Présentateur") == anchor
    assert tagged == speakers  # the MP3 says who spoke in which voice, as the script cast them
    assert probe(out).codec == "mp3"


def test_with_a_full_cast_no_voice_is_lent_and_nothing_is_said(tmp_path: Path, article: Path) -> None:
    folder = three_models(tmp_path / "voices")
    write_voice(folder, "fr_FR-gilles-low", quality="low", tones=[105.0])
    doc = script_json(article, folder)
    assert doc["anchor"] == "piper:fr_FR-tom-medium"  # three men, two women: a man reads the news
    assert sorted(doc["speakers"].values()) == [
        "piper:fr_FR-gilles-low", "piper:fr_FR-siwis-medium", "piper:fr_FR-upmc-medium:jessica",
        "piper:fr_FR-upmc-medium:pierre"]  # fmt: skip
    assert doc["warnings"] == []
    chosen = script_json(article, folder, "--anchor-voice", "piper:fr_FR-siwis-medium")
    assert chosen["anchor"] == "piper:fr_FR-siwis-medium" and chosen["anchor"] not in chosen["speakers"].values()
    (tmp_path / "bulletin.toml").write_text('anchor_voice = "fr_FR-upmc-medium:jessica"\n', encoding="utf-8")
    r = run_cli("script", str(article), "--engine", "piper", "--voices-dir", str(folder), "--format", "json",
                cwd=tmp_path)  # fmt: skip
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["anchor"] == "piper:fr_FR-upmc-medium:jessica"
    bad = run_cli("script", str(article), "--engine", "piper", "--voices-dir", str(folder), "--anchor-voice", "nope")
    assert bad.returncode == 1 and len(bad.stderr.splitlines()) == 1 and "no voice 'nope'" in bad.stderr


def test_one_voice_installed_no_quote_in_the_anchors_voice_and_one_warning(tmp_path: Path, article: Path) -> None:
    folder = tmp_path / "voices"
    write_voice(folder, "fr_FR-siwis-medium", tones=[215.0])
    out = tmp_path / "siwis.mp3"
    r = run_cli("make", str(article), "--engine", "piper", "--voices-dir", str(folder), "-o", str(out),
                "--no-cache", "--outputs", "mp3,json")  # fmt: skip
    assert r.returncode == 0, r.stderr
    warnings = [line for line in r.stderr.splitlines() if line.startswith("warning:")]
    assert len(warnings) == 1 and INSTALL in warnings[0] and "only 1 French Piper voice installed" in warnings[0]
    manifest = json.loads(out.with_suffix(".json").read_text(encoding="utf-8"))
    anchor = "piper:fr_FR-siwis-medium"
    quoted = {s["speaker"]: s["voice"] for s in manifest["segments"] if s["speaker"]}
    assert set(quoted) == {*WOMEN, *MEN} and anchor not in quoted.values() and len(set(quoted.values())) == 4
    assert id3_voices(out)["Présentateur"] == anchor


# --- installing a cast from a local hub -------------------------------------------------------------


class RangeHub:
    """A local voice hub that honours HTTP Range, and can cut one transfer once."""

    def __init__(self, files: dict[str, bytes], index: dict[str, Any]) -> None:
        self.files, self.index = files, index
        self.cut_once: set[str] = set()
        self.ranges: list[tuple[str, str]] = []
        hub = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                path = self.path.lstrip("/")
                body = json.dumps(hub.index).encode() if path == "voices.json" else hub.files.get(path)
                if body is None:
                    self.send_error(404)
                    return
                start = 0
                wanted = self.headers.get("Range")
                if wanted:
                    hub.ranges.append((path, wanted))
                    start = int(wanted.removeprefix("bytes=").split("-")[0])
                    self.send_response(206)
                    self.send_header("Content-Range", f"bytes {start}-{len(body) - 1}/{len(body)}")
                else:
                    self.send_response(200)
                self.send_header("Content-Length", str(len(body) - start))
                self.end_headers()
                if path in hub.cut_once:
                    hub.cut_once.discard(path)
                    self.wfile.write(body[start : start + (len(body) - start) // 2])
                    self.wfile.flush()
                    self.close_connection = True
                    return
                self.wfile.write(body[start:])

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)


@contextmanager
def cast_hub(tmp_path: Path) -> Iterator[RangeHub]:
    """The recommended French cast, as tiny models under the hub's layout."""
    source = tmp_path / "hub-source"
    tones = {"fr_FR-tom-medium": [115.0], "fr_FR-siwis-medium": [215.0], "fr_FR-gilles-low": [105.0]}
    files: dict[str, bytes] = {}
    index: dict[str, Any] = {}
    for key in recommended_cast("fr"):
        if key == "fr_FR-upmc-medium":
            write_voice(source, key, speakers={"jessica": 0, "pierre": 1}, tones=[225.0, 125.0])
        else:
            write_voice(source, key, tones=tones.get(key, [200.0]), quality=key.rsplit("-", 1)[1],
                        pad_kb=400 if key == "fr_FR-siwis-medium" else 0)  # big enough to be cut halfway
        lang, dataset, quality = key.split("-")
        base = f"fr/{lang}/{dataset}/{quality}/{key}"
        mine = {f"{base}.onnx": (source / f"{key}.onnx").read_bytes(),
                f"{base}.onnx.json": (source / f"{key}.onnx.json").read_bytes()}  # fmt: skip
        files.update(mine)
        index[key] = {"key": key, "files": {p: {"size_bytes": len(b), "md5_digest": hashlib.md5(b).hexdigest()}
                                            for p, b in mine.items()}}  # fmt: skip
    hub = RangeHub(files, index)
    hub.thread.start()
    try:
        yield hub
    finally:
        hub.server.shutdown()
        hub.server.server_close()
        hub.thread.join(timeout=10)


def hub_cli(*args: str, hub: str, progress: bool = False) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "BULLETIN_VOICE_HUB": hub, **({"BULLETIN_PROGRESS": "1"} if progress else {})}
    return subprocess.run([sys.executable, "-m", "bulletin", *args], capture_output=True, text=True, env=env,
                          timeout=300)  # fmt: skip


def test_install_fr_installs_a_cast_announces_its_size_and_resumes_a_cut_transfer(tmp_path: Path) -> None:
    folder = tmp_path / "voices"
    with cast_hub(tmp_path) as hub:
        total = sum(len(b) for b in hub.files.values())
        model = next(p for p in hub.files if p.endswith("fr_FR-siwis-medium.onnx"))
        hub.cut_once.add(model)
        first = hub_cli("voices", "--install", "fr", "--voices-dir", str(folder), hub=hub.url)
        assert first.returncode == 1 and "cut off" in first.stderr and "resume" in first.stderr
        cut_at = (folder / ".fr_FR-siwis-medium.onnx.part").stat().st_size
        assert 0 < cut_at < len(hub.files[model])
        again = hub_cli("voices", "--install", "fr", "--voices-dir", str(folder), hub=hub.url, progress=True)
        assert again.returncode == 0, again.stderr
        ranges = list(hub.ranges)
    assert (model, f"bytes={cut_at}-") in ranges  # the second attempt asked only for the rest
    lines = first.stdout.splitlines()
    assert lines[0].startswith("installing 4 voices (fr_FR-tom-medium, fr_FR-siwis-medium, fr_FR-gilles-low, "
                               f"fr_FR-upmc-medium): {total / 1_048_576:.1f} MB")  # fmt: skip
    out = again.stdout.splitlines()
    assert out[0] == "already installed: fr_FR-tom-medium"  # installed before the cut
    assert out[1].startswith("installing 3 voices (fr_FR-siwis-medium, fr_FR-gilles-low, fr_FR-upmc-medium)")
    # One bar for the whole cast: every redraw shows the same total, and it ends full.
    rest = sum(len(b) for p, b in hub.files.items() if "tom" not in p)
    drawn = re.findall(r"([\d.]+)/([\d.]+) kB", again.stderr)
    assert drawn and {t for _, t in drawn} == {f"{rest / 1000:.1f}"} and drawn[-1][0] == drawn[-1][1]
    assert not [p for p in folder.iterdir() if p.name.endswith(".part")]
    for key in recommended_cast("fr"):
        src = next(b for p, b in hub.files.items() if p.endswith(f"{key}.onnx"))
        assert (folder / f"{key}.onnx").read_bytes() == src
        assert profile_path_for(folder, key).is_file()  # measured at install
    doc_genders = {v.id: v.gender for v in PiperEngine(EngineConfig(voices_dir=folder)).voices("fr-FR")
                   if not v.stand_in}  # fmt: skip
    assert sorted(doc_genders.values(), key=str) == ["f", "f", "m", "m", "m"]


def profile_path_for(folder: Path, key: str) -> Path:
    from bulletin.engines.piper_voices import read_voice

    return profile_path(read_voice(folder / f"{key}.onnx"))


# --- samples ------------------------------------------------------------------------------------------


def test_voices_sample_writes_one_mp3_per_voice_and_prints_them(tmp_path: Path) -> None:
    folder = three_models(tmp_path / "voices")
    out = tmp_path / "samples"
    r = run_cli("voices", "--sample", "piper:fr_FR-upmc-medium:pierre", "--voices-dir", str(folder), "-o", str(out))
    assert r.returncode == 0, r.stderr
    (line,) = r.stdout.splitlines()
    path = out / "piper_fr_FR-upmc-medium_pierre.mp3"
    assert line.split() == [str(path), "piper:fr_FR-upmc-medium:pierre", "male", "125", "Hz"]
    info = probe(path)
    assert info.codec == "mp3" and 2000 < (info.duration_ms or 0) < 30000
    every = run_cli("voices", "--sample", "--engine", "piper", "--voices-dir", str(folder), "-o", str(out),
                    "--locale", "fr-BE")  # fmt: skip
    assert every.returncode == 0, every.stderr
    written = [line.split()[:2] for line in every.stdout.splitlines()]
    assert len(written) == 4 + 9 and all(Path(p).is_file() for p, _ in written)  # four own voices, nine lent
    assert written[0] == [str(out / "piper_fr_FR-siwis-medium.mp3"), "piper:fr_FR-siwis-medium"]
    google = run_cli("voices", "--sample", "--engine", "gtts", "-o", str(out))
    assert google.returncode == 1 and "gtts: skipped" in google.stderr  # Google does not answer here
    bad = run_cli("voices", "--sample", "piper:nope", "--voices-dir", str(folder), "-o", str(out))
    assert bad.returncode == 1 and "no voice 'piper:nope'" in bad.stderr


def test_the_sample_library_function_gives_mp3_bytes() -> None:
    data = sample("espeak", "espeak:fr+f3", "fr-FR")
    assert data[:2] in (b"\xff\xfb", b"\xff\xf3", b"\xff\xe3") or data[:3] == b"ID3"
    assert len(data) > 5000
