"""The studio's JSON API, usable by other tools as well as by the page.

- ``POST /api/script``: ``{"text", "locale"?, "preset"?, "filename"?}`` or ``{"url", "locale"?}``
  or a raw file upload (``Content-Type: application/octet-stream``, ``?filename=&locale=``) →
  the script JSON; ``{"script"}`` (an edited script) → the same script checked, its voices
  resolved and its edited spoken text cut again (what ``bulletin render`` would speak).
- ``POST /api/preview``: ``{"segment", "locale", "preset"?}`` → ``audio/mpeg``.
- ``POST /api/render``: ``{"script", "preset"?, "outputs"?}`` → ``{"job"}``; a bad edit is
  refused at once (400), before any job.
- ``GET /api/jobs/{job}`` → ``{"state": "running|done|failed", "progress": 0…1, "message",
  "files": {"mp3": URL, …}, "error"}``.
- ``GET /api/voices`` → ``{"engine", "reason", "voices": {locale: [{"id", "label", "gender",
  "role"}]}, "locales", "presets"}``.
- ``POST /api/lexicon``: ``{"word", "say", "script"?}`` → ``{"saved": PATH, "script"?}``.
- ``GET /api/library`` → the bulletins (with sidecars) and feeds of the studio's folders.

Bad input is a 4xx answer ``{"error": "one line"}``, never a traceback.
"""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from ..article import article_from_bytes
from ..engines.base import Engine
from ..errors import ArticleError, BulletinError
from ..normalize import LOCALES, load_lexicon
from ..presets import PRESETS, get_preset
from ..render import Edited, default_output, prepare
from ..script import SCRIPT_VERSION
from ..settings import Settings
from .config import MAX_BODY, StudioConfig
from .files import bulletins, url_for
from .jobs import Jobs
from .preview import preview_mp3
from .pronunciations import add_pronunciation, check_entry, respeak


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


class Studio:
    """The endpoints, around one engine stack chosen at start-up and one queue of renders."""

    def __init__(self, config: StudioConfig, engine: Engine, reason: str) -> None:
        self.config = config
        self.engine = engine
        self.reason = reason
        self.jobs = Jobs()

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

    def edited(self, doc: Any, settings: Settings, name: str = "the script") -> Edited:
        # --speaker-voice given to the studio shapes new scripts; after that the page's own
        # voice choices are the producer's last word, so they are not overridden again.
        return prepare(doc, replace(settings, speaker_voices={}), self.engine, name=name)

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
            settings = self.settings({k: v for k, v in data.items() if k == "preset"})
            doc = data["script"]
            edited = await run_in_threadpool(self.edited, doc, settings)
            return JSONResponse(edited.to_json())
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
        return self._script_of(article_from_bytes(raw, name, suffix=suffix), data)

    def _from_url(self, url: str, data: dict[str, Any]) -> dict[str, Any]:
        from ..sources import load_article

        if not url.lower().startswith(("http://", "https://")):
            raise ArticleError(f"{url}: give a web page's address (http:// or https://)")
        return self._script_of(load_article(url), data)

    def _script_of(self, article: Any, data: dict[str, Any]) -> dict[str, Any]:
        from ..pipeline import make_script

        settings = self.settings(data)
        script = make_script(article, settings, self.engine)
        doc = script.to_json()
        doc["warnings"] = [*doc["warnings"], *article.warnings]
        return doc

    async def preview(self, request: Request) -> Response:
        data = await read_json(request)
        segment = data.get("segment")
        if not isinstance(segment, dict):
            raise HTTPException(400, '"segment" must be one segment of a script (an object)')
        locale = data.get("locale") or "fr-FR"
        settings = self.settings({"locale": locale, "preset": data.get("preset")})
        doc = {"version": SCRIPT_VERSION, "title": "", "locale": settings.locale, "segments": [segment]}

        def speak() -> bytes:
            script = self.edited(doc, settings, "the segment").script
            rate = settings.rate if settings.rate is not None else get_preset(settings.preset).rate
            return preview_mp3(script, self.engine, rate)

        audio = await run_in_threadpool(speak)
        return Response(audio, media_type="audio/mpeg", headers={"Cache-Control": "no-store"})

    async def render(self, request: Request) -> Response:
        data = await read_json(request)
        doc = data.get("script")
        settings = self.settings({k: data.get(k) for k in ("preset", "outputs")})
        edited = await run_in_threadpool(self.edited, doc, settings)  # a bad edit: 400 now, not a job
        out_dir = self.config.out_dir
        target = default_output(edited.script, out_dir)

        def work(progress: Any) -> dict[str, Path]:
            from ..render import render_document

            out_dir.mkdir(parents=True, exist_ok=True)
            result = render_document(doc, target, replace(settings, speaker_voices={}), progress=progress)
            return result.files

        return JSONResponse({"job": self.jobs.submit(work)})

    async def job(self, request: Request) -> Response:
        job = self.jobs.get(request.path_params["job"])
        if job is None:
            raise HTTPException(404, "no such render")
        root = self.config.out_dir
        files = {name: url_for("out", root, path) for name, path in job.files.items()}
        return JSONResponse(
            {
                "state": job.state,
                "progress": round(job.progress, 3),
                "message": job.message,
                "files": files,
                "error": job.error,
            }
        )

    async def voices(self, request: Request) -> Response:
        def listing() -> dict[str, Any]:
            out: dict[str, Any] = {}
            for locale in LOCALES:
                try:
                    voices = self.engine.voices(locale)
                except BulletinError:
                    voices = ()
                out[locale] = [
                    {
                        "id": v.id,
                        "label": v.label or v.name,
                        "gender": v.gender,
                        "role": "anchor" if i == 0 else "quotes",
                    }
                    for i, v in enumerate(voices)
                ]
            return {
                "engine": self.engine.name,
                "reason": self.reason,
                "voices": out,
                "presets": list(PRESETS),
                "locales": list(LOCALES),
            }

        return JSONResponse(await run_in_threadpool(listing))

    async def lexicon(self, request: Request) -> Response:
        data = await read_json(request)
        word, say = check_entry(_text_field(data, "word") or "", _text_field(data, "say") or "")
        extra = self.config.settings.lexicon

        def save() -> dict[str, Any]:
            before = load_lexicon(extra)
            path = add_pronunciation(word, say)
            answer: dict[str, Any] = {"saved": str(path)}
            if isinstance(data.get("script"), dict):
                answer["script"] = respeak(data["script"], word, before, load_lexicon(extra))
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
