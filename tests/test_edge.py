"""The edge engine over a real WebSocket: the real edge-tts client talks to a local server on
127.0.0.1 that speaks the Read Aloud protocol with real MP3 speech (tests/edge_server.py). No test
reaches the internet: the voice list in these tests is the server's fixture."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from mutagen.id3 import ID3

from bulletin.cache import ClipCache
from bulletin.engines.base import EngineConfig, Voice, get_engine
from bulletin.engines.edge import EdgeEngine
from bulletin.engines.espeak import EspeakEngine
from bulletin.engines.ratelimit import ThreadRateLimiter
from bulletin.engines.stack import Cached, Fallback, open_engine
from bulletin.errors import EngineError, EngineUnavailable, UnknownVoiceError
from bulletin.pipeline import Options, make_bulletin

from .conftest import SAMPLE, run_cli

pytest.importorskip("edge_tts")  # the [edge] extra (part of [test]); the server needs its aiohttp

from .edge_server import VOICES, Behaviour, EdgeServer

TEXT = "Bonjour à tous, voici le journal de ce matin."

# Written for this test: two women and two men quoted, in Belgium.
ARTICLE = """title: Liège rouvre son marché couvert

Le marché couvert de Liège a rouvert ses portes samedi après deux ans de chantier.

« Les commerçants attendaient ce jour depuis longtemps », a déclaré Martine Lejeune, échevine du commerce.

Le bourgmestre Olivier Dumont a salué le travail des ouvriers. « Le bâtiment est enfin sûr et lumineux », a-t-il dit.

« Nous vendrons ici nos fromages dès la semaine prochaine », explique Nathalie Renard, fromagère à Herve.

« Les loyers restent raisonnables pour les petits artisans », a affirmé Julien Masset, président des marchands.

