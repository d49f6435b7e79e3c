"""The one settings object: defaults < ``bulletin.toml`` (or ``--config``) < command line.

Every option of every command is a field of :class:`Settings`, declared once below with its
flag, help text, the commands that take it and whether a settings file may set it. The CLI
builds its options from these declarations (:mod:`bulletin.cli.options`), so ``make``,
``batch``, ``render`` and ``bulletin.toml`` always accept the same names. To add an option, add
a field here; nothing else needs to know.

A newsroom keeps its show in a file beside its cron job (field names are the keys)::

    # bulletin.toml
    show = "Le Journal de Namur"
    author = "Rédaction de Namur"
    cover = "cover.png"          # relative paths are relative to this file
    locale = "fr-BE"
    preset = "podcast"
    base_url = "https://exemple.be/podcast/"
    transitions = ["Autre sujet.", "On passe à autre chose."]
    cache_max_size = "2G"
    [speaker_voices]             # or [voices]
    "Claire Dumoulin" = "espeak:fr-be+f3"
"""

from __future__ import annotations

import sys
from dataclasses import MISSING, Field, asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

from .errors import ConfigError, OptionError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

CONFIG_NAME = "bulletin.toml"

# Commands that take an option, by family (a field lists the families it belongs to).
ARTICLE = frozenset({"make", "script", "batch", "studio"})
SOUND = frozenset({"make", "render", "batch", "studio"})
ENGINE = frozenset({"make", "script", "render", "batch", "studio"})
SHOW = frozenset({"make", "script", "render", "batch"})
FEED = frozenset({"batch", "feed"})
BATCH = frozenset({"batch"})


def option(
    default: Any,
    *flags: str,
    help: str,
    commands: frozenset[str],
    metavar: str | None = None,
    file: bool = True,
    output: bool = True,
    kind: str = "value",
) -> Any:
    """Declare a setting.

    ``flags``: the command-line names (the first is the long one); ``commands``: where the flag
    appears; ``file``: whether bulletin.toml may set it; ``output``: whether it changes what a
    bulletin sounds like or holds (a batch re-makes a bulletin when such a setting changes);
    ``kind``: ``value``, ``flag`` (an on/off pair such as ``--fallback/--no-fallback``) or
    ``pairs`` (repeatable ``NAME=VALUE``).
    """
    meta = dict(flags=flags, help=help, commands=commands, metavar=metavar, file=file, output=output, kind=kind)
    if isinstance(default, (dict, list)):
        return field(default_factory=type(default), metadata=meta)
    return field(default=default, metadata=meta)


