"""The studio's JSON API, usable by other tools as well as by the page. Request bodies are JSON
(``Content-Type: application/json``) unless said otherwise; the README lists them with examples.

- ``POST /api/script``: ``{"text", "locale"?, "preset"?, "filename"?}`` or ``{"url", "locale"?}``
  or a raw file upload (``Content-Type: application/octet-stream``, ``?filename=&locale=``) →
  the script JSON; ``{"script", "preset"?}`` (an edited script) → the same script checked, its
  voices resolved and its edited spoken text cut again (what ``bulletin render`` would speak).
  More segments than the studio's bound (``--max-segments``): 413.
- ``POST /api/preview``: ``{"segment", "locale", "preset"?}`` → ``audio/mpeg``; longer than the
  preview bound (``--preview-limit``): 413. Previews wait in the renders' queue.
- ``POST /api/sample``: ``{"voice", "locale"?, "preset"?}`` → ``audio/mpeg``: the voice saying a
  short fixed sentence.
- ``POST /api/timeline``: ``{"script", "preset"?}`` → ``{"segments": [{"start", "seconds",
  "measured"}], "total", "measured"}`` (seconds; measured from cached clips, else estimated).
- ``POST /api/render``: ``{"script", "preset"?, "outputs"?, "replace"?}`` → ``{"job", "name"}``; a
  bad edit is refused at once (400), before any job. The MP3 is named ``DATE-TITLE.mp3``; a name
  taken by another render (queued, running or on disk) gets a suffix (``-2``…) unless
  ``"replace": true`` and no render in progress holds it (then the old sidecars go too).
- ``GET /api/jobs/{job}`` → ``{"state": "queued|running|done|failed", "progress": 0…1,
  "message", "files": {"mp3": URL, …}, "error"}``; finished jobs are forgotten after an hour.
- ``GET /api/voices`` → ``{"engine", "reason", "voices": {locale: [{"id", "name", "label",
  "gender", "pitch", "role"}]}, "locales", "presets"}``; the engine check is made again each time.
- ``POST /api/lexicon``: ``{"word", "say", "script"?}`` → ``{"saved": PATH, "script"?}`` (the
  script is checked before the word is saved).
- ``GET /api/library`` → the bulletins (with sidecars) and feeds of the studio's folders.

Bad input is a 4xx answer ``{"error": "one line"}``, never a traceback.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import ipaddress
import re
import shutil
import socket
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from ..article import article_from_bytes, slugify
from ..engines.base import Engine
from ..errors import ArticleError, BulletinError, ScriptError
from ..normalize import LOCALES, load_lexicon
from ..presets import PRESETS, get_preset
from ..render import Edited, engine_name_for, prepare, validate
from ..runtime import Runtime
from ..script import SCRIPT_VERSION
from ..settings import Settings
from .config import MAX_BODY, StudioConfig
from .files import bulletins, sidecars, url_for
from .jobs import Jobs
from .preview import TooLong, check_length, preview_mp3, sample_mp3, timeline
from .pronunciations import add_pronunciation, check_entry, respeak

T = TypeVar("T")
DATE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")
"""A script's date, as the schema will require it: it becomes part of a file name."""
SENTENCE_END = re.compile(rb"[.!?\n]+")


def _mb(n: int) -> str:
    return f"{n / 1_048_576:g} MB"


