"""Pronunciations added from the page: saved to the user lexicon (so every later script uses
them) and applied at once to the script under review.

The user lexicon is a TOML file the user may also edit by hand, so it is changed in place: the
new ``word = "say"`` line goes under ``[words]`` (replacing an earlier line for the same word),
comments and other entries are kept, and the result is read back before it replaces the file.
"""

from __future__ import annotations

import json
import re
import sys
import threading
from copy import deepcopy
from pathlib import Path
from typing import Any

from ..errors import ConfigError
from ..normalize import Lexicon, normalize
from ..normalize.lexicon import user_lexicon_path
from ..outputs.writing import write_text
from ..script import _LEADING_PUNCT

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

_lock = threading.Lock()
_HEADER = re.compile(r"^\s*\[\s*(?P<name>[^\]]+?)\s*\]\s*(#.*)?$")


def check_entry(word: str, say: str) -> tuple[str, str]:
    word, say = word.strip(), " ".join(say.split())
    if not word or "\n" in word or len(word) > 200:
        raise ConfigError("a pronunciation needs the word as written (one line)")
    if not say or any(c in say for c in "⟦⟧|") or len(say) > 500:
        raise ConfigError(f"write how {word!r} is said (plain words)")
    return word, say


def add_pronunciation(word: str, say: str, path: Path | None = None) -> Path:
    """Save ``word = "say"`` in the user lexicon (``path``, default the user's); returns the file."""
    word, say = check_entry(word, say)
    path = path or user_lexicon_path()
    line = f"{json.dumps(word, ensure_ascii=False)} = {json.dumps(say, ensure_ascii=False)}"
    with _lock:
        try:
            text = path.read_text(encoding="utf-8-sig") if path.exists() else ""
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(f"cannot read the lexicon {path}: {exc}") from exc
        try:
            tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"the lexicon {path} is not valid TOML ({exc}); fix it first") from exc
        lines = text.splitlines()
        section, start = None, None
        keep: list[str] = []
        for raw in lines:
            m = _HEADER.match(raw)
            if m:
                section = m["name"]
                keep.append(raw)
                if section == "words" and start is None:
                    start = len(keep)
                continue
            if section == "words" and _defines(raw, word):
                continue  # the new line replaces it
            keep.append(raw)
        if start is None:
            keep += ([""] if keep and keep[-1].strip() else []) + ["[words]", line]
        else:
            keep.insert(start, line)
        new = "\n".join(keep) + "\n"
        try:
            if tomllib.loads(new).get("words", {}).get(word) != say:
                raise ConfigError(f"cannot add {word!r} to the lexicon {path}: edit it by hand")
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"cannot add {word!r} to the lexicon {path}: {exc}") from exc
        path.parent.mkdir(parents=True, exist_ok=True)
        write_text(path, new)
    return path


def _defines(line: str, word: str) -> bool:
    """Whether a ``[words]`` line defines ``word`` (read with TOML itself, so quoting is right)."""
    if "=" not in line or line.lstrip().startswith("#"):
        return False
    try:
        return word in tomllib.loads(line)
    except tomllib.TOMLDecodeError:
        return False


def respeak(doc: dict[str, Any], word: str, before: Lexicon, after: Lexicon) -> dict[str, Any]:
    """The script with a new pronunciation applied: a sentence whose spoken form is still what
    the old lexicon made of its text is read again with the new one; a sentence whose spoken
    form was edited (or that has no text) gets the new pronunciation where the word appears."""
    pattern = re.compile(rf"(?<![\w-]){re.escape(word)}(?![\w-])")
    locale = doc.get("locale", "fr-FR")
    single = Lexicon({word: normalize(after.words.get(word, word), locale)})
    out = deepcopy(doc)
    for seg in out.get("segments", []):
        sentences = seg.get("sentences") or []
        changed = False
        for s in sentences:
            text = _LEADING_PUNCT.sub("", s.get("text", ""))
            if text and pattern.search(text) and s["spoken"] == normalize(text, locale, before):
                s["spoken"] = normalize(text, locale, after)
                changed = True
            elif pattern.search(s.get("spoken", "")):
                s["spoken"] = single.apply(s["spoken"])
                changed = True
        if changed:
            seg["spoken"] = " ".join(s["spoken"] for s in sentences if s["spoken"])
        elif not sentences and pattern.search(seg.get("spoken", "")):
            seg["spoken"] = single.apply(seg["spoken"])
    return out
