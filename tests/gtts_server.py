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
                    audio = base64.b64encode(speech_mp3(text)).decode()
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
