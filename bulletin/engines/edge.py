"""Microsoft Edge's online neural voices (the voices behind the browser's Read Aloud), through edge-tts.

This is an unofficial use of a free service: no API key, no service guarantee, and the text of
every clip goes to Microsoft's servers. So the engine is only used when asked for
(``--engine edge`` or ``engine = "edge"`` in bulletin.toml), never by ``auto``.

edge-tts (LGPL-3) is imported here and nowhere else, lazily, so that bulletin's core stays MIT and
``pip install bulletin`` works without it (``pip install 'bulletin[edge]'`` adds it). What edge-tts
does not do for unattended use is done here (DESIGN.md §8):

- it has no endpoint parameter: ``edge_tts.communicate.WSS_URL`` and ``edge_tts.voices.VOICE_LIST``
  are module attributes copied at import, set here from the ``edge_endpoint`` setting (tests point
  them at a local server);
- a silent server hangs it forever: every call runs under our own timeout;
- a connection dropped mid-audio raises nothing and leaves a truncated MP3: a clip counts only if
  the service said ``turn.end`` and the audio reaches the end of the last word boundary; otherwise
  it is retried, like a refusal under load (HTTP 429/503 on the handshake), with backoff and jitter
  under the engine's rate limit;
- its errors become bulletin's (:mod:`bulletin.errors`), with one-line messages.

The voice list is fetched from the service and kept on disk for a week
(``~/.cache/bulletin/edge/``), so listing voices and casting do not ask the service every run.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import random
import re
import threading
import time
from pathlib import Path
from typing import Any

from ..errors import AudioError, ConfigError, EngineError, EngineUnavailable, UnknownVoiceError
from ..normalize.markup import split_languages
from .base import AudioChunk, EngineConfig, Gender, Voice
from .mp3 import decode_mp3
from .ratelimit import RateLimiter, ThreadRateLimiter

DEFAULT_ENDPOINT = "https://speech.platform.bing.com/consumer/speech/synthesize/readaloud"
SAMPLE_RATE = 24000  # the service's audio-24khz-48kbitrate-mono-mp3
MAX_REQUESTS_PER_SECOND = 5.0  # a free service: gentler than --requests-per-second's default for Google
VOICE_LIST_TTL = 7 * 24 * 3600.0
_LOCALES = ("fr-FR", "fr-BE", "fr-CH", "fr-CA")
_ACCENTS = {"fr-FR": "France", "fr-BE": "Belgique", "fr-CH": "Suisse", "fr-CA": "Canada"}
_GENDERS: dict[str, Gender] = {"female": "f", "male": "m"}
_WORD = re.compile(r"\w", re.UNICODE)
_TICKS_PER_MS = 10_000  # the service's offsets are in 100-nanosecond ticks
_TAIL_TOLERANCE_MS = 150.0  # MP3 decoding may trim a frame or two at the end

# The module attributes edge-tts reads its URLs from are process-wide: set them under one lock.
_url_lock = threading.Lock()


class _Truncated(Exception):
    """The service's answer ended before the text did (a dropped connection)."""


def _run(coro: Any, timeout: float) -> Any:
    """Run ``coro`` to its end or ``timeout``, in a loop of its own: in this thread, or in a helper
    thread when this one already runs a loop (a caller inside async code, such as a web app)."""
    bounded = asyncio.wait_for(coro, timeout)
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(bounded)
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, bounded).result()


def _edge_tts() -> Any:
    try:
        import edge_tts
        import edge_tts.communicate
        import edge_tts.voices
    except ImportError as exc:
        raise EngineUnavailable(
            "the edge engine needs edge-tts: pip install 'bulletin[edge]' (or choose another --engine)"
        ) from exc
    return edge_tts


def _cache_root() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "bulletin" / "edge"


