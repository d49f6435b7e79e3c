"""The ASGI app: the page, its static files, the JSON API and downloads, behind the guard."""

from __future__ import annotations

import html
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from string import Template

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from .. import __version__
from ..engines.base import Engine
from ..errors import BulletinError
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


def create_app(config: StudioConfig, engine: Engine | None = None, reason: str = "as given") -> Starlette:
    """The studio for ``config``; the engine stack is built from its settings unless given."""
    config = config.check()
    if engine is None:
        from ..pipeline import engine_for

        engine, reason = engine_for(config.settings)
    studio = Studio(config, engine, reason)
    page = Template((HERE / "templates" / "index.html").read_text(encoding="utf-8"))

    async def index(request: Request) -> Response:
        from ..normalize import LOCALES
        from ..presets import PRESETS

        settings = config.settings
        body = page.substitute(
            token=html.escape(json.dumps(config.token or "")),
            version=html.escape(__version__),
            max_upload=config.max_upload,
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
                zipped(path),
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
        yield
        studio.jobs.close()

    routes = [
        Route("/", index),
        Route("/api/script", studio.script, methods=["POST"]),
        Route("/api/preview", studio.preview, methods=["POST"]),
        Route("/api/render", studio.render, methods=["POST"]),
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