La ville espère attirer trois mille visiteurs par semaine.
"""
GENDER = {v["ShortName"]: {"Female": "f", "Male": "m"}[v["Gender"]] for v in VOICES}
SPEAKERS = {"Martine Lejeune": "f", "Olivier Dumont": "m", "Nathalie Renard": "f", "Julien Masset": "m"}


@pytest.fixture(autouse=True)
def _no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    """edge-tts reads proxy settings from the environment: 127.0.0.1 is always direct."""
    for k in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.delenv(k, raising=False)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")


@pytest.fixture
def server() -> Iterator[EdgeServer]:
    with EdgeServer() as srv:
        yield srv


def engine(url: str, cache: Path, **kw: float) -> EdgeEngine:
    params = {"timeout": 5.0, "retries": 3, "backoff": 0.01} | kw
    # requests_per_second=0: no pacing in tests (the engine's own cap of 5 a second is min()'d with it).
    config = EngineConfig(jobs=4, limiter=ThreadRateLimiter(0.0), requests_per_second=0.0, edge_endpoint=url)
    return EdgeEngine(config, cache_dir=cache, **params)  # type: ignore[arg-type]


# --- voices -------------------------------------------------------------------------------------


@pytest.mark.parametrize("locale", ["fr-FR", "fr-BE", "fr-CH", "fr-CA"])
def test_each_locale_has_its_own_women_and_men_anchor_first(server: EdgeServer, tmp_path: Path,
                                                            locale: str) -> None:  # fmt: skip
    voices = engine(server.url, tmp_path).voices(locale)
    own = [v for v in voices if v.name.startswith(locale + "-")]
    assert voices[: len(own)] == tuple(own)  # the locale's own voices come first
    assert {v.gender for v in own} == {"f", "m"}
    assert all(v.gender == GENDER[v.name] for v in voices)  # genders as the list says
    assert voices[0].gender == "f" and voices[0] in own
    assert all(v.locale == locale and v.id == f"edge:{v.name}" for v in voices)
    assert not any(v.name.startswith("en-") for v in voices)
    assert len({v.id for v in voices}) == len(voices)


def test_belgian_bulletin_has_belgian_voices_first(server: EdgeServer, tmp_path: Path) -> None:
    voices = engine(server.url, tmp_path).voices("fr-BE")
    assert [v.name for v in voices[:2]] == ["fr-BE-CharlineNeural", "fr-BE-GerardNeural"]
    assert "Belgique" in voices[0].label and "France" in voices[2].label


def test_voice_list_is_cached_on_disk_with_a_ttl(server: EdgeServer, tmp_path: Path) -> None:
    engine(server.url, tmp_path).voices("fr-FR")
    engine(server.url, tmp_path).voices("fr-CA")  # a new process would do the same: read from disk
    assert server.list_requests == 1
    (cached,) = tmp_path.glob("voices-*.json")
    old = time.time() - 8 * 24 * 3600
    os.utime(cached, (old, old))
    engine(server.url, tmp_path).voices("fr-FR")
    assert server.list_requests == 2  # a week old: fetched again
    os.utime(cached, (old, old))
    server.behaviour.voice_list_status = 503
    assert engine(server.url, tmp_path, backoff=0.0).voices("fr-FR")  # the service fails: the old copy serves
    assert server.list_requests == 4


def test_voice_missing_from_the_list(tmp_path: Path) -> None:
    without_swiss = [v for v in VOICES if v["Locale"] != "fr-CH"]
    with EdgeServer(voices=without_swiss) as srv:
        e = engine(srv.url, tmp_path)
        with pytest.raises(UnknownVoiceError, match="no voice for fr-CH"):
            e.voices("fr-CH")
        ghost = Voice(id="edge:fr-FR-NobodyNeural", engine="edge", name="fr-FR-NobodyNeural", locale="fr-FR")
        with pytest.raises(UnknownVoiceError, match="no voice 'fr-FR-NobodyNeural'"):
            e.synthesize(TEXT, ghost)
        swiss = Voice(id="edge:fr-CH-ArianeNeural", engine="edge", name="fr-CH-ArianeNeural", locale="fr-CH")
        with pytest.raises(UnknownVoiceError):
            e.synthesize(TEXT, swiss)  # removed from the list since a script named it
    assert srv.requests == []  # refused before any connection


# --- synthesis ----------------------------------------------------------------------------------


def test_success_real_audio_through_the_protocol(server: EdgeServer, tmp_path: Path) -> None:
    e = engine(server.url, tmp_path)
    voices = e.voices("fr-FR")
    woman = e.synthesize(TEXT, voices[0])
    man = e.synthesize(TEXT, next(v for v in voices if v.gender == "m"), rate=1.1)
    assert woman.sample_rate == 24000 and woman.engine == "edge" and 1500 < woman.duration_ms < 8000
    assert woman.data != man.data
    first, second = server.requests
    assert first["voice"] == "Microsoft Server Speech Text to Speech Voice (fr-FR, DeniseNeural)"
    assert first["text"] == TEXT and first["rate"] == "+0%" and second["rate"] == "+10%"
    assert first["word_boundaries"] is True
    assert {"TrustedClientToken", "ConnectionId", "Sec-MS-GEC"} <= set(first["query"])


@pytest.mark.parametrize("cut", ["drop", "drop-early", "short", "short-early"])
def test_truncated_answer_is_retried_never_kept(tmp_path: Path, cut: str) -> None:
    """A dropped connection (or an answer that stops early) gives a truncated MP3 without an
    error from edge-tts: the engine sees it and asks again."""
    with EdgeServer() as srv:
        e = engine(srv.url, tmp_path)
        full = e.synthesize(TEXT, e.voices("fr-FR")[0])
    with EdgeServer(Behaviour(connections=[cut])) as srv:
        e = engine(srv.url, tmp_path)
        again = e.synthesize(TEXT, e.voices("fr-FR")[0])
    assert [r["mode"] for r in srv.requests] == [cut, "ok"]
    assert again.data == full.data
    with EdgeServer(Behaviour(always=cut)) as srv:
        e = engine(srv.url, tmp_path, retries=2)
        with pytest.raises(EngineError, match=r"kept failing \((the connection ended|.* of audio for|the audio stop)"):
            e.synthesize(TEXT, e.voices("fr-FR")[0])
    assert len(srv.requests) == 3


def test_error_frame(tmp_path: Path) -> None:
    with EdgeServer(Behaviour(connections=["error"])) as srv:
        e = engine(srv.url, tmp_path)
        assert e.synthesize(TEXT, e.voices("fr-FR")[0]).duration_ms > 1000
    assert len(srv.requests) == 2
    with EdgeServer(Behaviour(always="error")) as srv:
        e = engine(srv.url, tmp_path, retries=1)
        with pytest.raises(EngineError, match="no audio: an error frame") as info:
            e.synthesize(TEXT, e.voices("fr-FR")[0])
    assert "\n" not in str(info.value)


def test_refusal_under_load_is_retried_then_reported(tmp_path: Path) -> None:
    with EdgeServer(Behaviour(connections=["429", "503"])) as srv:
        e = engine(srv.url, tmp_path)
        assert e.synthesize(TEXT, e.voices("fr-FR")[0]).duration_ms > 1000
    assert [r["mode"] for r in srv.requests] == ["429", "503", "ok"]
    with EdgeServer(Behaviour(always="503")) as srv:
        e = engine(srv.url, tmp_path, retries=2)
        with pytest.raises(EngineError, match=r"kept failing \(HTTP 503\) after 3 tries"):
            e.synthesize(TEXT, e.voices("fr-FR")[0])
    assert len(srv.requests) == 3


def test_silent_server_is_cut_off_by_our_timeout(tmp_path: Path) -> None:
    with EdgeServer(Behaviour(always="silent")) as srv:
        e = engine(srv.url, tmp_path, timeout=1.0, retries=1)
        with pytest.raises(EngineUnavailable, match="no answer within 1 s after 2 tries"):
            e.synthesize(TEXT, e.voices("fr-FR")[0])
    assert len(srv.requests) == 2


def test_no_service_one_clear_error(tmp_path: Path) -> None:
    e = engine("http://127.0.0.1:9/readaloud", tmp_path)
    assert e.reachable() is False
    with pytest.raises(EngineUnavailable, match="cannot get Microsoft's Edge voice list") as info:
        e.voices("fr-FR")
    assert "\n" not in str(info.value)


# --- the stack ----------------------------------------------------------------------------------


def test_cache_and_fallback_like_every_engine(server: EdgeServer, tmp_path: Path) -> None:
    cache = ClipCache(tmp_path / "clips")
    opts = Options(engine="edge", cache_dir=tmp_path / "clips")
    res = make_bulletin(SAMPLE, tmp_path / "a.mp3", opts, engine=Cached(engine(server.url, tmp_path), cache))
    first = len(server.requests)
    assert first > 10 and res.engine == "edge"
    make_bulletin(SAMPLE, tmp_path / "b.mp3", opts, engine=Cached(engine(server.url, tmp_path), cache))
    assert len(server.requests) == first  # every clip from the cache
    server.behaviour.always = "503"
    stack = Fallback(engine(server.url, tmp_path, retries=0), EspeakEngine())
    res = make_bulletin(SAMPLE, tmp_path / "f.mp3", Options(engine="edge", fallback=True, use_cache=False),
                        engine=stack)  # fmt: skip
    assert stack.tripped is not None and "HTTP 503" in stack.tripped
    assert res.engine.startswith("edge, ") and "by espeak (fallback)" in res.engine
    assert "by espeak (fallback)" in str(ID3(res.path).getall("TXXX:engine")[0])


def test_edge_is_registered_but_never_chosen_by_auto(server: EdgeServer, tmp_path: Path) -> None:
    config = EngineConfig(edge_endpoint=server.url)
    assert get_engine("edge", config).name == "edge"
    stack, _ = open_engine("auto", config)  # Google does not answer here (conftest): the offline voice
    assert stack.name == "espeak"
    assert server.list_requests == 0 and server.requests == []


# --- the command line ---------------------------------------------------------------------------


def cli_env(url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower() and k != "BULLETIN_DEBUG"}
    return env | {"BULLETIN_EDGE_ENDPOINT": url, "NO_PROXY": "127.0.0.1"}


def test_cli_belgian_bulletin_casts_belgian_voices_by_gender(server: EdgeServer, tmp_path: Path) -> None:
    article = tmp_path / "liege.txt"
    article.write_text(ARTICLE, encoding="utf-8")
    out, script = tmp_path / "liege.mp3", tmp_path / "liege.json"
    r = subprocess.run([sys.executable, "-m", "bulletin", "make", str(article), "-o", str(out), "--engine", "edge",
                        "--locale", "fr-BE", "--save-script", str(script), "--cache-dir", str(tmp_path / "c")],
                       capture_output=True, text=True, env=cli_env(server.url), timeout=300)  # fmt: skip
    assert r.returncode == 0, r.stderr
    assert "engine: edge" in r.stderr and "error" not in r.stderr.lower()
    data = json.loads(script.read_text(encoding="utf-8"))
    assert data["anchor"] == "edge:fr-BE-CharlineNeural"
    cast = data["speakers"]
    assert set(cast) == set(SPEAKERS)
    for name, gender in SPEAKERS.items():
        assert GENDER[cast[name].removeprefix("edge:")] == gender, (name, cast[name])
    assert data["anchor"] not in cast.values() and len(set(cast.values())) == 4
    assert cast["Olivier Dumont"] == "edge:fr-BE-GerardNeural"  # the Belgian man speaks first
    voices_tag = str(ID3(out).getall("TXXX:voices")[0])
    assert "edge:fr-BE-CharlineNeural" in voices_tag and "edge:fr-BE-GerardNeural" in voices_tag
    spoken_with = {req["voice"] for req in server.requests}
    assert "Microsoft Server Speech Text to Speech Voice (fr-BE, CharlineNeural)" in spoken_with
    # The saved script names edge voices: 'bulletin render' speaks it with edge again, by itself.
    again = subprocess.run([sys.executable, "-m", "bulletin", "render", str(script), "-o", str(tmp_path / "r.mp3"),
                            "--cache-dir", str(tmp_path / "c")], capture_output=True, text=True,
                           env=cli_env(server.url), timeout=300)  # fmt: skip
    assert again.returncode == 0, again.stderr
    assert "engine: edge" in again.stderr and str(ID3(tmp_path / "r.mp3").getall("TXXX:voices")[0]) == voices_tag


def test_cli_bad_endpoint_is_a_bad_option_value(tmp_path: Path) -> None:
    r = run_cli("script", str(SAMPLE), "--engine", "edge", "--edge-endpoint", "speech.example")
    # A value the option does not take: exit 2, as for '--rate 5'.
    assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1 and "edge endpoint" in r.stderr


def test_works_when_called_from_async_code(server: EdgeServer, tmp_path: Path) -> None:
    """A library user inside an event loop (a web app) gets audio, not 'asyncio.run() cannot be
    called from a running event loop'."""
    import asyncio

    e = engine(server.url, tmp_path)

    async def inside() -> float:
        return e.synthesize(TEXT, e.voices("fr-CH")[0]).duration_ms

    assert asyncio.run(inside()) > 1000
    assert server.requests[0]["voice"].endswith("(fr-CH, ArianeNeural)")


