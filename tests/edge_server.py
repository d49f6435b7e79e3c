"""A local server on 127.0.0.1 that speaks Microsoft Edge's Read Aloud protocol, with real MP3.

One aiohttp app, in a thread with its own event loop, serves what edge-tts asks for:

- ``GET /readaloud/voices/list?trustedclienttoken=…``: the voice list (JSON, :data:`VOICES`);
- ``GET /readaloud/edge/v1?TrustedClientToken=…&ConnectionId=…&Sec-MS-GEC=…`` upgraded to a
  WebSocket: the client sends ``speech.config`` then ``ssml``; the server answers ``turn.start``,
  ``audio.metadata`` word boundaries interleaved with binary audio frames (2-byte header length,
  ``Path:audio`` headers, MP3 bytes), an empty closing audio frame and ``turn.end``.

The audio is real speech: espeak-ng says the requested text in a woman's or a man's voice (as the
list gives the voice's gender), encoded by the bundled ffmpeg as the service encodes it (24 kHz
mono MP3, 48 kbit/s). Word boundaries are spread over the speech in proportion to the letters.
What happens on each connection is scripted (:class:`Behaviour`): a dropped connection, an error
frame, a refusal under load, silence.

The voice list is a fixture modelled on the service's French voices (the real list cannot be
fetched offline); names, genders and locales follow the service's entries.
"""

from __future__ import annotations

import asyncio
import html
import json
import re
import subprocess
import threading
import uuid
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSCloseCode, web

from bulletin.engines.espeak import EspeakEngine
from bulletin.ffmpeg import ffmpeg_exe


def _entry(short: str, gender: str) -> dict[str, Any]:
    locale = "-".join(short.split("-")[:2])
    person = short.split("-")[2].removesuffix("Neural")
    return {
        "Name": f"Microsoft Server Speech Text to Speech Voice ({locale}, {person}Neural)",
        "ShortName": short,
        "Gender": gender,
        "Locale": locale,
        "SuggestedCodec": "audio-24khz-48kbitrate-mono-mp3",
        "FriendlyName": f"Microsoft {person} Online (Natural) - French",
        "Status": "GA",
        "VoiceTag": {"ContentCategories": ["General"], "VoicePersonalities": ["Friendly", "Positive"]},
    }


VOICES: list[dict[str, Any]] = [
    _entry("en-US-AriaNeural", "Female"),
    _entry("en-US-GuyNeural", "Male"),
    _entry("fr-BE-CharlineNeural", "Female"),
    _entry("fr-BE-GerardNeural", "Male"),
    _entry("fr-CA-AntoineNeural", "Male"),
    _entry("fr-CA-JeanNeural", "Male"),
    _entry("fr-CA-SylvieNeural", "Female"),
    _entry("fr-CA-ThierryNeural", "Male"),
    _entry("fr-CH-ArianeNeural", "Female"),
    _entry("fr-CH-FabriceNeural", "Male"),
    _entry("fr-FR-DeniseNeural", "Female"),
    _entry("fr-FR-EloiseNeural", "Female"),
    _entry("fr-FR-HenriNeural", "Male"),
    _entry("fr-FR-RemyMultilingualNeural", "Male"),
    _entry("fr-FR-VivienneMultilingualNeural", "Female"),
]

_mp3_cache: dict[tuple[str, str], bytes] = {}
_mp3_lock = threading.Lock()


def speech_mp3(text: str, gender: str) -> bytes:
    """``text`` said by espeak-ng in a woman's (``Female``) or a man's voice, as the service's MP3."""
    with _mp3_lock:
        if (text, gender) in _mp3_cache:
            return _mp3_cache[(text, gender)]
        eng = EspeakEngine()
        voices = eng.voices("fr-FR")
        want = "f" if gender == "Female" else "m"
        chunk = eng.synthesize(text, next(v for v in voices[1:] if v.gender == want))
    proc = subprocess.run(
        [ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-f", "s16le", "-ar", str(chunk.sample_rate),
         "-ac", "1", "-i", "pipe:0", "-ar", "24000", "-c:a", "libmp3lame", "-b:a", "48k", "-f", "mp3", "pipe:1"],
        input=chunk.data, capture_output=True, check=True,
    )  # fmt: skip
    with _mp3_lock:
        _mp3_cache[(text, gender)] = proc.stdout
    return proc.stdout


