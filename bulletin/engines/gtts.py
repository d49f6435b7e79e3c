"""The Google voice through gTTS, made fit for unattended use.

gTTS builds each request (the real ``gTTS`` code prepares URL, headers and the ``jQ1olc`` RPC
body); this module sends them itself, because gTTS's own ``stream()`` opens a new session per
chunk with TLS verification turned off and no timeout. Here every request has a timeout, TLS is
verified, connections are reused, 429/5xx/connection errors are retried with exponential
backoff and jitter under one rate limit shared by all threads, and a 200 answer without audio
is an error instead of an empty file.
"""

from __future__ import annotations

import base64
import random
import re
import threading
import time
import urllib.parse
from typing import Any

from ..errors import EngineError, EngineUnavailable, UnknownVoiceError
from ..ffmpeg import decode_to_pcm
from ..normalize.markup import split_languages
from .base import AudioChunk, EngineConfig, Gender, Voice
from .mp3 import decode_mp3
from .pitch import PITCH_METHOD, shift_pcm16
from .ratelimit import RateLimiter, ThreadRateLimiter

MAX_CHARS = 100  # gTTS's (and Google's) limit per request
SAMPLE_RATE = 24000
_AUDIO_LINE = re.compile(r'jQ1olc","\[\\"(.*)\\"]')
_CLAUSE_END = re.compile(r"(?<=[.!?…;:,])\s+|\s+(?=[—–]\s)")

# (voice suffix, tld, semitone shift, label). Anchor first. Google offers one voice per accent,
# so speakers sharing an accent are told apart by a small pitch change.
_ACCENTS = {"fr": "France", "ca": "Canada"}


def merge_tokens(text: str, limit: int = MAX_CHARS) -> list[str]:
    """Cut text at clause boundaries into pieces of at most ``limit`` characters, merging small
    pieces: fewer requests, and Google's pause falls where a reader would pause anyway."""
    pieces: list[str] = []
    for clause in _CLAUSE_END.split(text.strip()):
        clause = clause.strip()
        while len(clause) > limit:  # a clause longer than the limit: cut at the last space
            cut = clause.rfind(" ", 0, limit + 1)
            cut = cut if cut > 0 else limit
            pieces.append(clause[:cut].strip())
            clause = clause[cut:].strip()
        if clause:
            pieces.append(clause)
    merged: list[str] = []
    for piece in pieces:
        if merged and len(merged[-1]) + 1 + len(piece) <= limit:
            merged[-1] = f"{merged[-1]} {piece}"
        else:
            merged.append(piece)
    return merged


