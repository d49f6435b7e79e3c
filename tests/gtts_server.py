"""A local server on 127.0.0.1 that speaks gTTS's protocol (batchexecute / jQ1olc) with real MP3.

The audio is real speech: espeak-ng says the requested text and the bundled ffmpeg encodes it
as gTTS's answers are encoded (MPEG-2 layer III, 24 kHz mono, 32 kbit/s). Behaviour per request
is scripted: latency, status codes, answers without audio, hangs.
"""

from __future__ import annotations

import base64
import json
import subprocess
import threading
import time
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from bulletin.engines.espeak import EspeakEngine
from bulletin.ffmpeg import ffmpeg_exe

VOWEL_FORMANTS = ((700.0, 90.0), (1220.0, 110.0), (2600.0, 160.0))
"""(frequency, bandwidth) in Hz of the vowel :func:`vowel_mp3` makes: an open [a]-like vowel."""

_mp3_cache: dict[str, bytes] = {}
_mp3_lock = threading.Lock()


def speech_mp3(text: str) -> bytes:
    with _mp3_lock:
        if text in _mp3_cache:
            return _mp3_cache[text]
        eng = EspeakEngine()
        chunk = eng.synthesize(text, eng.voices("fr-FR")[1])
    proc = subprocess.run(
        [ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-f", "s16le", "-ar", str(chunk.sample_rate),
         "-ac", "1", "-i", "pipe:0", "-ar", "24000", "-c:a", "libmp3lame", "-b:a", "32k", "-f", "mp3", "pipe:1"],
        input=chunk.data, capture_output=True, check=True,
    )  # fmt: skip
    with _mp3_lock:
        _mp3_cache[text] = proc.stdout
    return proc.stdout


def vowel_mp3(seconds: float = 1.6, formants: tuple[tuple[float, float], ...] = VOWEL_FORMANTS) -> bytes:
    """A sustained vowel with known formants, as gTTS's MP3: a glottal pulse train whose pitch
    glides 200 -> 240 Hz (about Google's female voice; the glide sweeps the harmonics through the
    formants, so an LPC estimate sees the envelope and not one harmonic), shaped by a spectral
    tilt, one resonator per (frequency, bandwidth) formant and lip radiation."""
    import numpy as np

    rate = 24000
    n = int(rate * seconds)
    phase = np.cumsum(np.linspace(200.0, 240.0, n) / rate)
    x = np.zeros(n)
    x[np.nonzero(np.diff(np.floor(phase)) > 0)[0] + 1] = 1.0
    poles: list[tuple[float, float]] = [(0.95, 0.0), (0.95, 0.0)]  # glottal tilt: two real poles
    for freq, bandwidth in formants:
        r = float(np.exp(-np.pi * bandwidth / rate))
        poles.append((2 * r * float(np.cos(2 * np.pi * freq / rate)), -r * r))
    for a1, a2 in poles:
        y = np.zeros(n)
        y1 = y2 = 0.0
        for i in range(n):
            y0 = x[i] + a1 * y1 + a2 * y2
            y[i], y2, y1 = y0, y1, y0
        x = y
    x = np.diff(x, prepend=0.0)  # lip radiation: no DC, as in real speech
    x = np.concatenate([np.zeros(rate // 10), x / np.abs(x).max() * 0.5, np.zeros(rate // 10)])
    proc = subprocess.run(
        [ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-f", "s16le", "-ar", str(rate), "-ac", "1",
         "-i", "pipe:0", "-c:a", "libmp3lame", "-b:a", "32k", "-f", "mp3", "pipe:1"],
        input=(x * 32767).astype("<i2").tobytes(), capture_output=True, check=True,
    )  # fmt: skip
    return proc.stdout


@dataclass
class Behaviour:
    latency: float = 0.0
    """Seconds added to every answer."""
    statuses: list[int] = field(default_factory=list)
    """Status of the n-th request (then 200); 0 means 'answer 200 without audio', -1 'hang'."""
    always: int | None = None
    """Status of every request (overrides ``statuses``)."""
    fail_after: int | None = None
    """Answer 500 to every request after this many."""
    audio: bytes | None = None
    """MP3 answered to every request instead of espeak-ng's speech (a vowel of known formants)."""


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request: object, client_address: object) -> None:
        """A client that hangs up (a test interrupting a run) is expected, not a traceback."""
        import sys

        if not isinstance(sys.exc_info()[1], (BrokenPipeError, ConnectionResetError)):
            super().handle_error(request, client_address)  # type: ignore[arg-type]


class GttsServer:
    def __init__(self, behaviour: Behaviour | None = None) -> None:
        self.behaviour = behaviour or Behaviour()
        self.requests: list[tuple[str, str]] = []  # (text, tld-from-host-less-path)
        self.lock = threading.Lock()
        self.times: list[float] = []  # when each request arrived (time.monotonic)
        self.active = 0
        self.max_active = 0
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_HEAD(self) -> None:
                self.send_response(200)
                self.end_headers()

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", 0))
                body = self.rfile.read(length).decode()
                form = urllib.parse.parse_qs(body)
                rpc = json.loads(form["f.req"][0])
                text = json.loads(rpc[0][0][1])[0]
                with server.lock:
                    n = len(server.requests)
                    server.requests.append((text, self.path))
                    server.times.append(time.monotonic())
                    server.active += 1
                    server.max_active = max(server.max_active, server.active)
                try:
                    self._answer(n, text)
                finally:
                    with server.lock:
                        server.active -= 1

            def _answer(self, n: int, text: str) -> None:
                b = server.behaviour
                status = b.always if b.always is not None else (b.statuses[n] if n < len(b.statuses) else 200)
                if b.fail_after is not None and n >= b.fail_after:
                    status = 500
                time.sleep(b.latency)
                if status == -1:
                    time.sleep(30)
                    return
                if status not in (0, 200):
                    self.send_response(status)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                if status == 0:
                    payload = b')]}\'\n\n[["wrb.fr","other",null]]\n'
                else:
                    mp3 = b.audio if b.audio is not None else speech_mp3(text)
                    audio = base64.b64encode(mp3).decode()
                    inner = json.dumps([audio])  # ["base64"] as gTTS expects, escaped once more below
                    line = json.dumps([["wrb.fr", "jQ1olc", inner, None, None, None, "generic"]], separators=(",", ":"))
                    payload = (")]}'\n\n" + str(len(line)) + "\n" + line + "\n").encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

        self.httpd = _QuietServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> GttsServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@contextmanager
def gtts_pointed_at(url: str) -> Iterator[None]:
    """Point gTTS's own URL function at ``url`` (the name tts.py imported, see DESIGN.md)."""
    import gtts.tts

    original = gtts.tts._translate_url
    gtts.tts._translate_url = lambda tld="com", path="": f"{url}/{path}"
    try:
        yield
    finally:
        gtts.tts._translate_url = original
