"""Pronunciation lexicon: whole words or regular expressions → spoken forms, from TOML.

Layers, later ones winning: the built-in ``lexicon.toml`` shipped with the package, the user's
``$XDG_CONFIG_HOME/bulletin/lexicon.toml`` (``~/.config/…``), then ``--lexicon FILE``::

    [words]            # whole words, case-sensitive
    Peeters = "Pétèrss"
    [patterns]         # regular expressions, applied after words
    '\\bQc\\b' = "Québec"
"""

from __future__ import annotations

import os
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import ConfigError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

BUILTIN = Path(__file__).with_name("lexicon.toml")


@dataclass(frozen=True)
class Lexicon:
    """Spoken forms for words the rules would get wrong."""

    words: dict[str, str] = field(default_factory=dict)
    """Whole word → spoken form."""
    patterns: tuple[tuple[re.Pattern[str], str], ...] = ()
    """Compiled pattern → replacement (may use groups)."""

    def apply(self, text: str) -> str:
        if self.words:
            text = self._word_re().sub(lambda m: self.words[m[0]], text)
        for pattern, spoken in self.patterns:
            text = pattern.sub(spoken, text)
        return text

    def _word_re(self) -> re.Pattern[str]:
        alts = "|".join(re.escape(w) for w in sorted(self.words, key=len, reverse=True))
        return re.compile(rf"(?<![\w-])(?:{alts})(?![\w-])")

    def merged(self, other: Lexicon) -> Lexicon:
        return Lexicon({**self.words, **other.words}, self.patterns + other.patterns)


def _read(path: Path) -> Lexicon:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8-sig"))
    except OSError as exc:
        raise ConfigError(f"cannot read lexicon {path}: {exc.strerror or exc}") from exc
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"lexicon {path} is not valid TOML: {exc}") from exc
    words = data.get("words", {})
    patterns = data.get("patterns", {})
    if not isinstance(words, dict) or not isinstance(patterns, dict):
        raise ConfigError(f"lexicon {path}: [words] and [patterns] must be tables")
    compiled = []
    for pat, spoken in patterns.items():
        try:
            compiled.append((re.compile(pat), str(spoken)))
        except re.error as exc:
            raise ConfigError(f"lexicon {path}: bad pattern {pat!r}: {exc}") from exc
    return Lexicon({str(k): str(v) for k, v in words.items()}, tuple(compiled))


def user_lexicon_path() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "bulletin" / "lexicon.toml"


def load_lexicon(extra: str | Path | None = None, *, user: bool = True) -> Lexicon:
    """The built-in lexicon, then the user's, then ``extra`` (a missing ``extra`` is an error)."""
    lex = _read(BUILTIN)
    upath = user_lexicon_path()
    if user and upath.is_file():
        lex = lex.merged(_read(upath))
    if extra is not None:
        p = Path(extra)
        if not p.is_file():
            raise ConfigError(f"no such lexicon file: {p}")
        lex = lex.merged(_read(p))
    return lex
