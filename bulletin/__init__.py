"""bulletin: a French news article becomes a spoken, tagged MP3 news bulletin.

Stages, each in its own module: :mod:`.article` (read) → :mod:`.quotes` and :mod:`.script`
(who says what) → :mod:`.normalize` (how to say it) → :mod:`.engines` (speech) →
:mod:`.timeline` (when) → :mod:`.mix` (sound) → :mod:`.outputs` (tags and sidecars).
:class:`~bulletin.runtime.Runtime` keeps what a process reuses between bulletins.

The names below are imported on first use (PEP 562), so that ``import bulletin`` is instant:
the command starts its signal handling before the heavy modules load, and a Ctrl-C during
start-up is one line, not a traceback.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_EXPORTS = {
    "Article": ".article",
    "Block": ".article",
    "read_article": ".article",
    "BulletinError": ".errors",
    "normalize": ".normalize",
    "Options": ".pipeline",
    "make_bulletin": ".pipeline",
    "make_script": ".pipeline",
    "render_script": ".pipeline",
    "from_document": ".render",
    "render_file": ".render",
    "BulletinResult": ".result",
    "Runtime": ".runtime",
    "Script": ".script",
    "Segment": ".script",
    "build_script": ".script",
    "Settings": ".settings",
    "load_article": ".sources",
}

__all__ = [
    "Article",
    "Block",
    "BulletinError",
    "BulletinResult",
    "Options",
    "Runtime",
    "Script",
    "Segment",
    "Settings",
    "build_script",
    "from_document",
    "load_article",
    "make_bulletin",
    "make_script",
    "normalize",
    "read_article",
    "render_file",
    "render_script",
]

if TYPE_CHECKING:
    from .article import Article, Block, read_article
    from .errors import BulletinError
    from .normalize import normalize
    from .pipeline import Options, make_bulletin, make_script, render_script
    from .render import from_document, render_file
    from .result import BulletinResult
    from .runtime import Runtime
    from .script import Script, Segment, build_script
    from .settings import Settings
    from .sources import load_article


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'bulletin' has no attribute {name!r}")
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_EXPORTS])