@dataclass
class Behaviour:
    """What the n-th WebSocket connection gets (then ``ok``): ``ok``; ``drop`` (the connection is
    cut after half the audio, word boundaries sent ahead of their audio); ``drop-early`` (cut after
    half the audio and half the boundaries); ``short`` (half the audio and every boundary, then a
    normal turn.end); ``short-early`` (the same with boundaries in step with the audio); ``error``
    (an error close frame, 1011, before any audio); ``429``/``503`` (the handshake refused under
    load, with Retry-After: 0); ``silent`` (the server reads the request and never answers)."""

    connections: list[str] = field(default_factory=list)
    always: str | None = None
    voice_list_status: int = 200


class EdgeServer:
    def __init__(self, behaviour: Behaviour | None = None, voices: list[dict[str, Any]] | None = None) -> None:
        self.behaviour = behaviour or Behaviour()
        self.voices = VOICES if voices is None else voices
        self.requests: list[dict[str, Any]] = []  # one per WebSocket connection: query, voice, text, outcome
        self.list_requests = 0
        self.lock = threading.Lock()
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._stop: asyncio.Event | None = None
        self.port = 0
        self.thread = threading.Thread(target=self._run, daemon=True)

    @property
    def url(self) -> str:
        """The endpoint the engine is given (the ``edge_endpoint`` setting)."""
        return f"http://127.0.0.1:{self.port}/readaloud"

    # --- the app ----------------------------------------------------------------------------

    async def _voice_list(self, request: web.Request) -> web.Response:
        with self.lock:
            self.list_requests += 1
        if "trustedclienttoken" not in request.query or "Sec-MS-GEC" not in request.query:
            return web.Response(status=400, text="missing token")
        status = self.behaviour.voice_list_status
        if status != 200:
            return web.Response(status=status)
        return web.json_response(self.voices)

    def _next(self) -> tuple[int, str]:
        b = self.behaviour
        with self.lock:
            n = len(self.requests)
            self.requests.append({})
        mode = b.always if b.always is not None else (b.connections[n] if n < len(b.connections) else "ok")
        return n, mode

    async def _socket(self, request: web.Request) -> web.StreamResponse:
        n, mode = self._next()
        self.requests[n].update(query=dict(request.query), mode=mode)
        if mode in ("429", "503"):
            return web.Response(status=int(mode), headers={"Retry-After": "0"})
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        config = ssml = ""
        async for msg in ws:
            if msg.type != web.WSMsgType.TEXT:
                continue
            if "Path:speech.config" in msg.data:
                config = msg.data
            elif "Path:ssml" in msg.data:
                ssml = msg.data
                break
        voice_match = re.search(r"<voice name='([^']+)'>", ssml)
        text_match = re.search(r"<prosody [^>]*>(.*)</prosody>", ssml, re.S)
        voice = voice_match.group(1) if voice_match else ""
        text = html.unescape(text_match.group(1)) if text_match else ""
        rate = re.search(r"rate='([^']+)'", ssml)
        self.requests[n].update(voice=voice, text=text, rate=rate.group(1) if rate else None,
                                word_boundaries='"wordBoundaryEnabled":"true"' in config)  # fmt: skip
        if mode == "silent":
            assert self._stop is not None
            await self._stop.wait()  # until the server stops
            return ws
        request_id = uuid.uuid4().hex
        await ws.send_str(_text(request_id, "turn.start", '{"context":{"serviceTag":"local"}}'))
        if mode == "error":
            await ws.close(code=WSCloseCode.INTERNAL_ERROR, message=b"Internal server error")
            return ws
        # edge-tts sends the long name: "Microsoft Server Speech Text to Speech Voice (fr-BE, GerardNeural)".
        entry = next((v for v in self.voices if voice in (v["Name"], v["ShortName"])), None)
        if entry is None:  # the service answers an unknown voice with no audio at all
            await ws.send_str(_text(request_id, "turn.end", "{}"))
            await ws.close()
            return ws
        mp3 = await asyncio.get_running_loop().run_in_executor(None, speech_mp3, text, str(entry["Gender"]))
        words = _boundaries(text, mp3)
        blocks = 6
        size = -(-len(mp3) // blocks)
        for i in range(blocks):
            if mode in ("drop", "drop-early") and i == blocks // 2:
                _cut(request)
                return ws
            if mode in ("short", "short-early") and i == blocks // 2:
                break  # half the audio, then a normal turn.end: only the boundaries tell
            # A word's boundary comes before its audio; 'drop' and 'short' send them all up front.
            up_front = mode in ("drop", "short")
            due = [w for w in words if (i == 0 if up_front else w["block"] == i)]
            for w in due:
                await ws.send_str(_text(request_id, "audio.metadata", json.dumps(w["meta"])))
            await ws.send_bytes(_audio(request_id, mp3[i * size : (i + 1) * size]))
        await ws.send_bytes(_audio(request_id, b"", content_type=None))
        await ws.send_str(_text(request_id, "turn.end", "{}"))
        await ws.close()
        return ws

    # --- the thread -------------------------------------------------------------------------

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        self._loop.run_until_complete(self._serve())
        pending = asyncio.all_tasks(self._loop)
        for task in pending:
            task.cancel()
        self._loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
        self._loop.close()

    async def _serve(self) -> None:
        app = web.Application()
        app.router.add_get("/readaloud/voices/list", self._voice_list)
        app.router.add_get("/readaloud/edge/v1", self._socket)
        runner = web.AppRunner(app, handle_signals=False, shutdown_timeout=0.5)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        server = site._server
        assert server is not None and server.sockets
        self.port = server.sockets[0].getsockname()[1]
        self._stop = asyncio.Event()
        self._ready.set()
        await self._stop.wait()
        await runner.cleanup()

    def __enter__(self) -> EdgeServer:
        self.thread.start()
        if not self._ready.wait(10):
            raise RuntimeError("the Edge test server did not start")
        return self

    def __exit__(self, *exc: object) -> None:
        stop = self._stop
        if stop is not None:
            self._loop.call_soon_threadsafe(stop.set)
        self.thread.join(10)


def _text(request_id: str, path: str, body: str) -> str:
    return (f"X-RequestId:{request_id}\r\nContent-Type:application/json; charset=utf-8\r\nPath:{path}\r\n\r\n"
            f"{body}")  # fmt: skip


def _audio(request_id: str, data: bytes, content_type: str | None = "audio/mpeg") -> bytes:
    headers = f"X-RequestId:{request_id}\r\n" + (f"Content-Type:{content_type}\r\n" if content_type else "")
    head = (headers + "Path:audio\r\n").encode()  # the length counts the headers' last CRLF
    return len(head).to_bytes(2, "big") + head + data


def _cut(request: web.Request) -> None:
    """Drop the TCP connection, as a network cut does: no close frame."""
    transport = request.transport
    if transport is not None:
        transport.abort()


def _mp3_ms(mp3: bytes) -> float:
    return len(mp3) * 8 / 48.0  # 48 kbit/s constant bit rate


def _boundaries(text: str, mp3: bytes) -> list[dict[str, Any]]:
    """One WordBoundary per word, its offset and duration (100 ns ticks) in proportion to the
    letters before it, over the speech between 10 % and 95 % of the audio; ``block`` says in which
    sixth of the audio it falls."""
    total_ms = _mp3_ms(mp3)
    found = [(m.start(), m.end(), m.group(0)) for m in re.finditer(r"\w[\w'’-]*", text)]
    letters = max(sum(e - s for s, e, _ in found), 1)
    out, done = [], 0
    for s, e, word in found:
        start = total_ms * (0.10 + 0.85 * done / letters)
        done += e - s
        end = total_ms * (0.10 + 0.85 * done / letters)
        meta = {"Metadata": [{"Type": "WordBoundary", "Data": {
            "Offset": int(start * 10_000), "Duration": int((end - start) * 10_000),
            "text": {"Text": word, "Length": len(word), "BoundaryType": "WordBoundary"}}}]}  # fmt: skip
        out.append({"meta": meta, "block": min(int(start / total_ms * 6), 5)})
    return out