class GttsEngine:
    """Google Translate's voice: French of France (tld fr) and of Canada (tld ca)."""

    name = "gtts"

    def __init__(
        self,
        config: EngineConfig | None = None,
        *,
        endpoint: str | None = None,
        timeout: float = 10.0,
        retries: int = 4,
        backoff: float = 0.5,
    ) -> None:
        import os

        config = config or EngineConfig()
        # BULLETIN_GTTS_ENDPOINT redirects requests (tests, proxies); an explicit "" means Google.
        if endpoint is None:
            endpoint = os.environ.get("BULLETIN_GTTS_ENDPOINT", "")
        self.endpoint = endpoint.rstrip("/") or None
        self.timeout = timeout
        self.retries = retries
        self.backoff = backoff
        self.parallel = max(1, config.jobs)
        self._limiter: RateLimiter = config.limiter or ThreadRateLimiter(config.requests_per_second)
        self._local = threading.local()

    @property
    def version(self) -> str:
        import gtts

        # The pitch method is part of the version, so clips shifted another way are not reused.
        return f"gTTS {getattr(gtts, '__version__', '?')}, {PITCH_METHOD}"

    def voices(self, locale: str) -> tuple[Voice, ...]:
        """Google has one (female) voice per accent, so quote voices are that voice pitch-shifted:
        a little for women, down 6-8 semitones for men. The shift keeps the formants (see
        :mod:`.pitch`), so a man is a lower voice, not a slowed tape. Every quote voice is at least 2
        semitones from the anchor, and women and men alternate as in the other engines, so the
        offline fallback keeps each speaker's gender. f0_hz stays unknown: Google's audio cannot
        be measured offline (scripts/measure_voices.py --engine gtts measures it online)."""
        if locale not in ("fr-FR", "fr-BE", "fr-CH", "fr-CA"):
            raise UnknownVoiceError(f"no gTTS voices for locale {locale!r}")
        home, other = ("ca", "fr") if locale == "fr-CA" else ("fr", "ca")
        plan: list[tuple[str, int, Gender]] = [
            (home, 0, "f"),  # the anchor
            (other, 2, "f"),
            (home, -6, "m"),
            (home, 3, "f"),
            (other, -6, "m"),
            (other, -3, "f"),
            (home, -8, "m"),
        ]
        out = []
        for tld, shift, gender in plan:
            name = tld if shift == 0 else f"{tld}{shift:+d}"
            label = f"Google, accent {_ACCENTS[tld]}" + (f", {shift:+d} demi-tons" if shift else "")
            out.append(Voice(id=f"gtts:{name}", engine="gtts", name=name, locale=locale, gender=gender, pitch=shift,
                             label=label))  # fmt: skip
        return tuple(out)

    # --- network --------------------------------------------------------------------------

    def _session(self) -> Any:
        import requests

        session = getattr(self._local, "session", None)
        if session is None:
            session = requests.Session()
            session.verify = True
            self._local.session = session
        return session

    def _prepare(self, text: str, tld: str, slow: bool, lang: str = "fr") -> Any:
        from gtts import gTTS

        tts = gTTS(
            text, lang=lang, tld=tld, slow=slow, lang_check=False, pre_processor_funcs=[], tokenizer_func=lambda t: [t]
        )
        (request,) = tts._prepare_requests()  # one request: the text is at most 100 characters
        if self.endpoint:
            parts = urllib.parse.urlsplit(request.url)
            request.url = self.endpoint + parts.path + (f"?{parts.query}" if parts.query else "")
        return request

    def _host(self, tld: str) -> str:
        return self.endpoint or f"https://translate.google.{tld}"

    def fetch(self, text: str, tld: str = "fr", slow: bool = False, lang: str = "fr") -> bytes:
        """MP3 bytes for at most 100 characters, with retries; raises EngineError subclasses."""
        import requests

        last = ""
        for attempt in range(self.retries + 1):
            if attempt:
                delay = self.backoff * 2 ** (attempt - 1) + random.uniform(0, self.backoff)
                time.sleep(min(delay, 30.0))
            self._limiter.wait()
            request = self._prepare(text, tld, slow, lang)
            try:
                response = self._session().send(request, timeout=(min(5.0, self.timeout), self.timeout))
            except requests.exceptions.SSLError as exc:
                raise EngineUnavailable(f"TLS certificate of {self._host(tld)} could not be verified: {exc}") from exc
            except (requests.exceptions.ConnectionError, requests.exceptions.Timeout) as exc:
                timed_out = isinstance(exc, requests.exceptions.Timeout)
                last = f"{self._host(tld)} {'timed out' if timed_out else 'refused the connection'}"
                if not timed_out and attempt >= 1:
                    break  # refused twice: the service is not there (offline), say so now
                continue
            except requests.exceptions.RequestException as exc:
                raise EngineError(f"request to Google's speech service failed: {exc}") from exc
            if response.status_code == 429 or response.status_code >= 500:
                last = f"HTTP {response.status_code} ({response.reason})"
                retry_after = response.headers.get("Retry-After", "")
                if retry_after.isdigit() and attempt < self.retries:
                    time.sleep(min(int(retry_after), 30))
                continue
            if response.status_code != 200:
                raise EngineError(
                    f"Google's speech service answered HTTP {response.status_code} ({response.reason}); "
                    "its protocol may have changed: update gtts or use --engine espeak"
                )
            for line in response.iter_lines(chunk_size=4096):
                match = _AUDIO_LINE.search(line.decode("utf-8", errors="replace"))
                if match:
                    return base64.b64decode(match.group(1))
            raise EngineError("Google's speech service answered without audio; use --engine espeak, or retry later")
        if "HTTP" in last:
            raise EngineError(
                f"Google's speech service kept failing ({last}) after {self.retries + 1} tries; "
                "retry later or use --engine espeak"
            )
        raise EngineUnavailable(f"cannot reach Google's speech service ({last}); use --engine espeak to work offline")

    def reachable(self, timeout: float = 2.0) -> bool:
        """A quick check that the service answers at all (any HTTP status counts). The standard
        library's client (proxies from the environment, as requests reads them): an offline run
        need not load requests and gTTS just to learn that the network is down."""
        import socket
        import urllib.error
        import urllib.parse
        import urllib.request

        url = urllib.parse.urlsplit(self._host("fr"))
        if url.hostname and not urllib.request.getproxies():
            # Offline, the name does not resolve: say so before building a TLS context (a
            # third of the check's time, and of every offline 'make' it would be).
            try:
                socket.getaddrinfo(url.hostname, url.port or (443 if url.scheme == "https" else 80),
                                   type=socket.SOCK_STREAM)  # fmt: skip
            except (OSError, UnicodeError):
                return False

        class _NoRedirect(urllib.request.HTTPRedirectHandler):
            def redirect_request(self, *args: Any, **kwargs: Any) -> None:
                return None  # a redirect is an answer: the service is there

        opener = urllib.request.build_opener(_NoRedirect)
        try:
            with opener.open(urllib.request.Request(self._host("fr"), method="HEAD"), timeout=timeout):
                pass
        except urllib.error.HTTPError:
            return True
        except (OSError, ValueError):  # URLError, timeouts, refused connections, a bad address
            return False
        return True

    # --- synthesis ------------------------------------------------------------------------

    def synthesize(self, text: str, voice: Voice, rate: float = 1.0) -> AudioChunk:
        tld = re.match(r"[a-z]+", voice.name)
        if tld is None or tld.group(0) not in _ACCENTS:
            raise UnknownVoiceError(f"gTTS has no voice {voice.name!r}")
        slow = rate <= 0.85
        # A language span (a foreign name from the lexicon) is its own request in that language;
        # Google's voices read only the language they are asked for.
        mp3 = b"".join(
            self.fetch(piece, tld.group(0), slow, (lang or "fr").split("-")[0])
            for lang, words in split_languages(text)
            for piece in merge_tokens(words)
        )
        filters = []
        tempo = rate / 0.7 if slow else rate  # gTTS's slow mode is roughly 0.7x
        if abs(tempo - 1.0) > 0.01:
            filters.append(f"atempo={min(2.0, max(0.5, tempo)):.4f}")
        # In the process; ffmpeg only when the tempo must change (a rate other than 1).
        pcm = decode_to_pcm("mp3", SAMPLE_RATE, data=mp3, filters=",".join(filters)) if filters else decode_mp3(
            mp3, SAMPLE_RATE
        )
        if voice.pitch:
            # Formants stay where they are (TD-PSOLA): a lower voice, not a slowed tape.
            pcm = shift_pcm16(pcm, SAMPLE_RATE, voice.pitch)
        return AudioChunk(SAMPLE_RATE, 2, 1, pcm, engine=self.name)
