"""Front matter: a YAML (``---``) or TOML (``+++``) block at the very top of a text or Markdown
article, read with maintained parsers (PyYAML's ``safe_load``, ``tomllib``/``tomli``) rather
than by hand: folded and quoted values, comments and escapes are theirs to get right.

Only the title, date, author and source (or link) are taken; everything else in the block is
metadata nobody reads aloud.
"""

from __future__ import annotations

import datetime as dt
import re
import sys
from functools import cache
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

_FRONT_YAML = re.compile(r"\A---[ \t]*\n(.*?\n)?(?:---|\.\.\.)[ \t]*(?:\n|\Z)", re.S)
_FRONT_TOML = re.compile(r"\A\+\+\+[ \t]*\n(.*?\n)?\+\+\+[ \t]*(?:\n|\Z)", re.S)
META_KEYS = {"title": "title", "titre": "title", "date": "date", "published": "date", "author": "author",
             "auteur": "author", "source": "source", "link": "source", "lien": "source"}  # fmt: skip


@cache
def _loader() -> Any:
    """``safe_load``'s loader without YAML's implicit timestamps: a date stays the text it was
    written as, so that the date reader checks it (``2019-13-45`` would make PyYAML raise,
    dropping the whole block) and keeps a time zone PyYAML would fold away. Built on first use:
    most articles have no YAML front matter, and PyYAML costs every run 7 ms to import."""
    import yaml

    class _Loader(yaml.SafeLoader):
        pass

    _Loader.yaml_implicit_resolvers = {
        first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }
    return _Loader


def _scalar(value: Any) -> str | None:
    """A metadata value as text; lists, tables, booleans and nulls are not a title or a date."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (dt.date, dt.datetime)):  # TOML's own dates
        return value.isoformat()
    if isinstance(value, (str, int, float)):
        text = " ".join(str(value).split())
        return text or None
    return None


def _metadata(data: dict[Any, Any]) -> dict[str, str]:
    found: dict[str, str] = {}
    for key, value in data.items():  # the first of "date" and "published" (or "source" and "link") wins
        name = META_KEYS.get(str(key).lower())
        text = _scalar(value)
        if name and text:
            found.setdefault(name, text)
    return found


def split_front_matter(text: str) -> tuple[dict[str, str], str]:
    """The block's title, date, author and source, and the text after it. A block that does not
    parse as a mapping (a ``---`` rule above ordinary text) is not front matter: the text is
    returned whole, so no word is lost."""
    m = _FRONT_YAML.match(text)
    if m:
        import yaml

        try:
            data = yaml.load(m[1] or "", Loader=_loader())  # a SafeLoader subclass: no arbitrary objects
        except (yaml.YAMLError, RecursionError, ValueError):
            return {}, text
        if not isinstance(data, dict):
            return {}, text
        return _metadata(data), text[m.end() :]
    m = _FRONT_TOML.match(text)
    if m:
        try:
            table = tomllib.loads(m[1] or "")
        except (tomllib.TOMLDecodeError, RecursionError):
            return {}, text
        return _metadata(table), text[m.end() :]
    return {}, text