async def read_body(request: Request, limit: int, what: str = "the request") -> bytes:
    """The request body, refused with 413 as soon as it passes ``limit`` bytes (the declared
    length is checked first, and the stream is counted too: a client may not declare it)."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise HTTPException(413, f"{what} is larger than {_mb(limit)}; the studio takes up to {_mb(limit)}")
    data = bytearray()
    async for chunk in request.stream():
        data += chunk
        if len(data) > limit:
            raise HTTPException(413, f"{what} is larger than {_mb(limit)}; the studio takes up to {_mb(limit)}")
    return bytes(data)


async def read_json(request: Request, limit: int = MAX_BODY) -> dict[str, Any]:
    import json

    body = await read_body(request, limit)
    try:
        data = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise HTTPException(400, "the request body is not valid JSON") from None
    if not isinstance(data, dict):
        raise HTTPException(400, "the request body must be a JSON object")
    return data


def _text_field(data: dict[str, Any], key: str) -> str | None:
    value = data.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise HTTPException(400, f"{key!r} must be text")
    return value


def check_date(doc: Any, name: str = "the script") -> None:
    """The date goes into the MP3's name: ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD`` only (the
    schema says so too; checked here as well so a path can never come from it)."""
    if isinstance(doc, dict):
        date = doc.get("date")
        if date is not None and (not isinstance(date, str) or not DATE.match(date)):
            shown = str(date)[:40]
            raise ScriptError(f"{name}: date: {shown!r} is not a date; write YYYY-MM-DD (or YYYY-MM, YYYY)")


def public_address(url: str) -> None:
    """Refuse a URL whose host resolves to this machine or its private network: with a token on a
    shared address, the studio must not become a way into the services around it."""
    try:
        host = urlsplit(url).hostname or ""
        port = urlsplit(url).port
    except ValueError:
        raise ArticleError(f"{url}: not a web address") from None
    try:
        infos = socket.getaddrinfo(host, port or 443, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError):
        return  # unknown name: the download says so in its own words
    for info in infos:
        address = ipaddress.ip_address(str(info[4][0]).split("%")[0])
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
            address = address.ipv4_mapped
        if (address.is_loopback or address.is_private or address.is_link_local or address.is_reserved
                or address.is_multicast or address.is_unspecified):  # fmt: skip
            raise ArticleError(
                f"{url}: {host} is an address of this machine or its network ({address}); "
                "a studio open to other machines fetches public web pages only"
            )


class Studio:
    """The endpoints, around the process's runtime (an engine stack per request, so each render
    and each check decides the engine afresh) and one queue of renders and previews."""

    def __init__(self, config: StudioConfig, runtime: Runtime) -> None:
        self.config = config
        self.runtime = runtime
        self.jobs = Jobs(ttl=config.job_ttl)
        self._naming = threading.Lock()

    # --- helpers --------------------------------------------------------------------------------

    def settings(self, data: dict[str, Any] | None = None, **extra: Any) -> Settings:
        """The studio's settings with what a request chose (locale, preset, outputs), checked."""
        data = data or {}
        changes: dict[str, Any] = {}
        for key in ("locale", "preset", "outputs"):
            value = data.get(key)
            if value is not None:
                if not isinstance(value, str):
                    raise HTTPException(400, f"{key!r} must be text")
                changes[key] = value
        return replace(self.config.settings, **changes, **extra).check()

    @contextlib.contextmanager
    def engine(self, settings: Settings, doc: Any = None) -> Iterator[tuple[Engine, str]]:
        """This request's engine stack: the script's voices' engine when it names one."""
        name, why = engine_name_for(doc, settings) if isinstance(doc, dict) else (settings.engine, None)
        with self.runtime.stack(settings, engine_name=name) as stack:
            yield stack.engine, why or stack.reason

    def edited(self, doc: Any, settings: Settings, engine: Engine, name: str = "the script") -> Edited:
        # --speaker-voice given to the studio shapes new scripts; after that the page's own
        # voice choices are the producer's last word, so they are not overridden again.
        check_date(doc, name)
        return prepare(doc, replace(settings, speaker_voices={}), engine, name=name)

    def check_size(self, count: int, about: bool = False) -> None:
        limit = self.config.max_segments
        if count > limit:
            raise HTTPException(
                413,
                f"this article gives {'about ' if about else ''}{count} segments; the studio shows up to {limit}: "
                "cut it into shorter articles, or make it with 'bulletin make'",
            )

    def rate(self, settings: Settings) -> float:
        return settings.rate if settings.rate is not None else get_preset(settings.preset).rate

    async def queued(self, fn: Callable[[], T]) -> T:
        """``fn`` in the renders' queue (one piece of speech at a time)."""
        try:
            future = self.jobs.run(fn)
        except RuntimeError:  # the pool is shut down: the studio is stopping
            raise HTTPException(503, "the studio is stopping") from None
        return await asyncio.wrap_future(future)

    # --- endpoints ------------------------------------------------------------------------------

    async def script(self, request: Request) -> Response:
        ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if ctype == "application/octet-stream":
            data: dict[str, Any] = {
                k: request.query_params[k] for k in ("locale", "preset") if k in request.query_params
            }
            name = Path(request.query_params.get("filename", "upload.txt")).name or "upload.txt"
            raw = await read_body(request, self.config.max_upload, f"the file {name}")
            return JSONResponse(await run_in_threadpool(self._from_article, raw, name, data))
        data = await read_json(request)
        if "script" in data:
            doc = data["script"]
            if isinstance(doc, dict) and isinstance(doc.get("segments"), list):
                self.check_size(len(doc["segments"]))
            settings = self.settings({k: v for k, v in data.items() if k == "preset"})

            def resolve() -> dict[str, Any]:
                with self.engine(settings, doc) as (engine, _):
                    return self.edited(doc, settings, engine).to_json()

            return JSONResponse(await run_in_threadpool(resolve))
        text, url = _text_field(data, "text"), _text_field(data, "url")
        if text is not None and text.strip():
            raw = text.encode("utf-8")
            if len(raw) > self.config.max_upload:
                raise HTTPException(
                    413,
                    f"the text is larger than {_mb(self.config.max_upload)}; "
                    f"the studio takes up to {_mb(self.config.max_upload)}",
                )
            name = Path(_text_field(data, "filename") or "the pasted text").name
            return JSONResponse(await run_in_threadpool(self._from_article, raw, name, data))
        if url is not None and url.strip():
            return JSONResponse(await run_in_threadpool(self._from_url, url.strip(), data))
        raise HTTPException(400, 'give the article: {"text": …}, {"url": …} or an uploaded file')

    def _from_article(self, raw: bytes, name: str, data: dict[str, Any]) -> dict[str, Any]:
        suffix = Path(name).suffix if name != "the pasted text" else ""
        if suffix and suffix.lower() not in (".txt", ".md", ".markdown", ".html", ".htm"):
            raise ArticleError(f"{name}: the studio reads .txt, .md and .html articles")
        # A cheap count first: an article of 100,000 sentences is refused before it is scripted.
        rough = len(SENTENCE_END.findall(raw))
        if rough > 3 * self.config.max_segments:
            self.check_size(rough, about=True)
        return self._script_of(article_from_bytes(raw, name, suffix=suffix), data)

    def _from_url(self, url: str, data: dict[str, Any]) -> dict[str, Any]:
        from ..sources import load_article

        if not url.lower().startswith(("http://", "https://")):
            raise ArticleError(f"{url}: give a web page's address (http:// or https://)")
        if not self.config.loopback:
            public_address(url)
        return self._script_of(load_article(url), data)

    def _script_of(self, article: Any, data: dict[str, Any]) -> dict[str, Any]:
        from ..pipeline import make_script

        settings = self.settings(data)
        with self.engine(settings) as (engine, _):
            script = make_script(article, settings, engine)
        self.check_size(len(script.segments))
        return script.to_json()  # its warnings hold the article's own (dates, control characters)

    async def preview(self, request: Request) -> Response:
        data = await read_json(request)
        segment = data.get("segment")
        if not isinstance(segment, dict):
            raise HTTPException(400, '"segment" must be one segment of a script (an object)')
        locale = data.get("locale") or "fr-FR"
        settings = self.settings({"locale": locale, "preset": data.get("preset")})
        doc = {"version": SCRIPT_VERSION, "title": "", "locale": settings.locale, "segments": [segment]}

        if isinstance(segment.get("spoken"), str):
            try:
                check_length(segment["spoken"], self.config.preview_seconds, self.rate(settings))
            except TooLong as exc:
                raise HTTPException(413, str(exc)) from None

        def speak() -> bytes:
            with self.engine(settings, doc) as (engine, _):
                script = self.edited(doc, settings, engine, "the segment").script
                return preview_mp3(script, engine, self.config.out_dir, self.rate(settings))

        audio = await self.queued(speak)
        return Response(audio, media_type="audio/mpeg", headers={"Cache-Control": "no-store"})

    async def sample(self, request: Request) -> Response:
        data = await read_json(request)
        voice_id = _text_field(data, "voice")
        if not voice_id:
            raise HTTPException(400, '"voice" must be a voice id, as /api/voices lists them')
        settings = self.settings({"locale": data.get("locale") or "fr-FR", "preset": data.get("preset")})
        doc = {"version": SCRIPT_VERSION, "title": "", "locale": settings.locale,
               "segments": [{"kind": "narration", "text": "x", "spoken": "x", "voice": voice_id}]}  # fmt: skip

        def speak() -> bytes:
            with self.engine(settings, doc) as (engine, _):
                found = [v for v in engine.voices(settings.locale) if v.id == voice_id]
                if not found:
                    raise HTTPException(400, f"no voice {voice_id!r} for {settings.locale}")
                return sample_mp3(found[0], engine, self.config.out_dir, self.rate(settings))

        audio = await self.queued(speak)
        return Response(audio, media_type="audio/mpeg", headers={"Cache-Control": "private, max-age=3600"})

    async def timeline(self, request: Request) -> Response:
        data = await read_json(request)
        doc = data.get("script")
        settings = self.settings({k: data.get(k) for k in ("preset",)})

        def measure() -> dict[str, Any]:
            with self.engine(settings, doc) as (engine, _):
                script = self.edited(doc, settings, engine).script
                preset = get_preset(settings.preset)
                return timeline(script, engine, self.rate(settings), preset.pause_scale * settings.pause_scale)

        return JSONResponse(await run_in_threadpool(measure))

    def target(self, stem: str, replace_old: bool) -> tuple[Path, bool]:
        """The MP3 a new render writes, and whether it replaces an earlier one (call with
        ``self._naming`` held, and reserve it before letting go)."""
        out = self.config.out_dir
        taken = self.jobs.reserved()
        first = out / f"{stem}.mp3"
        if replace_old and first not in taken:
            return first, True
        n = 1
        while True:
            path = first if n == 1 else out / f"{stem}-{n}.mp3"
            if path not in taken and not any(p.exists() for p in [path, *sidecars(path)]):
                return path, False
            n += 1

    async def render(self, request: Request) -> Response:
        from ..pipeline import check_inputs

        data = await read_json(request)
        doc = data.get("script")
        replace_old = data.get("replace") is True
        settings = self.settings({k: data.get(k) for k in ("preset", "outputs")})

        def check() -> Edited:  # a bad edit: 400 now, not a job
            with self.engine(settings, doc) as (engine, _):
                return self.edited(doc, settings, engine)

        edited = await run_in_threadpool(check)
        script = edited.script
        engine_name = engine_name_for(doc, settings)[0] if isinstance(doc, dict) else settings.engine
        stem = f"{slugify(script.date or dt.date.today().isoformat())}-{slugify(script.title)}"
        runtime = self.runtime

        with self._naming:
            target, replacing = self.target(stem, replace_old)

            def work(progress: Any) -> dict[str, Path]:
                target.parent.mkdir(parents=True, exist_ok=True)
                check_inputs(settings)  # the show's jingles and cover (a missing one fails the job)
                # The script checked above is the one spoken: its voices name their engine, so the
                # render's own stack (new cache and fallback wrappers) speaks it as checked.
                result = runtime.render(script, target, replace(settings, speaker_voices={}), progress=progress,
                                        engine_name=engine_name)  # fmt: skip
                if replacing:  # what the earlier render wrote and this one did not is not its own
                    kept = set(result.files.values())
                    for old in sidecars(target):
                        if old not in kept and old.exists():
                            shutil.rmtree(old) if old.is_dir() else old.unlink(missing_ok=True)
                return result.files

            job = self.jobs.submit(work, target)
        return JSONResponse({"job": job, "name": target.name})

    async def job(self, request: Request) -> Response:
        job = self.jobs.get(request.path_params["job"])
        if job is None:
            raise HTTPException(404, "no such render (finished renders are forgotten after an hour)")
        root = self.config.out_dir
        files = {name: url for name, path in job.files.items() if (url := url_for("out", root, path))}
        return JSONResponse(
            {
                "state": job.state,
                "progress": round(job.progress, 3),
                "message": job.message,
                "name": job.target.name if job.target is not None else None,
                "files": files,
                "error": job.error,
            }
        )

    async def voices(self, request: Request) -> Response:
        def listing() -> dict[str, Any]:
            out: dict[str, Any] = {}
            settings = self.config.settings
            with self.engine(settings) as (engine, reason):
                for locale in LOCALES:
                    try:
                        voices = engine.voices(locale)
                    except BulletinError:
                        voices = ()
                    out[locale] = [
                        {
                            "id": v.id,
                            "name": v.name,
                            "label": v.label or v.name,
                            "gender": v.gender,
                            "pitch": v.f0_hz,
                            "role": "anchor" if i == 0 else "quotes",
                        }
                        for i, v in enumerate(voices)
                    ]
                name = engine.name
            return {
                "engine": name,
                "reason": reason,
                "voices": out,
                "presets": list(PRESETS),
                "locales": list(LOCALES),
            }

        return JSONResponse(await run_in_threadpool(listing))

    async def lexicon(self, request: Request) -> Response:
        data = await read_json(request)
        word, say = check_entry(_text_field(data, "word") or "", _text_field(data, "say") or "")
        extra = self.config.settings.lexicon
        doc = data.get("script")
        if doc is not None:
            validate(doc)  # a malformed script: 400, and the word is not saved
            check_date(doc)

        def save() -> dict[str, Any]:
            before = load_lexicon(extra)
            path = add_pronunciation(word, say)
            answer: dict[str, Any] = {"saved": str(path)}
            if isinstance(doc, dict):
                answer["script"] = respeak(doc, word, before, load_lexicon(extra))
            return answer

        return JSONResponse(await run_in_threadpool(save))

    async def library(self, request: Request) -> Response:
        def listing() -> dict[str, Any]:
            out = self.config.out_dir
            answer: dict[str, Any] = {"out": bulletins(out, "out") if out.is_dir() else {"bulletins": [], "feeds": []}}
            folder = self.config.folder
            answer["folder"] = None if folder is None else {"name": folder.name, **bulletins(folder, "folder")}
            return answer

        return JSONResponse(await run_in_threadpool(listing))


def error_response(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": " ".join(str(message).split())}, status_code=status)


async def on_http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    return error_response(exc.status_code, str(exc.detail))


async def on_bulletin_error(request: Request, exc: Exception) -> Response:
    """Bad input: one line, 400 (502 when the article's web page could not be fetched)."""
    status = 502 if str(exc).startswith("cannot download") else 400
    return error_response(status, str(exc))


async def on_bug(request: Request, exc: Exception) -> Response:
    print(f"bulletin studio: {request.method} {request.url.path}: {type(exc).__name__}: {exc}", file=sys.stderr)
    return error_response(500, f"internal error: {type(exc).__name__}: {exc}")