@dataclass(frozen=True)
class Settings:
    """Everything that shapes a run besides its inputs."""

    # --- the script ------------------------------------------------------------------------
    # render speaks a script in the locale it was made for: its spoken text was read for that locale.
    locale: str = option("fr-FR", "--locale", "-l", metavar="LOCALE", commands=(ARTICLE | SOUND | {"say"}) - {"render"},
                         help="fr-FR, fr-BE, fr-CH or fr-CA: the voices' accent and how numbers are read "
                              "(septante, huitante, nonante).")  # fmt: skip
    title: str | None = option(None, "--title", metavar="TEXT", commands=frozenset({"make", "script"}), file=False,
                               help="Announce this title instead of the article's own.")  # fmt: skip
    lexicon: Path | None = option(None, "--lexicon", metavar="FILE", commands=ARTICLE | {"say"},
                                  help='Your pronunciations, a TOML file: [words] Peeters = "Pétèrs". '
                                       "Also read from ~/.config/bulletin/lexicon.toml.")  # fmt: skip
    speaker_voices: dict[str, str] = option({}, "--speaker-voice", metavar="NAME=VOICE", kind="pairs",
                                            commands=ARTICLE | {"render"},
                                            help='Give one speaker a voice: "Johan Peeters=espeak:fr+m3" '
                                                 "(repeatable; 'bulletin voices' lists them).")  # fmt: skip
    announce_quotes: bool = option(False, "--announce-quotes", kind="flag", commands=ARTICLE,
                                   help='The anchor says "citation" and "fin de citation" around each quote.')
    # --- the engine ------------------------------------------------------------------------
    engine: str = option("auto", "--engine", "-e", metavar="NAME", commands=ENGINE,
                         help="auto (Google's voice when its service answers, else an installed Piper voice, "
                              "else espeak-ng), gtts, piper, espeak, or edge (Microsoft's online voices, chosen "
                              "only by name; pip install 'bulletin[edge]'); see 'bulletin voices'.")  # fmt: skip
    fallback: bool = option(False, "--fallback", kind="flag", commands=SOUND | {"render"},
                            help="If Google fails mid-bulletin, finish the missing clips with the offline voice "
                                 "(otherwise a bulletin never mixes engines).")  # fmt: skip
    jobs: int = option(6, "--jobs", "-j", metavar="N", commands=SOUND | {"render"}, output=False,
                       help="Requests to Google at once.")  # fmt: skip
    requests_per_second: float = option(15.0, "--requests-per-second", metavar="N", commands=SOUND | {"render"},
                                        output=False,
                                        help="Most requests to Google per second, shared by every worker "
                                             "of a batch.")  # fmt: skip
    cache_dir: Path | None = option(None, "--cache-dir", metavar="DIR", commands=SOUND | {"render", "cache"},
                                    output=False, help="Clip cache folder [default: ~/.cache/bulletin/clips].")
    use_cache: bool = option(True, "--cache", kind="flag", commands=SOUND | {"render"}, output=False,
                             help="Reuse and store clips in the clip cache (--no-cache: neither).")  # fmt: skip
    cache_max_size: str | None = option(None, "--cache-max-size", metavar="SIZE", commands=SOUND | {"render"},
                                        output=False,
                                        help="After each run, trim the clip cache to this size (500M, 2G), "
                                             "least recently used first.")  # fmt: skip
    voices_dir: Path | None = option(None, "--voices-dir", metavar="DIR", commands=ENGINE | {"voices"},
                                     help="Where downloaded voices live [default: ~/.local/share/bulletin/voices].")
    anchor_voice: str | None = option(None, "--anchor-voice", metavar="VOICE", commands=ENGINE | {"voices"},
                                      help="The Piper voice that reads the news (piper:fr_FR-tom-medium) [default: "
                                           "from the gender with the most voices installed, the best of it].")
    edge_endpoint: str | None = option(None, "--edge-endpoint", metavar="URL", commands=ENGINE | {"voices"},
                                       output=False,
                                       help="Where --engine edge finds Microsoft's Read Aloud service "
                                            "[default: Microsoft's own].")  # fmt: skip
    # --- the sound -------------------------------------------------------------------------
    preset: str = option("podcast", "--preset", "-p", metavar="NAME", commands=SOUND | {"script", "render"},
                         help="podcast (-16 LUFS, 44.1 kHz), broadcast (EBU R128: -23 LUFS, 48 kHz) or "
                              "accessible (podcast loudness, slower speech, longer pauses, spoken quote cues).")
    rate: float | None = option(None, "--rate", metavar="RATE", commands=SOUND | {"render"},
                                help="Speaking rate, 0.7 (slow) to 1.3 (fast) [default: the preset's].")
    pause_scale: float = option(1.0, "--pauses", metavar="SCALE", commands=SOUND | {"render"},
                                help="Multiply every pause, 0.5 to 3 [default: 1, on top of the preset's].")
    outputs: str = option("mp3,vtt,chapters", "--outputs", metavar="LIST", commands=SOUND | {"render"},
                          help="Comma-separated: mp3, vtt, srt, chapters, json, daisy, folder, or all.")
    intro: Path | None = option(None, "--intro", metavar="FILE", commands=SOUND | {"render"},
                                help="Jingle played before the bulletin (any audio ffmpeg reads).")
    outro: Path | None = option(None, "--outro", metavar="FILE", commands=SOUND | {"render"},
                                help="Jingle played after it.")
    music: Path | None = option(None, "--music", metavar="FILE", commands=SOUND | {"render"},
                                help="Music bed under the whole bulletin, ducked while anyone speaks.")
    cover: Path | None = option(None, "--cover", metavar="FILE", commands=SOUND | {"render", "feed"},
                                help="Cover image (PNG or JPEG), embedded in the MP3 and used by the feed.")
    # --- the show --------------------------------------------------------------------------
    show: str | None = option(None, "--show", metavar="NAME", commands=SHOW | {"feed"},
                              help="Show name: in the tags and the feed, with a spoken opening and closing "
                                   "and a chime.")  # fmt: skip
    author: str | None = option(None, "--author", metavar="NAME", commands=SHOW | {"feed"},
                                help="Author for the tags and the feed [default: the show name].")
    base_url: str | None = option(None, "--base-url", metavar="URL", commands=FEED, output=False,
                                  help="Where the files will be served from, for the feed's links "
                                       "(https://exemple.be/podcast/).")  # fmt: skip
    transitions: list[str] = option([], "--transition", metavar="TEXT", commands=BATCH,
                                    help="What the anchor says between two stories of a daily edition "
                                         "(repeatable; used in turn) [default: Autre sujet.].")  # fmt: skip
    # --- batches ---------------------------------------------------------------------------
    edition: str = option("per-article", "--edition", metavar="MODE", commands=BATCH,
                          help="per-article (one episode per article) or daily (one bulletin per date, "
                               "a chapter per story).")  # fmt: skip
    workers: int | None = option(None, "--workers", "-w", metavar="N", commands=BATCH, output=False,
                                 help="Bulletins made at once [default: one per core].")
    cluster: str | None = option(None, "--cluster", metavar="ADDRESS", commands=BATCH, output=False,
                                 help="Run on a Dask cluster: tcp://HOST:8786, or local:N for N local workers "
                                      "(needs pip install 'bulletin[cluster]').")  # fmt: skip
    fetch_delay: float = option(1.0, "--fetch-delay", metavar="SECONDS", commands=BATCH, output=False,
                                help="Pause between two downloads from one site (feeds and the pages their "
                                     "items link to); a longer Crawl-delay in its robots.txt wins.")  # fmt: skip
    fetch_timeout: float = option(15.0, "--fetch-timeout", metavar="SECONDS", commands=BATCH, output=False,
                                  help="Give up on a site that does not answer within this time.")  # fmt: skip

    def check(self) -> Settings:
        """Raise :class:`OptionError` for a value out of range or unknown; returns self for chaining."""
        from .cache import parse_size
        from .engines.base import available_engines
        from .normalize import LOCALES
        from .outputs import parse_outputs
        from .presets import get_preset

        if self.locale not in LOCALES:
            raise OptionError(f"unknown locale {self.locale!r}; choose one of {', '.join(LOCALES)}")
        if self.rate is not None and not 0.7 <= self.rate <= 1.3:
            raise OptionError(f"rate {self.rate} is out of range: use 0.7 to 1.3")
        if not 0.5 <= self.pause_scale <= 3.0:
            raise OptionError(f"pauses {self.pause_scale} is out of range: use 0.5 to 3")
        if not 1 <= self.jobs <= 32:
            raise OptionError(f"jobs {self.jobs} is out of range: use 1 to 32")
        if self.workers is not None and self.workers < 1:
            raise OptionError("workers must be at least 1")
        if not 0 < self.requests_per_second <= 1000:
            raise OptionError(f"requests per second {self.requests_per_second} is out of range: use 0.1 to 1000")
        if not 0 <= self.fetch_delay <= 600:
            raise OptionError(f"fetch delay {self.fetch_delay} is out of range: use 0 to 600 seconds")
        if not 0 < self.fetch_timeout <= 600:
            raise OptionError(f"fetch timeout {self.fetch_timeout} is out of range: use 0.1 to 600 seconds")
        if self.edition not in ("per-article", "daily"):
            raise OptionError(f"unknown edition {self.edition!r}; choose per-article or daily")
        if self.engine != "auto" and self.engine not in available_engines():
            known = ", ".join(["auto", *sorted(available_engines())])
            raise OptionError(f"unknown engine {self.engine!r}; choose one of {known}")
        if self.cache_max_size is not None:
            parse_size(self.cache_max_size)
        if self.edge_endpoint is not None and self.edge_endpoint.split("://")[0] not in ("http", "https", "ws", "wss"):
            raise OptionError(f"edge endpoint {self.edge_endpoint!r} must be an http(s):// or ws(s):// URL")
        get_preset(self.preset)
        parse_outputs(self.outputs)
        return self

    def output_fingerprint(self) -> dict[str, Any]:
        """The settings that change a bulletin's sound or content (for batch re-runs)."""
        data = asdict(self)
        return {f.name: data[f.name] for f in fields(self) if f.metadata.get("output", True)}

    def engine_config(self, limiter: Any = None) -> Any:
        """The :class:`~bulletin.engines.base.EngineConfig` these settings ask for."""
        from .engines.base import EngineConfig

        return EngineConfig(jobs=self.jobs, limiter=limiter, requests_per_second=self.requests_per_second,
                            voices_dir=self.voices_dir, anchor_voice=self.anchor_voice,
                            workers=self.workers, edge_endpoint=self.edge_endpoint)  # fmt: skip


