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
from typing import Any

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
    # A damaged entry is never used: it reads as absent, and the next run made it again in its place.
    victim = next(cache.glob("*/*.clip"))
    victim.write_bytes(victim.read_bytes()[:-10] + b"0123456789")
    assert ClipCache(cache).get(victim.stem) is None
    r = run_cli("make", str(SAMPLE), "-o", str(tmp_path / "b.mp3"), "--engine", "espeak", "--cache-dir", str(cache))
    assert r.returncode == 0, r.stderr
    assert ClipCache(cache).get(victim.stem) is not None
    cleared = run_cli("cache", "clear", "--cache-dir", str(cache))
    assert cleared.returncode == 0 and f"removed {entries} clips" in cleared.stdout
    assert ClipCache(cache).stats().entries == 0


# --- Google's male voices: a lower pitch, the same formants -----------------------------------


def median_f0(x: Any, rate: int) -> float:
    """Median F0 of the loud frames by subharmonic summation: the candidate whose harmonics sit on
    spectral peaks and whose half-harmonics sit in the troughs (measured independently of the
    shifter's own YIN tracker, so a bug there cannot hide itself)."""
    import numpy as np

    frame, nfft = int(0.06 * rate), 1 << 16
    freqs = np.fft.rfftfreq(nfft, 1 / rate)
    cands = np.arange(60.0, 420.0, 0.25)
    harmonics = np.arange(1, 7)
    starts = range(0, len(x) - frame, frame // 2)
    energy = np.array([np.sum(x[s : s + frame] ** 2) for s in starts])
    found = []
    for s, e in zip(starts, energy, strict=True):
        if e < 0.1 * energy.max():
            continue
        spectrum = np.abs(np.fft.rfft(x[s : s + frame] * np.hanning(frame), nfft))
        log = np.log(spectrum + 1e-9 * spectrum.max())
        on = np.interp(np.outer(cands, harmonics), freqs, log).mean(axis=1)
        between = np.interp(np.outer(cands, harmonics - 0.5), freqs, log).mean(axis=1)
        found.append(cands[int(np.argmax(on - between))])
    return float(np.median(found))


def first_formants(x: Any, rate: int, order: int = 8, low: int = 8000) -> tuple[float, float]:
    """F1 and F2: median over loud 25 ms frames of the LPC poles (autocorrelation method,
    Levinson-Durbin, pre-emphasis) of the signal band-limited to 4 kHz. Order 8 fits the three
    formants below 4 kHz and the glottal tilt; a higher order fits single harmonics instead."""
    import numpy as np

    n = int(len(x) * low / rate)
    y = np.fft.irfft(np.fft.rfft(x)[: n // 2 + 1], n) * (n / len(x))
    y = np.append(y[0], y[1:] - 0.97 * y[:-1])
    frame = int(0.025 * low)
    frames = [y[s : s + frame] * np.hamming(frame) for s in range(0, len(y) - frame, frame // 2)]
    energy = np.array([np.sum(f * f) for f in frames])
    found = []
    for f, e in zip(frames, energy, strict=True):
        if e < 0.1 * energy.max():
            continue
        r = np.correlate(f, f, "full")[frame - 1 : frame + order]
        a, err = np.array([1.0]), r[0]
        for i in range(1, order + 1):
            k = -(r[i] + np.dot(a[1:], r[i - 1 : 0 : -1])) / err
            a = np.concatenate([a, [0.0]]) + k * np.concatenate([a, [0.0]])[::-1]
            err *= 1 - k * k
        roots = [z for z in np.roots(a) if z.imag > 0]
        poles = sorted((np.angle(z) * low / (2 * np.pi), -np.log(abs(z)) * low / np.pi) for z in roots)
        formants = [f for f, bandwidth in poles if 150 < f < 3800 and bandwidth < 600]
        if len(formants) >= 2:
            found.append(formants[:2])
    f1, f2 = np.median(np.array(found), axis=0)
    return float(f1), float(f2)


def pcm_array(chunk: Any) -> Any:
    import numpy as np

    return np.frombuffer(chunk.data, dtype="<i2").astype(np.float64) / 32768.0


def test_male_voices_move_pitch_not_formants() -> None:
    """Each male variant, rendered through the local gTTS server from a vowel of known formants:
    F0 moves by the voice's semitones (±0.5) and F1, F2 by less than 5 %."""
    import numpy as np

    from .gtts_server import VOWEL_FORMANTS, vowel_mp3

    with GttsServer(Behaviour(audio=vowel_mp3())) as srv, gtts_pointed_at(srv.url):
        e = engine()
        voices = e.voices("fr-FR")
        anchor = e.synthesize("Aaah.", voices[0])
        males = [(v, e.synthesize("Aaah.", v)) for v in voices if v.gender == "m"]
    ref = pcm_array(anchor)
    f0, (f1, f2) = median_f0(ref, 24000), first_formants(ref, 24000)
    # The measurement itself finds the vowel that was served (so the comparisons below mean something).
    assert 205 < f0 < 235
    assert abs(f1 / VOWEL_FORMANTS[0][0] - 1) < 0.08 and abs(f2 / VOWEL_FORMANTS[1][0] - 1) < 0.08
    assert len(males) == 3 and {v.pitch for v, _ in males} == {-6, -8}
    for voice, chunk in males:
        out = pcm_array(chunk)
        moved = 12 * np.log2(median_f0(out, 24000) / f0)
        g1, g2 = first_formants(out, 24000)
        assert abs(moved - voice.pitch) <= 0.5, (voice.id, moved)
        assert abs(g1 / f1 - 1) < 0.05 and abs(g2 / f2 - 1) < 0.05, (voice.id, g1, g2, f1, f2)
        assert abs(len(chunk.data) - len(anchor.data)) < 0.01 * len(anchor.data)  # duration kept


def test_formant_measure_sees_a_slowed_tape() -> None:
    """The old way (asetrate + atempo) on the same vowel moves the measured formants with the pitch:
    the measurement above can fail."""
    import numpy as np

    from bulletin.ffmpeg import decode_to_pcm

    from .gtts_server import vowel_mp3

    mp3 = vowel_mp3()
    plain = decode_to_pcm("mp3", 24000, data=mp3)
    factor = 2 ** (-6 / 12)
    tape = f"asetrate={round(24000 * factor)},aresample=24000,atempo={1 / factor:.4f}"
    taped = decode_to_pcm("mp3", 24000, data=mp3, filters=tape)

    ref = np.frombuffer(plain, dtype="<i2") / 32768.0
    low = np.frombuffer(taped, dtype="<i2") / 32768.0
    (f1, f2), (g1, g2) = first_formants(ref, 24000), first_formants(low, 24000)
    assert g1 / f1 < 0.8 and g2 / f2 < 0.8


def test_male_voices_pitch_on_speech() -> None:
    """On running speech (espeak-ng's, served as gTTS's MP3) the median F0 of each male variant,
    by the project's own estimator (scripts/measure_voices.py), moves by its semitones (±0.5)."""
    import math

    from scripts.measure_voices import median_f0 as speech_f0

    text = "Le conseil communal s'est réuni hier soir pour voter le budget de l'année prochaine."
    with GttsServer() as srv, gtts_pointed_at(srv.url):
        e = engine()
        voices = e.voices("fr-FR")
        found = {v.id: speech_f0(e.synthesize(text, v).data, 24000) for v in voices if v.pitch <= 0}
    anchor = found[voices[0].id]
    assert anchor is not None and 180 < anchor < 300
    for v in voices:
        if v.gender == "m":
            f0 = found[v.id]
            assert f0 is not None and abs(12 * math.log2(f0 / anchor) - v.pitch) <= 0.5, (v.id, f0, anchor)


def test_google_clips_are_decoded_in_the_process(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """ffmpeg runs a fixed number of times per bulletin (dynamics, encode), not once per clip."""
    import bulletin.ffmpeg

    runs: list[list[str]] = []
    real = bulletin.ffmpeg.run_ffmpeg

    def counted(cmd: list[str], data: bytes | None = None) -> Any:
        runs.append(cmd)
        return real(cmd, data)

    monkeypatch.setattr(bulletin.ffmpeg, "run_ffmpeg", counted)
    for module in ("bulletin.loudness", "bulletin.engines.gtts"):
        if hasattr(sys.modules[module], "run_ffmpeg"):
            monkeypatch.setattr(sys.modules[module], "run_ffmpeg", counted)
    with GttsServer() as srv, gtts_pointed_at(srv.url):
        result = make_bulletin(SAMPLE, tmp_path / "g.mp3", Options(engine="gtts", use_cache=False, outputs="mp3"),
                               engine=engine())  # fmt: skip
        requests = len(srv.requests)
    clips = sum(len(s.sentences) for s in result.script.segments)
    assert clips > 10 and requests >= clips // 2  # many clips came from the server…
    assert len(runs) <= 3, [c[-1] for c in runs]  # …and none of them needed an ffmpeg
