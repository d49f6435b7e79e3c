"""The ASGI app: the page, its static files, the JSON API and downloads, behind the guard."""

from __future__ import annotations

import html
import json
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from string import Template

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from .. import __version__
from ..errors import BulletinError
from ..runtime import Runtime
from .api import Studio, on_bug, on_bulletin_error, on_http_error
from .config import StudioConfig
from .files import safe_path, zipped
from .guard import Guard

HERE = Path(__file__).parent
# The page runs only its own script and styles: no inline code, nothing from elsewhere.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; media-src 'self' blob:; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}


def create_app(config: StudioConfig, runtime: Runtime | None = None) -> Starlette:
    """The studio for ``config``, around ``runtime`` (one is made from its settings, and closed
    when the app stops, unless given). Each request builds its engine stack from the runtime,
    so one failed check or fallback decides one render, not the life of the studio."""
    config = config.check()
    own = runtime is None
    runtime = runtime or Runtime.from_settings(config.settings)
    studio = Studio(config, runtime)
    page = Template((HERE / "templates" / "index.html").read_text(encoding="utf-8"))

    async def index(request: Request) -> Response:
        from ..normalize import LOCALES
        from ..presets import PRESETS

        settings = config.settings
        body = page.substitute(
            token=html.escape(json.dumps(config.token or "")),
            version=html.escape(__version__),
            max_upload=config.max_upload,
            preview_seconds=f"{config.preview_seconds:g}",
            locales="".join(
                f"<option{' selected' if loc == settings.locale else ''}>{html.escape(loc)}</option>" for loc in LOCALES
            ),
            presets="".join(
                f"<option{' selected' if p == settings.preset else ''}>{html.escape(p)}</option>" for p in PRESETS
            ),
            folder=html.escape(str(config.folder)) if config.folder else "",
        )
        return HTMLResponse(body, headers={**SECURITY_HEADERS, "Cache-Control": "no-store"})

    async def download(request: Request) -> Response:
        area = request.path_params["area"]
        roots = {"out": config.out_dir, "folder": config.folder}
        root = roots.get(area)
        if root is None:
            raise HTTPException(404, "no such folder")
        path = safe_path(root, request.path_params["path"])
        if path.is_dir():
            return Response(
                await run_in_threadpool(zipped, path),
                media_type="application/zip",
                headers={"Content-Disposition": f'attachment; filename="{path.name}.zip"'},
            )
        return FileResponse(
            path,
            filename=path.name,
            content_disposition_type="attachment",
            headers={"X-Content-Type-Options": "nosniff"},
        )

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        try:
            yield
        finally:
            # Ctrl-C or SIGTERM: the running render stops at its next clip; say what was dropped.
            for line in studio.jobs.stop():
                print(f"bulletin studio: {line}", file=sys.stderr)
            if own:
                runtime.close()

    routes = [
        Route("/", index),
        Route("/api/script", studio.script, methods=["POST"]),
        Route("/api/preview", studio.preview, methods=["POST"]),
        Route("/api/render", studio.render, methods=["POST"]),
        Route("/api/sample", studio.sample, methods=["POST"]),
        Route("/api/timeline", studio.timeline, methods=["POST"]),
        Route("/api/jobs/{job}", studio.job),
        Route("/api/voices", studio.voices),
        Route("/api/lexicon", studio.lexicon, methods=["POST"]),
        Route("/api/library", studio.library),
        Route("/files/{area}/{path:path}", download),
        Mount("/static", StaticFiles(directory=HERE / "static"), name="static"),
    ]
    app = Starlette(
        routes=routes,
        middleware=[Middleware(Guard, config=config)],
        exception_handlers={HTTPException: on_http_error, BulletinError: on_bulletin_error, Exception: on_bug},
        lifespan=lifespan,
    )
    app.state.studio = studio
    return app
