"""Pronunciation lexicon: whole words or regular expressions → spoken forms, from TOML.

Layers, later ones winning: the built-in ``lexicon.toml`` shipped with the package, the user's
``$XDG_CONFIG_HOME/bulletin/lexicon.toml`` (``~/.config/…``), then ``--lexicon FILE``::

    [words]            # whole words, case-sensitive
    Peeters = "Pétèrss"
    "Bud Luckey" = {lang = "en"}                  # read in English by engines that can
    "Toy Story 3" = {lang = "en", say = "Toy Story three"}  # said so, in English
    ONU = "O N U"      # an acronym the rules read as a word, spelled instead
    HCR = "Hacèr"      # one the rules would spell, read as written here
    [patterns]         # regular expressions, applied after words
    '\\bQc\\b' = "Québec"

A ``{lang = …}`` entry becomes a language span (:func:`.markup.lang_span`) in the spoken text;
``say`` (optional) is what is said inside it. Nothing inside a span is touched by the rules.
"""

from __future__ import annotations

import os
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import ConfigError
from .markup import lang_span

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
    return Lexicon({str(k): _spoken(path, str(k), v) for k, v in words.items()}, tuple(compiled))


_LANG = re.compile(r"[a-z]{2,3}(?:-[A-Za-z]{2,4})?")


def _spoken(path: Path, word: str, value: object) -> str:
    """A ``[words]`` value as spoken text: a string as is, ``{lang, say}`` as a language span."""
    if not isinstance(value, dict):
        return str(value)
    lang, say = value.get("lang"), value.get("say", word)
    unknown = set(value) - {"lang", "say"}
    if unknown:
        raise ConfigError(f"lexicon {path}: {word!r} has unknown keys {', '.join(sorted(unknown))}")
    if not isinstance(lang, str) or not _LANG.fullmatch(lang):
        raise ConfigError(f'lexicon {path}: {word!r} needs lang = a language tag such as "en"')
    if not isinstance(say, str) or not say.strip() or any(c in say for c in "⟦⟧|"):
        raise ConfigError(f"lexicon {path}: {word!r} has an empty or unusable say")
    return lang_span(lang, say)


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
