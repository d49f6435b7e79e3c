"""The engine stack (issue 13): the contract, Cached and Fallback wrappers, the fake engine,
espeak-ng's thread-safe start-up, interrupts, and the clip cache's own housekeeping."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from bulletin.cache import ClipCache, ClipSet, parse_age, parse_size
from bulletin.engines.base import AudioChunk, Engine, EngineConfig, get_engine
from bulletin.engines.espeak import EspeakEngine
from bulletin.engines.fake import FakeEngine
from bulletin.engines.stack import Cached, Fallback, engine_summary, equivalent_voice, open_engine
from bulletin.errors import ConfigError, EngineUnavailable, OutputError, UnknownVoiceError
from bulletin.pipeline import Options, make_bulletin

from .conftest import ROOT, SAMPLE
from .gtts_server import Behaviour, GttsServer


def test_every_engine_and_wrapper_meets_the_whole_contract(tmp_path: Path) -> None:
    cache = ClipCache(tmp_path)
    for engine in (EspeakEngine(), get_engine("gtts"), FakeEngine(), Cached(FakeEngine(), cache),
                   Fallback(FakeEngine(), EspeakEngine())):  # fmt: skip
        assert isinstance(engine, Engine), engine
        assert engine.parallel >= 1 and engine.version and engine.voices("fr-BE")[0].locale == "fr-BE"


def test_cached_serves_the_second_call_from_disk(tmp_path: Path) -> None:
    fake = FakeEngine()
    stack = Cached(fake, ClipCache(tmp_path))
    voice = fake.voices("fr-FR")[1]
    first = stack.synthesize("Bonjour.", voice)
    second = stack.synthesize("Bonjour.", voice)
    assert len(fake.calls) == 1 and stack.hits == 1
    assert second.data == first.data and second.stored is not None and second.engine == "fake"
    stack.synthesize("Bonjour.", voice, rate=0.8)  # another rate is another clip
    assert len(fake.calls) == 2


def test_fallback_clips_never_enter_the_primary_cache(tmp_path: Path) -> None:
    """Issue 13 defect 1: a fallback clip was cached under the primary's key."""
    cache = ClipCache(tmp_path)
    down = FakeEngine(fail_after=0)
    stack = Fallback(Cached(down, cache), Cached(FakeEngine(name="offline"), cache))
    voice = down.voices("fr-FR")[1]
    chunk = stack.synthesize("Une phrase.", voice)
    assert chunk.engine == "offline" and stack.tripped
    healthy = FakeEngine()
    again = Cached(healthy, cache).synthesize("Une phrase.", voice)
    assert len(healthy.calls) == 1 and again.engine == "fake"  # asked, not served the offline clip


def test_cached_outside_a_fallback_does_not_store_the_fallback_either(tmp_path: Path) -> None:
    cache = ClipCache(tmp_path)
    stack = Cached(Fallback(FakeEngine(fail_after=0), FakeEngine(name="offline")), cache)
    stack.synthesize("Une phrase.", FakeEngine().voices("fr-FR")[0])
    assert cache.stats().entries == 0


def test_fallback_voice_keeps_gender_and_rank() -> None:
    primary, secondary = FakeEngine(), EspeakEngine()
    mine, theirs = primary.voices("fr-FR"), secondary.voices("fr-FR")
    assert equivalent_voice(mine[0], primary, secondary) == theirs[0]
    for v in mine[1:]:
        assert equivalent_voice(v, primary, secondary).gender == v.gender
    women = [equivalent_voice(v, primary, secondary) for v in mine[1:] if v.gender == "f"]
    assert len({w.id for w in women}) == len(women)


def test_unknown_voice_is_not_hidden_by_the_fallback() -> None:
    stack = Fallback(FakeEngine(), EspeakEngine())
    with pytest.raises(UnknownVoiceError):
        stack.synthesize("x", EspeakEngine().voices("fr-FR")[0])


