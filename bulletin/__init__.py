"""bulletin: a French news article becomes a spoken, tagged MP3 news bulletin.

Stages, each in its own module: :mod:`.article` (read) → :mod:`.quotes` and :mod:`.script`
(who says what) → :mod:`.normalize` (how to say it) → :mod:`.engines` (speech) →
:mod:`.timeline` (when) → :mod:`.mix` (sound) → :mod:`.outputs` (tags and sidecars).
"""

from .article import Article, Block, read_article
from .errors import BulletinError
from .normalize import normalize
from .pipeline import Options, make_bulletin, make_script, render_script
from .render import from_document, render_file
from .result import BulletinResult
from .script import Script, Segment, build_script
from .settings import Settings
from .sources import load_article

__version__ = "0.1.0"

__all__ = [
    "Article",
    "Block",
    "BulletinError",
    "BulletinResult",
    "Options",
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