def declared() -> tuple[Field[Any], ...]:
    """Every setting, in declaration order."""
    return tuple(fields(Settings))


def default_of(f: Field[Any]) -> Any:
    if f.default is not MISSING:
        return f.default
    factory: Any = f.default_factory
    return factory()


_ALIASES = {"voices": "speaker_voices"}  # what bulletin.toml called it before


def read_file(path: Path) -> dict[str, Any]:
    """A settings file's values, checked and typed; relative paths are made relative to it."""
    try:
        data: dict[str, Any] = tomllib.loads(path.read_text(encoding="utf-8-sig"))
    except OSError as exc:
        raise ConfigError(f"cannot read settings {path}: {exc.strerror or exc}") from exc
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"settings {path} are not valid TOML: {exc}") from exc
    by_name = {f.name: f for f in declared() if f.metadata["file"]}
    out: dict[str, Any] = {}
    for key, value in data.items():
        name = _ALIASES.get(key, key)
        f = by_name.get(name)
        if f is None:
            raise ConfigError(f"settings {path}: unknown key {key!r}; known keys: {', '.join(sorted(by_name))}")
        out[name] = _typed(f, value, path)
    return out


def _typed(f: Field[Any], value: Any, path: Path) -> Any:
    """``value`` from a TOML file as the field's type, or a one-line error naming the key."""
    where = f"settings {path}: {f.name}"
    default = default_of(f)
    kind = f.metadata["kind"]
    if kind == "pairs":
        if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
            raise ConfigError(f"{where} must be a table of NAME = VOICE")
        return {str(k): v for k, v in value.items()}
    if isinstance(default, list):
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            raise ConfigError(f"{where} must be a list of texts")
        return value
    if kind == "flag":
        if not isinstance(value, bool):
            raise ConfigError(f"{where} must be true or false")
        return value
    annotation = str(f.type)
    if "Path" in annotation:
        if not isinstance(value, str):
            raise ConfigError(f"{where} must be a file path")
        return (path.parent / value).expanduser().resolve()
    if annotation.startswith(("float", "int")):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ConfigError(f"{where} must be a number")
        return int(value) if annotation.startswith("int") else float(value)
    if not isinstance(value, str):
        raise ConfigError(f"{where} must be text")
    return value


