"""Sidecars and tags, checked on the written files: every timing compared with speech onsets
found by decoding the MP3, captions parsed by real parsers. Loudness and voices are checked in
test_sound.py, the DAISY book in test_daisy.py."""

from __future__ import annotations

import audioop
import itertools
import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import srt
import webvtt
from mutagen.id3 import ID3

from bulletin.ffmpeg import decode_to_pcm, probe
from bulletin.pipeline import Options, make_bulletin

from .conftest import SAMPLE, run_cli, speech_onsets

RATE = 8000


def tiny_png() -> bytes:
    """A real 1x1 PNG, written here rather than shipped."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0\xff\0\0")) + chunk(b"IEND", b"")
    )


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("out") / "journal.mp3"
    cover = out.parent / "cover.png"
    cover.write_bytes(tiny_png())
    make_bulletin(SAMPLE, out, Options(engine="espeak", outputs="all", show="Le Journal", cover=cover))
    return out


@pytest.fixture(scope="module")
def onsets(made: Path) -> list[float]:
    return speech_onsets(made, RATE)


def stamp_ms(stamp: str) -> float:
    h, m, s = stamp.split(":")
    return (int(h) * 3600 + int(m) * 60 + float(s)) * 1000


def near(t: float, onsets: list[float], tol: float = 50) -> bool:
    return any(abs(t - o) <= tol for o in onsets)


def test_vtt_and_srt_parse_and_agree_with_audio(made: Path, onsets: list[float]) -> None:
    vtt = webvtt.read(str(made.with_suffix(".vtt")))
    assert len(vtt.captions) > 15
    starts = [stamp_ms(c.start) for c in vtt]
    assert starts == sorted(starts)
    assert all(near(s, onsets) for s in starts), [s for s in starts if not near(s, onsets)]
    assert any(c.raw_text.startswith("<v Claire Dumoulin>") for c in vtt)
    subs = list(srt.parse(made.with_suffix(".srt").read_text(encoding="utf-8")))
    assert len(subs) == len(vtt.captions)
    assert all(near(s.start.total_seconds() * 1000, onsets) for s in subs)
    assert probe(made).duration_ms >= subs[-1].end.total_seconds() * 1000  # type: ignore[operator]


def test_chapters_json_id3_and_manifest_agree_with_audio(made: Path, onsets: list[float]) -> None:
    doc = json.loads(made.with_suffix(".chapters.json").read_text(encoding="utf-8"))
    assert doc["version"] and all({"startTime", "title"} <= set(c) for c in doc["chapters"])
    json_starts = [c["startTime"] * 1000 for c in doc["chapters"]]
    chaps = sorted(ID3(made).getall("CHAP"), key=lambda f: f.start_time)
    assert [c.start_time for c in chaps] == [round(s) for s in json_starts]
    assert [c["title"] for c in doc["chapters"]][1:] == [
        "Un trafic en forte hausse",
        "Des arbres promis pour le printemps",
    ]
    for s in json_starts[1:]:  # the opening chapter starts at 0, on the chime
        assert near(s, onsets)
    ffmpeg_starts = [c.start_ms for c in probe(made).chapters]
    assert all(abs(a - b) <= 50 for a, b in zip(ffmpeg_starts, json_starts, strict=True))
    manifest = json.loads(made.with_suffix(".json").read_text(encoding="utf-8"))
    for seg in manifest["segments"]:
        assert near(seg["start_ms"], onsets), seg["text"]


def test_cover_and_intro_spoken(made: Path) -> None:
    tag = ID3(made)
    assert tag.getall("APIC")[0].mime == "image/png"
    manifest = json.loads(made.with_suffix(".json").read_text(encoding="utf-8"))
    intro = manifest["segments"][0]
    assert intro["kind"] == "intro" and "vingt-sept novembre deux mille vingt-six" in intro["spoken"]
    assert manifest["segments"][-1]["kind"] == "outro"


def test_numbered_folder(made: Path) -> None:
    files = sorted((made.parent / "journal.parts").glob("*.mp3"))
    assert [f.name[:4] for f in files] == ["001_", "002_", "003_"]
    total = sum(probe(f).duration_ms or 0 for f in files)
    assert abs(total - (probe(made).duration_ms or 0)) < 500
    assert ID3(files[1])["TIT2"].text[0] == "Un trafic en forte hausse"


def test_inspect_any_mp3(made: Path) -> None:
    r = run_cli("inspect", str(made))
    assert r.returncode == 0
    assert "Le Journal" in r.stdout and "chapters:  3" in r.stdout and "LUFS" in r.stdout


def test_rate_changes_duration(tmp_path: Path) -> None:
    slow = make_bulletin(SAMPLE, tmp_path / "s.mp3", Options(engine="espeak", rate=0.8, outputs="mp3"))
    fast = make_bulletin(SAMPLE, tmp_path / "f.mp3", Options(engine="espeak", rate=1.2, outputs="mp3"))
    assert slow.duration_ms > fast.duration_ms * 1.2


@pytest.mark.parametrize(
    ("args", "message", "code"),
    [
        (["--intro", "{bad}"], "not an audio file", 1),  # a file that cannot be used: bad input
        (["--outro", "{missing}"], "no such outro", 1),
        (["--cover", "{bad}"], "not a PNG or JPEG", 1),
        (["--cover", "{missing}"], "cannot read cover", 1),
        (["--rate", "0.5"], "out of range", 2),  # a value the option does not take: a usage error
        (["--preset", "radio"], "unknown preset", 2),
        (["--outputs", "mp3,pdf"], "unknown output", 2),
    ],
)
def test_bad_options_one_line_nothing_written(tmp_path: Path, args: list[str], message: str, code: int) -> None:
    bad = tmp_path / "bad.mp3.txt"
    bad.write_text("ceci n'est pas du son")
    out = tmp_path / "out.mp3"
    filled = [a.format(bad=bad, missing=tmp_path / "nope.mp3") for a in args]
    r = run_cli("make", str(SAMPLE), "-o", str(out), "--engine", "espeak", *filled)
    assert r.returncode == code, r.stderr
    assert len(r.stderr.strip().splitlines()) == 1 and message in r.stderr
    assert not any(tmp_path.glob("out*"))


def low_band_rms(pcm: bytes, start_ms: float, end_ms: float) -> int:
    return audioop.rms(pcm[int(start_ms * RATE / 1000) * 2 : int(end_ms * RATE / 1000) * 2], 2)


def test_music_bed_is_ducked_under_speech(tmp_path: Path) -> None:
    from pydub.generators import Sine

    bed = tmp_path / "bed.wav"
    Sine(80, sample_rate=22050).to_audio_segment(duration=4000, volume=-6).export(bed, format="wav")
    out = tmp_path / "m.mp3"
    res = make_bulletin(SAMPLE, out, Options(engine="espeak", outputs="mp3", music=bed))
    # Keep only the bed's band (80 Hz) to tell it from the voices.
    pcm = decode_to_pcm(out, RATE, filters="lowpass=f=120,lowpass=f=120")
    placements = res.timeline.placements
    speech = [low_band_rms(pcm, p.start_ms + 100, p.end_ms - 100) for p in placements if p.end_ms - p.start_ms > 2000]
    gaps = [low_band_rms(pcm, a.end_ms + 150, b.start_ms - 50) for a, b in itertools.pairwise(placements)
            if b.start_ms - a.end_ms >= 600]  # fmt: skip
    assert gaps and speech
    assert min(gaps) > 200  # the bed plays in the pauses
    assert sorted(speech)[len(speech) // 2] < sorted(gaps)[len(gaps) // 2] / 3  # and ducks under the voices
    plain = decode_to_pcm(make_bulletin(SAMPLE, tmp_path / "p.mp3", Options(engine="espeak", outputs="mp3")).path,
                          RATE, filters="lowpass=f=120,lowpass=f=120")  # fmt: skip
    assert low_band_rms(plain, placements[1].end_ms + 150, placements[2].start_ms - 50) < 100


def test_hostile_text_stays_well_formed_everywhere(tmp_path: Path) -> None:
    nasty = "<script>alert('x')</script> & ]]> --> «"
    article = tmp_path / "h.txt"
    article.write_text(f"title: {nasty}\x07\n\nUn texte {nasty} ici. « Une citation {nasty} », dit Paul Martin.\n",
                       "utf-8")  # fmt: skip
    out = tmp_path / "h.mp3"
    make_bulletin(article, out, Options(engine="espeak", outputs="all"))
    ET.parse(out.parent / "h.daisy" / "ncc.html")
    for smil in (out.parent / "h.daisy").glob("*.smil"):
        ET.parse(smil)
    vtt = webvtt.read(str(out.with_suffix(".vtt")))
    assert any("&lt;script&gt;" in c.text for c in vtt)  # escaped, so no player runs or hides it
    text = out.with_suffix(".vtt").read_text(encoding="utf-8")
    assert "<script>" not in text and "\x07" not in text
    # "-->" inside a cue would end its text and start a bogus timing: only timing lines hold it.
    timing = re.compile(r"^\d{2}:\d{2}:\d{2}\.\d{3} --> \d{2}:\d{2}:\d{2}\.\d{3}$")
    arrows = [line for line in text.splitlines() if "-->" in line]
    assert arrows and all(timing.match(line) for line in arrows), arrows
    json.loads(out.with_suffix(".json").read_text(encoding="utf-8"))
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        ["h.txt", "h.mp3", "h.vtt", "h.srt", "h.chapters.json", "h.json", "h.daisy", "h.parts"]
    )


def test_no_user_text_reaches_a_shell() -> None:
    root = Path(__file__).resolve().parent.parent / "bulletin"
    for path in root.rglob("*.py"):
        source = path.read_text(encoding="utf-8")
        assert "shell=True" not in source, path
        assert "os.system(" not in source and "os.popen(" not in source, path
