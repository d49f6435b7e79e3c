"""The DAISY 2.02 book, walked as a player walks it: ncc.html for navigation, then every SMIL's
clips in order. The clips must play the whole MP3, designed pauses included, and every duration
in the metadata must agree with the clips."""

from __future__ import annotations

import datetime as dt
import itertools
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from bulletin.ffmpeg import probe
from bulletin.outputs.daisy import book_date
from bulletin.pipeline import Options, make_bulletin

from .conftest import SAMPLE, speech_onsets

XHTML = {"x": "http://www.w3.org/1999/xhtml"}
RATE = 8000


def npt_ms(value: str) -> float:
    m = re.fullmatch(r"npt=(\d+(?:\.\d+)?)s", value)
    assert m, value
    return float(m[1]) * 1000


def clock_s(value: str) -> int:
    h, m, s = (int(x) for x in value.split(":"))
    return h * 3600 + m * 60 + s


def smil_files(book: Path) -> list[Path]:
    """The SMIL files in the order the ncc links them."""
    ncc = ET.parse(book / "ncc.html").getroot()
    names = [a.get("href", "").split("#")[0] for a in ncc.iterfind(".//x:a", XHTML)]
    return [book / n for n in dict.fromkeys(names)]


def daisy_clips(book: Path) -> list[tuple[float, float]]:
    """Every audio clip (ms) of the book, in playing order."""
    clips = []
    for smil in smil_files(book):
        for audio in ET.parse(smil).getroot().iter("audio"):
            clips.append((npt_ms(audio.get("clip-begin", "")), npt_ms(audio.get("clip-end", ""))))
    return clips


def coverage(book: Path) -> float:
    """Share of the MP3's duration that the clips play (overlaps counted once)."""
    duration = probe(book / "bulletin.mp3").duration_ms or 0
    covered, reach = 0.0, 0.0
    for a, b in sorted(daisy_clips(book)):
        a, b = max(a, reach), min(b, duration)
        if b > a:
            covered += b - a
            reach = b
    return covered / duration if duration else 0.0


@pytest.fixture(scope="module")
def book(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample with a show (chimes at both ends) and the accessible preset's long pauses."""
    out = tmp_path_factory.mktemp("daisy") / "journal.mp3"
    make_bulletin(SAMPLE, out, Options(engine="espeak", outputs="mp3,daisy", show="Le Journal", preset="accessible"))
    return out.parent / "journal.daisy"


@pytest.fixture(scope="module")
def onsets(book: Path) -> list[float]:
    return speech_onsets(book / "bulletin.mp3", RATE)


def test_ncc_structure(book: Path) -> None:
    ncc = ET.parse(book / "ncc.html").getroot()
    metas = {m.get("name"): m.get("content") for m in ncc.iterfind(".//x:meta", XHTML)}
    for key in ("dc:title", "dc:identifier", "dc:language", "dc:format", "ncc:totalTime", "ncc:tocItems",
                "ncc:charset", "ncc:generator", "ncc:multimediaType"):  # fmt: skip
        assert metas.get(key), key
    body = ncc.find("x:body", XHTML)
    assert body is not None
    levels = [int(el.tag[-1]) for el in body if re.fullmatch(r"\{.*\}h[1-6]", el.tag)]
    assert levels[0] == 1 and all(b - a <= 1 for a, b in itertools.pairwise(levels))
    assert int(metas["ncc:tocItems"] or 0) == len(levels)
    # the first quote comes before any heading (h2), then two headings (h2) with quotes under them (h3)
    assert levels.count(2) == 3 and levels.count(3) >= 3
    assert len(smil_files(book)) == len(levels) == len(list(book.glob("*.smil")))


def test_clips_are_contiguous_and_cover_the_whole_mp3(book: Path) -> None:
    clips = daisy_clips(book)
    duration = probe(book / "bulletin.mp3").duration_ms or 0
    assert clips[0][0] == 0
    assert all(a < b for a, b in clips)
    assert all(prev[1] == cur[0] for prev, cur in itertools.pairwise(clips)), "a gap or overlap between clips"
    assert abs(clips[-1][1] - duration) <= 100  # the MP3's frames round its length up a little
    assert coverage(book) >= 0.99


def test_clip_starts_are_speech_onsets(book: Path, onsets: list[float]) -> None:
    """Contiguous does not mean shifted: a clip still starts where its sentence does, so a player
    that jumps to a heading or a quote lands on its first word, not on the pause before it."""
    for a, _b in daisy_clips(book)[1:]:
        assert any(abs(a - o) <= 50 for o in onsets), a


def test_durations_agree_with_the_clips(book: Path) -> None:
    elapsed_ms = 0.0
    ncc = ET.parse(book / "ncc.html").getroot()
    metas = {m.get("name"): m.get("content") or "" for m in ncc.iterfind(".//x:meta", XHTML)}
    for smil in smil_files(book):
        root = ET.parse(smil).getroot()
        seq = root.find("body/seq")
        assert seq is not None
        total = sum(npt_ms(a.get("clip-end", "")) - npt_ms(a.get("clip-begin", "")) for a in root.iter("audio"))
        assert abs(float(seq.get("dur", "")[:-1]) * 1000 - total) <= 1, smil.name
        meta = {m.get("name"): m.get("content") or "" for m in root.iter("meta")}
        assert abs(clock_s(meta["ncc:timeInThisSmil"]) - total / 1000) <= 0.5, smil.name
        assert abs(clock_s(meta["ncc:totalElapsedTime"]) - elapsed_ms / 1000) <= 0.5, smil.name
        elapsed_ms += total
    assert abs(clock_s(metas["ncc:totalTime"]) - elapsed_ms / 1000) <= 0.5


def test_dc_date_is_the_articles_full_date(book: Path) -> None:
    ncc = ET.parse(book / "ncc.html").getroot()
    metas = {m.get("name"): m.get("content") for m in ncc.iterfind(".//x:meta", XHTML)}
    assert metas["dc:date"] == "2026-11-27"


def test_dc_date_of_an_article_dated_by_month_is_the_production_date(tmp_path: Path) -> None:
    article = tmp_path / "mois.txt"
    article.write_text("title: Un bilan mensuel\ndate: 2019-12\n\nLe bilan du mois est publié ce matin.\n", "utf-8")
    make_bulletin(article, tmp_path / "mois.mp3", Options(engine="espeak", outputs="mp3,daisy"))
    ncc = ET.parse(tmp_path / "mois.daisy" / "ncc.html").getroot()
    metas = {m.get("name"): m.get("content") for m in ncc.iterfind(".//x:meta", XHTML)}
    assert metas["dc:date"] in {dt.date.today().isoformat(), (dt.date.today() - dt.timedelta(days=1)).isoformat()}


@pytest.mark.parametrize(
    ("date", "expected"),
    [
        ("2019-12-03", "2019-12-03"),
        ("2019-12", "2026-01-02"),
        ("2019", "2026-01-02"),
        (None, "2026-01-02"),
        ("", "2026-01-02"),
    ],
)
def test_book_date(date: str | None, expected: str) -> None:
    assert book_date(date, today=dt.date(2026, 1, 2)) == expected