def find_config(config: Path | None, cwd: Path | None = None) -> Path | None:
    """The settings file to read: ``config`` (which must exist), else ``./bulletin.toml`` if any."""
    if config is not None:
        if not Path(config).is_file():
            raise ConfigError(f"no such settings file: {config}")
        return Path(config)
    default = (cwd or Path.cwd()) / CONFIG_NAME
    return default if default.is_file() else None


def resolve(given: dict[str, Any], config: Path | None = None, cwd: Path | None = None) -> Settings:
    """The settings of a run, merged in one place: values given on the command line (not None)
    win over the settings file (``config``, else ``bulletin.toml`` in ``cwd``), which wins over
    the defaults. ``speaker_voices`` tables are merged name by name."""
    path = find_config(config, cwd)
    merged: dict[str, Any] = read_file(path) if path is not None else {}
    known = {f.name for f in declared()}
    for key, value in given.items():
        if key not in known:
            raise ConfigError(f"unknown setting {key!r}")
        if value is None:
            continue
        if key == "speaker_voices":
            merged[key] = {**merged.get(key, {}), **value}
        else:
            merged[key] = value
    return Settings(**merged).check()


def parse_pairs(pairs: list[str], flag: str = "--speaker-voice") -> dict[str, str]:
    """``["Johan Peeters=espeak:fr+m3"]`` → ``{"Johan Peeters": "espeak:fr+m3"}``."""
    out: dict[str, str] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip() or not value.strip():
            raise OptionError(f"{flag} wants NAME=VOICE, got {pair!r}")
        out[name.strip()] = value.strip()
    return out
