"""``bulletin studio``: a local web page where a producer reviews a bulletin before it airs.

Paste, upload or fetch an article; read its script one segment per row, colour-coded by speaker,
with the attribution rule and its confidence; change a speaker, a voice, a segment's kind or its
spoken text; add a pronunciation to the user lexicon; hear any segment; render the bulletin and
download it with its sidecars. The page is a thin client of a JSON API that other tools can use
(:mod:`.api`); the app is plain Starlette served by uvicorn (:mod:`.server`), with the HTML,
CSS and JavaScript written here and shipped in the wheel: nothing is fetched at run time.

Modules: :mod:`.config` (what a studio is started with), :mod:`.guard` (loopback, token,
origin and size checks), :mod:`.api` (the endpoints), :mod:`.jobs` (renders in the background),
:mod:`.preview` (one segment to MP3), :mod:`.pronunciations` (the user lexicon),
:mod:`.files` (downloads that cannot leave the studio's folders), :mod:`.app` (the ASGI app),
:mod:`.server` (binding and serving).
"""

from __future__ import annotations

from .app import create_app
from .config import StudioConfig

__all__ = ["StudioConfig", "create_app"]
