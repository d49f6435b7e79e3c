"""gTTS over real HTTP: the real gtts code prepares every request, a local server on 127.0.0.1
answers with real MP3 speech. No test reaches the internet."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from mutagen.id3 import ID3

from bulletin.article import parse_text
from bulletin.cache import ClipCache
from bulletin.engines.base import EngineConfig
from bulletin.engines.espeak import EspeakEngine
from bulletin.engines.gtts import GttsEngine, merge_tokens
from bulletin.engines.ratelimit import ThreadRateLimiter
from bulletin.engines.stack import Cached, Fallback
from bulletin.errors import EngineError, EngineUnavailable
from bulletin.pipeline import Options, make_bulletin, synthesize
from bulletin.script import build_script

from .conftest import ROOT, SAMPLE, run_cli
from .gtts_server import Behaviour, GttsServer, gtts_pointed_at


def engine(jobs: int = 4, rate_limit: float = 0.0, **kw: float) -> GttsEngine:
    """An engine whose requests go where gTTS's own URL function says (patched per test)."""
    params = {"timeout": 2.0, "retries": 3, "backoff": 0.01} | kw
    config = EngineConfig(jobs=jobs, limiter=ThreadRateLimiter(rate_limit))
    return GttsEngine(config, endpoint="", **params)  # type: ignore[arg-type]


def cached(cache: Path, **kw: float) -> Cached:
    """The stack 'make' builds: the engine behind the clip cache."""
    return Cached(engine(**kw), ClipCache(cache))  # type: ignore[arg-type]


def test_success_real_audio_and_distinct_voices() -> None:
    with GttsServer() as srv, gtts_pointed_at(srv.url):
        e = engine()
        v = e.voices("fr-FR")
        a = e.synthesize("Bonjour à tous, voici le journal.", v[0])
        b = e.synthesize("Bonjour à tous, voici le journal.", v[2])  # same accent, lower pitch
    assert a.sample_rate == 24000 and 800 < a.duration_ms < 6000
    assert a.data != b.data
    assert srv.requests[0][0] == "Bonjour à tous, voici le journal."
    assert srv.requests[0][1] == "/_/TranslateWebserverUi/data/batchexecute"


def test_429_then_success() -> None:
    with GttsServer(Behaviour(statuses=[429])) as srv, gtts_pointed_at(srv.url):
        e = engine()
        chunk = e.synthesize("Une phrase.", e.voices("fr-FR")[0])
    assert chunk.duration_ms > 100 and len(srv.requests) == 2


def test_500_until_give_up() -> None:
    with GttsServer(Behaviour(always=500)) as srv, gtts_pointed_at(srv.url):
        e = engine(retries=2)
        with pytest.raises(EngineError, match=r"kept failing \(HTTP 500"):
            e.synthesize("Une phrase.", e.voices("fr-FR")[0])
    assert len(srv.requests) == 3


def test_read_timeout_is_retried_then_reported() -> None:
    with GttsServer(Behaviour(statuses=[-1])) as srv, gtts_pointed_at(srv.url):
        e = engine(timeout=0.5)
        assert e.synthesize("Une phrase.", e.voices("fr-FR")[0]).duration_ms > 100
    assert len(srv.requests) == 2
    with GttsServer(Behaviour(always=-1)) as srv, gtts_pointed_at(srv.url):
        e = engine(timeout=0.3, retries=1)
        t0 = time.monotonic()
        with pytest.raises(EngineUnavailable, match="timed out"):
            e.synthesize("Une phrase.", e.voices("fr-FR")[0])
        assert time.monotonic() - t0 < 5


def test_200_without_audio_is_an_error() -> None:
    with GttsServer(Behaviour(always=0)) as srv, gtts_pointed_at(srv.url):
        e = engine()
        with pytest.raises(EngineError, match="without audio"):
            e.synthesize("Une phrase.", e.voices("fr-FR")[0])


def test_connection_refused_says_use_espeak() -> None:
    e = engine(retries=1)
    with gtts_pointed_at("http://127.0.0.1:9"), pytest.raises(EngineUnavailable, match="--engine espeak"):
        e.synthesize("Une phrase.", e.voices("fr-FR")[0])


def test_tls_is_verified() -> None:
    e = engine()
    assert e._session().verify is True


def test_parallel_requests_keep_order() -> None:
    text = "title: Essai\n\n" + "\n\n".join(
        f"Paragraphe {i}. « Citation numéro {i} pour l'essai », dit Paul Martin." for i in range(8)
    )
    with GttsServer(Behaviour(latency=0.15)) as srv, gtts_pointed_at(srv.url):
        e = engine(jobs=6)
        script = build_script(parse_text(text), e.voices("fr-FR"), locale="fr-FR")
        parallel = synthesize(script, e, 1.0)
        assert srv.max_active > 1
        sequential = synthesize(script, engine(jobs=1), 1.0)
    assert [[c.data for c in seg] for seg in parallel] == [[c.data for c in seg] for seg in sequential]
    parallel.close()
    sequential.close()


def test_cache_prevents_repeat_requests(tmp_path: Path) -> None:
    with GttsServer() as srv, gtts_pointed_at(srv.url):
        opts = Options(engine="gtts", cache_dir=tmp_path / "cache")
        make_bulletin(SAMPLE, tmp_path / "a.mp3", opts, engine=cached(tmp_path / "cache"))
        first = len(srv.requests)
        make_bulletin(SAMPLE, tmp_path / "b.mp3", opts, engine=cached(tmp_path / "cache"))
    assert first > 10 and len(srv.requests) == first
    assert ClipCache(tmp_path / "cache").stats().entries > 5