def test_engine_summary_says_what_really_spoke() -> None:
    assert engine_summary("gtts", {"gtts": 30}) == "gtts"
    assert engine_summary("gtts", {"gtts": 18, "espeak": 12}) == "gtts, 12 clips by espeak (fallback)"


def test_fallback_run_then_healthy_run_asks_google_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 13 defect 1, end to end through the real stack the CLI builds: after a run that
    fell back, a healthy run without --fallback must request every clip from gTTS and say so."""
    cache = tmp_path / "cache"
    with GttsServer(Behaviour(always=500)) as srv:
        monkeypatch.setenv("BULLETIN_GTTS_ENDPOINT", srv.url)
        first = make_bulletin(SAMPLE, tmp_path / "a.mp3", Options(engine="gtts", fallback=True, cache_dir=cache))
    assert "by espeak (fallback)" in first.engine
    with GttsServer() as srv:
        monkeypatch.setenv("BULLETIN_GTTS_ENDPOINT", srv.url)
        second = make_bulletin(SAMPLE, tmp_path / "b.mp3", Options(engine="gtts", cache_dir=cache))
        asked = len(srv.requests)
    assert asked > 10 and second.engine == "gtts"


def test_open_engine_builds_the_asked_stack(tmp_path: Path) -> None:
    stack, reason = open_engine("espeak", EngineConfig(), cache=ClipCache(tmp_path))
    assert isinstance(stack, Cached) and reason == "as asked"
    stack, _ = open_engine("gtts", EngineConfig(), cache=None, fallback=True)
    assert isinstance(stack, Fallback) and stack.secondary.name == "espeak"


FIRST_USE = textwrap.dedent(
    """
    import sys, threading
    from bulletin.engines.espeak import EspeakEngine
    eng = EspeakEngine()
    voices = eng.voices("fr-FR")
    out, errors = {}, []
    def speak(i):
        try:
            out[i] = eng.synthesize("Bonjour à tous, voici les nouvelles.", voices[i % 3]).data
        except BaseException as exc:
            errors.append(repr(exc))
    threads = [threading.Thread(target=speak, args=(i,)) for i in range(4)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    assert not errors, errors
    sizes = [len(out[i]) for i in range(4)]
    # espeak-ng's output varies by a few samples from call to call: same voice, same length.
    assert all(s > 10000 for s in sizes) and abs(sizes[0] - sizes[3]) < 0.02 * sizes[0], sizes
    print("ok")
    """
)


@pytest.mark.parametrize("run", range(4))
def test_espeak_first_use_from_four_threads_at_once(run: int) -> None:
    """Issue 13 defect 2: start-up was not thread-safe (crashes and 0-byte clips)."""
    r = subprocess.run([sys.executable, "-c", FIRST_USE], capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert r.returncode == 0 and r.stdout.strip() == "ok", r.stdout + r.stderr


def test_espeak_reads_a_language_span_in_that_language() -> None:
    eng = EspeakEngine()
    voice = eng.voices("fr-FR")[0]
    french = eng.synthesize("Le film de Bud Luckey sort demain.", voice)
    english = eng.synthesize("Le film de ⟦en|Bud Luckey⟧ sort demain.", voice)
    assert english.data and english.data != french.data
    literal = eng.synthesize("Tom & Jerry <3", voice)  # markup characters outside a span stay text
    assert literal.duration_ms > 500


INTERRUPT_IN_CALLBACK = textwrap.dedent(
    """
    import os, signal, threading, time
    from bulletin.engines import espeak
    eng = espeak.EspeakEngine()
    voice = eng.voices("fr-FR")[0]
    eng.synthesize("échauffement", voice)
    text = " ".join(["Une longue phrase que le synthétiseur lit sans se presser."] * 80)
    threading.Timer(0.05, lambda: os.kill(os.getpid(), signal.SIGINT)).start()
    try:
        eng.synthesize(text, voice)
    except KeyboardInterrupt:
        print("interrupted")
    else:
        print("finished")
    """
)


def test_ctrl_c_inside_espeak_callback_is_raised_not_swallowed() -> None:
    """Issue 16 problem 1: ctypes swallowed the KeyboardInterrupt and a short clip came back."""
    r = subprocess.run([sys.executable, "-c", INTERRUPT_IN_CALLBACK], capture_output=True, text=True, timeout=120,
                       cwd=ROOT)  # fmt: skip
    assert r.stdout.strip() == "interrupted", r.stdout + r.stderr
    assert "Exception ignored" not in r.stderr


def test_fake_engine_fails_when_told() -> None:
    fake = FakeEngine(fail_after=1)
    v = fake.voices("fr-FR")[0]
    assert fake.synthesize("abc", v).duration_ms == pytest.approx(180, abs=1)
    with pytest.raises(EngineUnavailable):
        fake.synthesize("abc", v)


# --- the clip cache ---------------------------------------------------------------------------


def _fill(cache: ClipCache, n: int, size: int = 1000) -> list[str]:
    keys = [f"{i:02x}" + "0" * 62 for i in range(n)]
    for i, key in enumerate(keys):
        cache.put(key, AudioChunk(16000, 2, 1, bytes([i]) * size))
        os.utime(cache._path(key), (1_000_000 + i, 1_000_000 + i))  # oldest first
    return keys


def test_clear_removes_only_what_the_cache_wrote(tmp_path: Path) -> None:
    """Issue 13 defect 3: 'cache clear --cache-dir DIR' deleted DIR and everything in it."""
    cache = ClipCache(tmp_path / "mine")
    _fill(cache, 3)
    keep = [tmp_path / "mine" / "notes.txt", tmp_path / "mine" / "ab" / "photo.jpg", tmp_path / "mine" / "zz" / "x"]
    for p in keep:
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text("not a clip")
    assert cache.clear() == 3
    assert all(p.read_text() == "not a clip" for p in keep)
    assert cache.stats().entries == 0 and (tmp_path / "mine").is_dir()


def test_prune_by_size_drops_least_recently_used_first(tmp_path: Path) -> None:
    cache = ClipCache(tmp_path)
    keys = _fill(cache, 5, size=1000)
    per = cache._path(keys[0]).stat().st_size
    cache.get(keys[0])  # used now: becomes the most recent
    removed = cache.prune(max_bytes=3 * per)
    assert removed == 2
    left = {k for k in keys if cache._path(k).exists()}
    assert left == {keys[0], keys[3], keys[4]}


def test_prune_by_age(tmp_path: Path) -> None:
    cache = ClipCache(tmp_path)
    keys = _fill(cache, 3)
    os.utime(cache._path(keys[2]))  # fresh
    assert cache.prune(older_than=parse_age("30d")) == 2
    assert cache._path(keys[2]).exists()


def test_sizes_and_ages_are_read_like_people_write_them() -> None:
    assert parse_size("2G") == 2 * 1024**3 and parse_size("500M") == 500 * 1024**2 and parse_size("1.5GB") > 1e9
    assert parse_age("2w") == 14 * 86400 and parse_age("12h") == 43200
    with pytest.raises(ConfigError, match="500M or 2G"):
        parse_size("lots")
    with pytest.raises(ConfigError, match="30d"):
        parse_age("a month")


def test_cache_max_size_is_applied_after_a_run(tmp_path: Path) -> None:
    cache = tmp_path / "c"
    make_bulletin(SAMPLE, tmp_path / "a.mp3", Options(engine="espeak", cache_dir=cache, outputs="mp3",
                                                      cache_max_size="200k"))  # fmt: skip
    assert 0 < ClipCache(cache).stats().bytes <= 200 * 1024


def test_clips_that_cannot_be_spilled_are_an_error_not_memory(monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 13 defect 13: on a full disk, clips piled up in memory."""
    monkeypatch.setattr("bulletin.cache.write_clip", lambda path, chunk: False)
    clips = ClipSet([["0"]])
    try:
        with pytest.raises(OutputError, match="no room"):
            clips.keep("0", AudioChunk(16000, 2, 1, b"\0\1" * 100))
    finally:
        clips.close()