class EdgeEngine:
    """Microsoft Edge's Read Aloud voices: real women's and men's voices for fr-FR, fr-BE, fr-CH
    and fr-CA, read from the service's voice list."""

    name = "edge"

    def __init__(
        self,
        config: EngineConfig | None = None,
        *,
        endpoint: str | None = None,
        timeout: float = 30.0,
        retries: int = 4,
        backoff: float = 0.5,
        list_timeout: float = 8.0,
        cache_dir: Path | None = None,
    ) -> None:
        config = config or EngineConfig()
        # The setting, else BULLETIN_EDGE_ENDPOINT (tests, proxies), else Microsoft's.
        endpoint = endpoint or config.edge_endpoint or os.environ.get("BULLETIN_EDGE_ENDPOINT") or DEFAULT_ENDPOINT
        if not re.match(r"(https?|wss?)://", endpoint):
            raise ConfigError(f"edge endpoint {endpoint!r} must be an http(s):// or ws(s):// URL")
        self.endpoint = endpoint.rstrip("/")
        self.timeout = timeout
        self.retries = retries
        self.backoff = backoff
        self.list_timeout = list_timeout
        self.parallel = max(1, config.jobs)
        # Its own limit (a free service: at most 5 requests a second from this process), and the
        # run's shared one too when there is one (the workers of a batch).
        own: RateLimiter = ThreadRateLimiter(min(config.requests_per_second, MAX_REQUESTS_PER_SECOND))
        self._limiters: tuple[RateLimiter, ...] = (own,) if config.limiter is None else (own, config.limiter)
        key = hashlib.sha256(self.endpoint.encode()).hexdigest()[:16]
        self._list_file = (cache_dir or _cache_root()) / f"voices-{key}.json"
        self._list: list[dict[str, Any]] | None = None
        self._list_lock = threading.Lock()

    def _wait(self) -> None:
        for limiter in self._limiters:
            limiter.wait()

    # --- the service's URLs -------------------------------------------------------------------

    def _urls(self) -> tuple[str, str]:
        """The WebSocket URL and the voice list URL; edge-tts appends ``&ConnectionId=…``, so each
        already holds a query."""
        token = _edge_tts().constants.TRUSTED_CLIENT_TOKEN
        http = re.sub(r"^ws", "http", self.endpoint)
        wss = re.sub(r"^http", "ws", self.endpoint)
        return f"{wss}/edge/v1?TrustedClientToken={token}", f"{http}/voices/list?trustedclienttoken={token}"

    def _point(self) -> None:
        edge_tts = _edge_tts()
        wss, voice_list = self._urls()
        with _url_lock:
            edge_tts.communicate.WSS_URL = wss
            edge_tts.voices.VOICE_LIST = voice_list

    @property
    def version(self) -> str:
        return f"edge-tts {getattr(_edge_tts(), '__version__', '?')}"

    # --- the voice list -----------------------------------------------------------------------

    def _read_cached_list(self, fresh_only: bool) -> list[dict[str, Any]] | None:
        try:
            age = time.time() - self._list_file.stat().st_mtime
            if fresh_only and not 0 <= age < VOICE_LIST_TTL:
                return None
            data = json.loads(self._list_file.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        return data if isinstance(data, list) else None

    def _fetch_list(self, timeout: float, attempts: int) -> list[dict[str, Any]]:
        edge_tts = _edge_tts()
        import aiohttp

        last = ""
        for attempt in range(attempts):
            if attempt:
                time.sleep(min(self.backoff * 2 ** (attempt - 1) + random.uniform(0, self.backoff), 30.0))
            self._point()
            self._wait()
            try:
                data = _run(edge_tts.voices.list_voices(), timeout)
            except asyncio.TimeoutError:
                last = "timed out"
                continue
            except aiohttp.ClientResponseError as exc:
                if exc.status == 429 or exc.status >= 500:
                    last = f"HTTP {exc.status}"
                    continue
                raise EngineError(
                    f"Microsoft's voice list answered HTTP {exc.status}; its protocol may have changed: "
                    "update edge-tts or use another --engine"
                ) from exc
            except aiohttp.ClientConnectionError:
                last = "refused the connection"
                continue
            except (ValueError, KeyError, TypeError) as exc:  # not the JSON list it should be
                raise EngineError(f"Microsoft's voice list is not what edge-tts expects: {exc}") from exc
            if not isinstance(data, list):
                raise EngineError("Microsoft's voice list is not a list of voices")
            return data
        raise EngineUnavailable(
            f"cannot get Microsoft's Edge voice list ({last}); check the network or use --engine espeak"
        )

    def voice_list(self) -> list[dict[str, Any]]:
        """Every voice the service offers (its JSON entries): from memory, else from the disk copy
        if it is less than a week old, else from the service (an older copy serves if the service
        does not answer)."""
        with self._list_lock:
            if self._list is not None:
                return self._list
            data = self._read_cached_list(fresh_only=True)
            if data is None:
                try:
                    data = self._fetch_list(self.list_timeout, 2)
                except EngineUnavailable:
                    data = self._read_cached_list(fresh_only=False)
                    if data is None:
                        raise
                else:
                    self._store_list(data)
            self._list = data
            return data

    def _store_list(self, data: list[dict[str, Any]]) -> None:
        try:
            self._list_file.parent.mkdir(parents=True, exist_ok=True)
            tmp = self._list_file.with_name(f".{self._list_file.name}.{os.getpid()}.part")
            tmp.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
            os.replace(tmp, self._list_file)
        except OSError:
            pass  # a cache that cannot be written only costs a fetch next time

    def voices(self, locale: str) -> tuple[Voice, ...]:
        """The locale's own voices first, the anchor first among them (its first female voice in
        name order; the first voice if it has none), then men and women alternating. Then the
        voices of the other French locales (France first), labelled with their accent: a Belgian
        bulletin has one Belgian woman and one Belgian man, and a quoted woman must neither take
        the anchor's voice nor a man's."""
        if locale not in _LOCALES:
            raise UnknownVoiceError(f"no Edge voices for locale {locale!r}")
        by_locale: dict[str, list[dict[str, Any]]] = {}
        for entry in self.voice_list():
            if isinstance(entry, dict) and isinstance(entry.get("ShortName"), str):
                by_locale.setdefault(str(entry.get("Locale", "")), []).append(entry)
        home = sorted(by_locale.get(locale, []), key=lambda e: str(e["ShortName"]))
        if not home:
            raise UnknownVoiceError(f"Microsoft's Edge voice list has no voice for {locale}; use another --engine")
        anchor = next((e for e in home if _gender(e) == "f"), home[0])
        order = [anchor, *_alternate([e for e in home if e is not anchor])]
        for other in sorted((x for x in _LOCALES if x != locale), key=lambda x: (x != "fr-FR", x)):
            order += _alternate(sorted(by_locale.get(other, []), key=lambda e: str(e["ShortName"])))
        return tuple(self._voice(e, locale) for e in order)

    def _voice(self, entry: dict[str, Any], locale: str) -> Voice:
        short = str(entry["ShortName"])
        accent = _ACCENTS.get(str(entry.get("Locale")), str(entry.get("Locale")))
        person = short.split("-")[-1].removesuffix("Neural").removesuffix("Multilingual")
        gender = _gender(entry)
        kind = {"f": "femme", "m": "homme"}.get(gender or "", "voix")
        return Voice(id=f"edge:{short}", engine=self.name, name=short, locale=locale, gender=gender, pitch=0,
                     label=f"Microsoft Edge, {person} ({kind}, accent {accent})")  # fmt: skip

    # --- synthesis ------------------------------------------------------------------------------

    def _known(self, name: str) -> bool:
        return any(isinstance(e, dict) and e.get("ShortName") == name for e in self.voice_list())

    async def _speak(self, text: str, voice: str, rate: str) -> tuple[bytes, list[dict[str, Any]], bool]:
        edge_tts = _edge_tts()
        seconds = max(1, round(self.timeout))
        comm = edge_tts.Communicate(text, voice, rate=rate, boundary="WordBoundary",
                                    connect_timeout=seconds, receive_timeout=seconds)  # fmt: skip
        audio = bytearray()
        words: list[dict[str, Any]] = []
        async for message in comm.stream():
            if message["type"] == "audio":
                audio += message["data"]
            elif message["type"] == "WordBoundary":
                words.append(message)
        # edge-tts moves the audio bytes of a request into its running total only on turn.end; a
        # connection that ended without it leaves them outside (edge-tts 7, pinned below 8).
        state = getattr(comm, "state", None)
        ended = not isinstance(state, dict) or state.get("cumulative_audio_bytes") == len(audio)
        return bytes(audio), words, ended

    def fetch(self, text: str, voice: str, rate: float = 1.0) -> tuple[bytes, bytes]:
        """The MP3 of ``text`` and its decoded PCM (24 kHz mono 16-bit), checked complete; with
        retries. Raises EngineError subclasses."""
        edge_tts = _edge_tts()
        import aiohttp

        percent = f"{round((rate - 1.0) * 100):+d}%"
        last = ""
        for attempt in range(self.retries + 1):
            if attempt:
                time.sleep(min(self.backoff * 2 ** (attempt - 1) + random.uniform(0, self.backoff), 30.0))
            self._point()
            self._wait()
            try:
                mp3, words, ended = _run(self._speak(text, voice, percent), self.timeout)
                pcm = decode_mp3(mp3, SAMPLE_RATE)
                _check_complete(text, pcm, words, ended)
                return mp3, pcm
            except asyncio.TimeoutError:
                last = f"no answer within {self.timeout:g} s"
            except aiohttp.WSServerHandshakeError as exc:
                if exc.status != 429 and exc.status < 500:
                    raise EngineError(
                        f"Microsoft's speech service refused the connection (HTTP {exc.status}); its protocol "
                        "may have changed: update edge-tts or use another --engine"
                    ) from exc
                last = f"HTTP {exc.status}"
                headers: Any = exc.headers or {}
                retry_after = str(headers.get("Retry-After", ""))
                if retry_after.isdigit() and attempt < self.retries:
                    time.sleep(min(int(retry_after), 30))
            except aiohttp.ClientConnectorError:
                last = "refused the connection"
                if attempt >= 1:
                    raise EngineUnavailable(
                        f"cannot reach Microsoft's speech service ({self.endpoint} {last}); "
                        "use --engine espeak to work offline"
                    ) from None
            except (aiohttp.ClientError, edge_tts.exceptions.EdgeTTSException) as exc:
                # NoAudioReceived (an error frame, an early close), WebSocketError, a protocol surprise.
                if type(exc).__name__ == "NoAudioReceived":
                    last = "no audio: an error frame or a connection closed early"
                else:
                    last = _one_line(exc) or type(exc).__name__
            except (_Truncated, AudioError) as exc:
                last = str(exc)
        if last.startswith("no answer"):
            raise EngineUnavailable(
                f"Microsoft's speech service gave {last} after {self.retries + 1} tries; "
                "retry later or use --engine espeak"
            )
        raise EngineError(
            f"Microsoft's speech service kept failing ({last}) after {self.retries + 1} tries; "
            "retry later or use --engine espeak"
        )

    def synthesize(self, text: str, voice: Voice, rate: float = 1.0) -> AudioChunk:
        if not self._known(voice.name):
            raise UnknownVoiceError(
                f"Microsoft's Edge voice list has no voice {voice.name!r}; 'bulletin voices' lists those it has"
            )
        # Language spans are read in the voice's own language: edge-tts escapes the text, so no
        # <lang> markup can reach the service.
        spoken = " ".join(words.strip() for _, words in split_languages(text) if words.strip())
        if not _WORD.search(spoken):
            return AudioChunk(SAMPLE_RATE, 2, 1, b"", engine=self.name)
        _, pcm = self.fetch(spoken, voice.name, rate)
        return AudioChunk(SAMPLE_RATE, 2, 1, pcm, engine=self.name)

    def reachable(self) -> bool:
        """edge-tts is installed and the voice list answers within 2 s."""
        try:
            self._fetch_list(2.0, 1)
        except Exception:
            return False
        return True


def _gender(entry: dict[str, Any]) -> Gender | None:
    return _GENDERS.get(str(entry.get("Gender", "")).lower())


def _alternate(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Men and women in turn (a man first), each in their own order; voices of no stated gender last."""
    men = [e for e in entries if _gender(e) == "m"]
    women = [e for e in entries if _gender(e) == "f"]
    out: list[dict[str, Any]] = []
    for i in range(max(len(men), len(women))):
        out += men[i : i + 1] + women[i : i + 1]
    return out + [e for e in entries if _gender(e) is None]


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split())[:200]


def _check_complete(text: str, pcm: bytes, words: list[dict[str, Any]], ended: bool) -> None:
    """Raise :class:`_Truncated` when the answer stops before the text does: no ``turn.end``, or
    audio shorter than the last word boundary, or word boundaries that stop two words or more
    before the end of the text (one unmatched last word is tolerated: the service may spell a
    word otherwise than the text)."""
    if not ended:
        raise _Truncated("the connection ended before turn.end")
    if not words:
        raise _Truncated("no word boundaries came with the audio")
    last = words[-1]
    end_ms = (int(last["offset"]) + int(last["duration"])) / _TICKS_PER_MS
    audio_ms = 1000.0 * len(pcm) / (2 * SAMPLE_RATE)
    if audio_ms + _TAIL_TOLERANCE_MS < end_ms:
        raise _Truncated(f"{audio_ms / 1000:.1f} s of audio for {end_ms / 1000:.1f} s of words")
    lowered, cursor = text.casefold(), 0
    for word in words:
        found = lowered.find(str(word.get("text", "")).casefold(), cursor)
        if found >= 0 and word.get("text"):
            cursor = found + len(str(word["text"]))
    if sum(1 for token in text[cursor:].split() if _WORD.search(token)) >= 2:
        raise _Truncated("the audio stopped before the end of the text")
