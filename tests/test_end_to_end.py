"""Real components: espeak-ng synthesis, ffmpeg encoding and decoding, mutagen read-back."""

from __future__ import annotations

import itertools
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from mutagen.id3 import ID3

from bulletin.engines.espeak import EspeakEngine
from bulletin.ffmpeg import decode_to_pcm, probe
from bulletin.pipeline import Options, make_bulletin

from .conftest import ROOT, SAMPLE, hidden, run_cli


def words(s: str) -> list[str]:
    return re.findall(r"\w+", s.lower())


def in_order(needle: list[str], hay: list[str]) -> bool:
    it = iter(hay)
    return all(w in it for w in needle)


@pytest.fixture(scope="module")
def seed_mp3(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from .conftest import SEED

    if not SEED.exists():
        pytest.skip("../shared/corpus is not beside the repository")
    out = tmp_path_factory.mktemp("seed") / "seed.mp3"
    r = run_cli("make", str(SEED), "-o", str(out), "--locale", "fr-BE")
    assert r.returncode == 0, r.stderr
    assert str(out) in r.stdout and "min" in r.stdout
    return out


def test_espeak_synthesises_real_audio() -> None:
    eng = EspeakEngine()
    voices = eng.voices("fr-FR")
    a = eng.synthesize("Bonjour à tous.", voices[0])
    b = eng.synthesize("Bonjour à tous.", voices[1])
    assert a.sample_rate > 8000 and 300 < a.duration_ms < 5000
    assert a.data != b.data  # a different voice sounds different
    assert max(abs(int.from_bytes(a.data[i : i + 2], "little", signed=True)) for i in range(0, len(a.data), 2)) > 1000


def test_seed_chapters_in_time_order_by_ffmpeg_and_mutagen(seed_mp3: Path) -> None:
    info = probe(seed_mp3)
    assert info.codec == "mp3" and info.duration_ms and info.duration_ms > 30_000
    titles = [c.title for c in info.chapters]
    assert len(titles) == 4
    assert titles[1:] == [
        "Il y a certainement des risques",
        "Les menaces sont tellement importantes pour nous qu'on ne peut pas simplement laisser cela",
        "200 Belges sur plus de 11.000 militaires de l'ONU",
    ]
    starts = [c.start_ms for c in info.chapters]
    assert starts == sorted(starts) and starts[0] == 0
    tag = ID3(seed_mp3)
    chaps = sorted(tag.getall("CHAP"), key=lambda f: f.start_time)
    assert [c.sub_frames["TIT2"].text[0] for c in chaps] == titles
    toc = tag.getall("CTOC")[0]
    assert list(toc.child_element_ids) == [c.element_id for c in chaps]
    assert abs(chaps[-1].end_time - info.duration_ms) < 100


def test_seed_transcript_holds_every_word(seed_mp3: Path) -> None:
    from .conftest import SEED

    tag = ID3(seed_mp3)
    uslt = tag.getall("USLT")[0].text
    body = SEED.read_text(encoding="utf-8").replace("date 2019-12", "", 1)
    assert in_order(words(body), words(uslt))
    assert "», confie Johan Peeters." in uslt  # punctuation of the article kept, not only words
    assert tag["TLAN"].text[0] == "fra" and tag["TDRC"].text[0].text.startswith("2019-12")


def test_seed_quotes_in_other_voices(seed_mp3: Path) -> None:
    tag = ID3(seed_mp3)
    voices = dict(pair.split("=") for pair in tag.getall("TXXX:voices")[0].text[0].split("; "))
    anchor = voices["Présentateur"]
    assert voices["Johan Peeters"] != anchor and voices["un soldat"] != anchor
    assert voices["Johan Peeters"] != voices["un soldat"]


def test_seed_audio_is_not_silence(seed_mp3: Path) -> None:
    pcm = decode_to_pcm(seed_mp3, 8000)
    samples = [abs(int.from_bytes(pcm[i : i + 2], "little", signed=True)) for i in range(0, len(pcm), 400)]
    assert sum(1 for s in samples if s > 500) > len(samples) // 10


def test_library_api_sample(tmp_path: Path) -> None:
    res = make_bulletin(SAMPLE, tmp_path / "s.mp3", Options(locale="fr-CH", show="Le Journal"))
    assert res.path.exists() and res.duration_ms > 20_000
    tag = ID3(res.path)
    assert tag["TALB"].text[0] == "Le Journal"
    assert tag["TIT2"].text[0].startswith("Namur inaugure")
    quotes = [s for s in res.script.segments if s.kind == "quote"]
    assert {s.speaker for s in quotes} >= {"Claire Dumoulin", "Sophie Lambert", "Marc Delvaux"}
    assert not hidden(tmp_path)


def test_default_output_path(tmp_path: Path) -> None:
    r = run_cli("make", str(SAMPLE), "-q", cwd=tmp_path)  # audio_out/ is made when missing
    assert r.returncode == 0, r.stderr
    out = tmp_path / "audio_out" / "2026-11-27-namur-inaugure-sa-passerelle-cyclable-au-dessus-de-la-meuse.mp3"
    assert out.exists()


@pytest.mark.parametrize(
    ("setup", "message", "code"),
    [
        ("missing", "no such file", 1),
        ("dir", "folder", 1),
        ("empty", "no text", 1),
        ("blank", "no text", 1),
        ("binary", "binary", 1),
        ("out_not_dir", "not a folder", 1),
        ("bad_locale", "unknown locale", 2),
        ("bad_rate", "out of range", 2),
    ],
)
def test_bad_input_one_line_no_output(tmp_path: Path, setup: str, message: str, code: int) -> None:
    """Bad input exits 1; a bad option value exits 2, as a misspelt option does."""
    article = tmp_path / "a.txt"
    article.write_text("Un texte correct.", encoding="utf-8")
    out = tmp_path / "out.mp3"
    extra: list[str] = []
    if setup == "missing":
        article = tmp_path / "absent.txt"
    elif setup == "dir":
        article = tmp_path
    elif setup == "empty":
        article.write_bytes(b"")
    elif setup == "blank":
        article.write_text("  \n \n\t", encoding="utf-8")
    elif setup == "binary":
        article.write_bytes(bytes(range(256)) * 4)
    elif setup == "out_not_dir":
        (tmp_path / "file").write_text("x")
        out = tmp_path / "file" / "out.mp3"
    elif setup == "bad_locale":
        extra = ["--locale", "fr-XX"]
    elif setup == "bad_rate":
        extra = ["--rate", "3"]
    r = run_cli("make", str(article), "-o", str(out), *extra)
    assert r.returncode == code, r.stderr
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0], r.stderr
    assert "Traceback" not in r.stderr
    assert not out.exists()


