"""Show settings, resolved once: command line > ``bulletin.toml`` (or ``--config``) > defaults.

A newsroom keeps its show in a file beside its cron job::

    # bulletin.toml
    show = "Le Journal de Namur"
    author = "Rédaction de Namur"
    cover = "cover.png"          # relative paths are relative to this file
    locale = "fr-BE"
    engine = "auto"
    preset = "podcast"
    lexicon = "lexique.toml"
    base_url = "https://exemple.be/podcast/"
    outputs = "mp3,vtt,chapters"
    [voices]
    "Claire Dumoulin" = "espeak:fr-be+f3"
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from .errors import ConfigError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

CONFIG_NAME = "bulletin.toml"
_PATH_KEYS = ("cover", "lexicon", "intro", "outro", "music")


@dataclass(frozen=True)
class Settings:
    """Everything a show sets once; ``None`` means "not set here" until resolution."""

    show: str | None = None
    author: str | None = None
    cover: Path | None = None
    locale: str = "fr-FR"
    engine: str = "auto"
    preset: str = "podcast"
    lexicon: Path | None = None
    base_url: str | None = None
    outputs: str = "mp3,vtt,chapters"
    rate: float | None = None
    intro: Path | None = None
    outro: Path | None = None
    music: Path | None = None
    voices: dict[str, str] = field(default_factory=dict)


def _read(path: Path) -> dict[str, Any]:
    try:
        data: dict[str, Any] = tomllib.loads(path.read_text(encoding="utf-8-sig"))
    except OSError as exc:
        raise ConfigError(f"cannot read settings {path}: {exc.strerror or exc}") from exc
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"settings {path} are not valid TOML: {exc}") from exc
    known = {f.name for f in fields(Settings)}
    unknown = sorted(set(data) - known)
    if unknown:
        raise ConfigError(f"settings {path}: unknown key {unknown[0]!r}; known keys: {', '.join(sorted(known))}")
    for key in _PATH_KEYS:
        if key in data:
            data[key] = (path.parent / str(data[key])).resolve()
    if "voices" in data and not isinstance(data["voices"], dict):
        raise ConfigError(f"settings {path}: [voices] must be a table of NAME = VOICE")
    if "rate" in data:
        try:
            data["rate"] = float(data["rate"])
        except (TypeError, ValueError):
            raise ConfigError(f"settings {path}: rate must be a number") from None
    for key, value in data.items():
        if key not in ("voices", "rate", *_PATH_KEYS) and not isinstance(value, str):
            raise ConfigError(f"settings {path}: {key} must be text")
    return data


def resolve(cli: dict[str, Any], config: Path | None = None, cwd: Path | None = None) -> Settings:
    """Merge, in one place: values given on the command line (not None) win over the settings
    file (``config``, else ``bulletin.toml`` in ``cwd``), which wins over the defaults."""
    file_values: dict[str, Any] = {}
    if config is not None:
        if not config.is_file():
            raise ConfigError(f"no such settings file: {config}")
        file_values = _read(config)
    else:
        default = (cwd or Path.cwd()) / CONFIG_NAME
        if default.is_file():
            file_values = _read(default)
    merged: dict[str, Any] = {**file_values}
    for key, value in cli.items():
        if value is None:
            continue
        if key == "voices":
            merged["voices"] = {**merged.get("voices", {}), **value}
        else:
            merged[key] = value
    return Settings(**merged)