def test_cli_ctrl_c_while_the_service_is_silent(tmp_path: Path) -> None:
    """Requests hang on a silent server: Ctrl-C still ends the run at once, cleanly, with no file."""
    import signal

    out = tmp_path / "x.mp3"
    with EdgeServer(Behaviour(always="silent")) as srv:
        proc = subprocess.Popen([sys.executable, "-m", "bulletin", "make", str(SAMPLE), "-o", str(out),
                                 "--engine", "edge", "--no-cache", "-q"], stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, env=cli_env(srv.url))  # fmt: skip
        deadline = time.time() + 60
        while not srv.requests and time.time() < deadline and proc.poll() is None:
            time.sleep(0.05)
        assert srv.requests, "no request reached the server"
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=20)  # well under the engine's 30 s timeout per request
    assert proc.returncode == 130 and b"interrupted" in err and b"Traceback" not in err
    assert not out.exists() and not list(tmp_path.glob(".*.part"))


def test_bulletin_toml_chooses_edge_and_its_endpoint(server: EdgeServer, tmp_path: Path) -> None:
    """The other way to ask for edge: a newsroom's bulletin.toml, endpoint included."""
    (tmp_path / "bulletin.toml").write_text(f'engine = "edge"\nlocale = "fr-CH"\nedge_endpoint = "{server.url}"\n',
                                            encoding="utf-8")  # fmt: skip
    (tmp_path / "a.txt").write_text(ARTICLE, encoding="utf-8")
    env = cli_env("http://127.0.0.1:9")  # the setting wins over the environment
    r = subprocess.run([sys.executable, "-m", "bulletin", "script", "a.txt", "--format", "json"], cwd=tmp_path,
                       capture_output=True, text=True, env=env, timeout=120)  # fmt: skip
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)
    assert data["anchor"] == "edge:fr-CH-ArianeNeural"
    assert data["speakers"]["Olivier Dumont"] == "edge:fr-CH-FabriceNeural"
    assert server.list_requests == 1