def test_unwritable_output_folder(tmp_path: Path) -> None:
    ro = tmp_path / "ro"
    ro.mkdir()
    if os.geteuid() == 0:
        target = Path("/proc/self/bulletin.mp3")  # root ignores modes; /proc refuses new files
    else:
        ro.chmod(0o500)
        target = ro / "out.mp3"
    r = run_cli("make", str(SAMPLE), "-o", str(target))
    assert r.returncode == 1 and len(r.stderr.strip().splitlines()) == 1
    assert "cannot write" in r.stderr
    assert not target.exists()


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGKILL])
def test_interrupted_run_leaves_no_partial_mp3(tmp_path: Path, sig: signal.Signals) -> None:
    long = tmp_path / "long.txt"
    long.write_text((SAMPLE.read_text(encoding="utf-8") + "\n\n") * 25, encoding="utf-8")
    out = tmp_path / "out.mp3"
    proc = subprocess.Popen(
        [sys.executable, "-m", "bulletin", "make", str(long), "-o", str(out), "-q"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=ROOT,
    )
    # Wait until the encode has started (the temporary file appears), then interrupt.
    deadline, part = time.time() + 60, ".bulletin-scratch-*/out.mp3.*.part"
    while time.time() < deadline and not list(tmp_path.glob(part)) and proc.poll() is None:
        time.sleep(0.02)
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode != 0
    assert not out.exists()
    if sig == signal.SIGINT:
        assert b"Traceback" not in err
        assert not hidden(tmp_path)


def test_many_chapters_fit_one_table_of_contents(tmp_path: Path) -> None:
    from bulletin.ffmpeg import encode_mp3
    from bulletin.outputs.id3 import MAX_CHAPTERS, TagInfo, write_tags
    from bulletin.timeline import ChapterMark

    out = tmp_path / "c.mp3"
    encode_mp3(b"\0\0" * 8000 * 70, 8000, out)  # 70 s of silence
    marks = [ChapterMark(f"Partie {i}", i * 100, (i + 1) * 100) for i in range(600)]
    info = TagInfo("T", "A", "B", None, "Podcast", "c", "t", "espeak", "v")
    write_tags(out, info, marks)
    chaps = sorted(ID3(out).getall("CHAP"), key=lambda f: f.start_time)
    assert len(chaps) <= MAX_CHAPTERS and chaps[0].start_time == 0 and chaps[-1].end_time == 60_000
    assert all(a.end_time == b.start_time for a, b in itertools.pairwise(chaps))
    assert len(probe(out).chapters) == len(chaps)