def test_failure_mid_bulletin_leaves_no_output_and_a_reusable_cache(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    out = tmp_path / "out.mp3"
    opts = Options(engine="gtts", cache_dir=cache)
    with GttsServer(Behaviour(fail_after=8)) as srv, gtts_pointed_at(srv.url), pytest.raises(EngineError):
        make_bulletin(SAMPLE, out, opts, engine=cached(cache, retries=1, jobs=1))
    assert not out.exists() and not list(tmp_path.glob(".*.part"))
    kept = ClipCache(cache).stats().entries
    assert kept >= 1
    with GttsServer() as srv, gtts_pointed_at(srv.url):
        make_bulletin(SAMPLE, out, opts, engine=cached(cache))
        second = len(srv.requests)
    with GttsServer() as srv2, gtts_pointed_at(srv2.url):
        make_bulletin(SAMPLE, tmp_path / "fresh.mp3", Options(engine="gtts", use_cache=False), engine=engine())
        full = len(srv2.requests)
    assert out.exists() and second < full


def test_fallback_finishes_with_offline_voice(tmp_path: Path) -> None:
    stack = Fallback(engine(retries=0), EspeakEngine())
    with GttsServer(Behaviour(always=500)) as srv, gtts_pointed_at(srv.url):
        res = make_bulletin(SAMPLE, tmp_path / "f.mp3", Options(engine="gtts", fallback=True, use_cache=False),
                            engine=stack)  # fmt: skip
    assert res.path.exists() and res.duration_ms > 10_000
    assert stack.tripped is not None and "HTTP 500" in stack.tripped
    # What really spoke is said, in the result and in the ID3 engine tag.
    assert res.engine.startswith("gtts, ") and "by espeak (fallback)" in res.engine
    assert "by espeak (fallback)" in str(ID3(res.path).getall("TXXX:engine")[0])


def test_merge_tokens_fewer_pieces_than_gtts_and_nothing_lost() -> None:
    from gtts import gTTS

    text = SAMPLE.read_text(encoding="utf-8").split("\n\n", 1)[1].replace("\n", " ")
    ours = merge_tokens(text)
    theirs = gTTS(text, lang="fr")._tokenize(text)
    assert all(len(p) <= 100 for p in ours)
    assert len(ours) < len(theirs)
    assert re.findall(r"\w+", " ".join(ours)) == re.findall(r"\w+", text)


def cli_env(endpoint: str) -> dict[str, str]:
    env = dict(os.environ, BULLETIN_GTTS_ENDPOINT=endpoint)
    for k in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy"):
        env.pop(k, None)
    return env


def test_cli_gtts_offline_one_clear_line(tmp_path: Path) -> None:
    r = subprocess.run([sys.executable, "-m", "bulletin", "make", str(SAMPLE), "-o", str(tmp_path / "x.mp3"),
                        "--engine", "gtts", "--no-cache"], capture_output=True, text=True,
                       env=cli_env("http://127.0.0.1:9"), timeout=120)  # fmt: skip
    assert r.returncode == 1
    assert len(r.stderr.strip().splitlines()) == 1 and "--engine espeak" in r.stderr
    assert not (tmp_path / "x.mp3").exists()


def test_cli_auto_picks_gtts_when_it_answers_and_espeak_when_not(tmp_path: Path) -> None:
    with GttsServer() as srv:
        r = subprocess.run([sys.executable, "-m", "bulletin", "make", str(SAMPLE), "-o", str(tmp_path / "a.mp3"),
                            "--cache-dir", str(tmp_path / "c")], capture_output=True, text=True,
                           env=cli_env(srv.url), timeout=120)  # fmt: skip
        assert r.returncode == 0, r.stderr
        assert "engine: gtts" in r.stderr and len(srv.requests) > 5
    r = run_cli("make", str(SAMPLE), "-o", str(tmp_path / "b.mp3"), "--no-cache")
    assert r.returncode == 0 and "engine: espeak" in r.stderr and "did not answer" in r.stderr


def test_ctrl_c_during_requests_exits_cleanly(tmp_path: Path) -> None:
    with GttsServer(Behaviour(latency=5.0)) as srv:
        proc = subprocess.Popen([sys.executable, "-m", "bulletin", "make", str(SAMPLE), "-o", str(tmp_path / "x.mp3"),
                                 "--engine", "gtts", "--no-cache", "-q"], stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, env=cli_env(srv.url), cwd=ROOT)  # fmt: skip
        deadline = time.time() + 30
        while not srv.requests and time.time() < deadline:
            time.sleep(0.05)
        t0 = time.monotonic()
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=30)
    assert proc.returncode == 130 and b"interrupted" in err and b"Traceback" not in err
    assert time.monotonic() - t0 < 4
    assert not (tmp_path / "x.mp3").exists()


def test_cache_info_and_clear_commands(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    r = run_cli("make", str(SAMPLE), "-o", str(tmp_path / "a.mp3"), "--engine", "espeak", "--cache-dir", str(cache))
    assert r.returncode == 0, r.stderr
    entries = ClipCache(cache).stats().entries
    assert entries > 10
    info = run_cli("cache", "info", "--cache-dir", str(cache))
    assert info.returncode == 0 and f"{entries} clips" in info.stdout
    # A damaged entry is dropped on read and made again, never used.
    victim = next(cache.glob("*/*.clip"))
    victim.write_bytes(victim.read_bytes()[:-10] + b"0123456789")
    assert ClipCache(cache).get(victim.stem) is None and not victim.exists()
    cleared = run_cli("cache", "clear", "--cache-dir", str(cache))
    assert cleared.returncode == 0 and f"removed {entries - 1} clips" in cleared.stdout
    assert ClipCache(cache).stats().entries == 0
