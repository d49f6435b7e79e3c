"""Piper-format voices on disk and on their public hub: finding, reading and installing them.

A voice is a pair of files in the voices folder: ``NAME.onnx`` (the VITS model) and
``NAME.onnx.json`` (its config). The config's shape, as the public voices publish it
(rhasspy/piper-voices, e.g. ``fr_FR-siwis-medium.onnx.json``)::

    {"audio": {"sample_rate": 22050, "quality": "medium"},
     "espeak": {"voice": "fr"},
     "inference": {"noise_scale": 0.667, "length_scale": 1, "noise_w": 0.8},
     "phoneme_type": "espeak",
     "phoneme_map": {},
     "phoneme_id_map": {"_": [0], "^": [1], "$": [2], " ": [3], "!": [4], ...},
     "num_speakers": 1, "speaker_id_map": {},
     "language": {"code": "fr_FR", "family": "fr", ...}}

An optional ``NAME.MODEL_CARD`` beside them is the hub's model card; when it says which speaker
is a woman or a man, casting uses it (``* Gender: female`` for the whole voice, or a line naming
a speaker with female/male, femme/homme).

The hub (Hugging Face ``rhasspy/piper-voices``) lists every voice in ``voices.json``: for each
key, its language, quality, speakers and ``files`` (path → ``size_bytes`` and ``md5_digest``).
:func:`install_voice` downloads the files of one key, checks both, and publishes them only
once both are complete: nothing half-written is ever a voice.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import os
import re
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

from ..atomic import atomic_path, signals_held
from ..errors import EngineError, EngineUnavailable, OutputError, UnknownVoiceError
from .base import Gender

HUB_ENV = "BULLETIN_VOICE_HUB"
"""Environment variable: base URL of the voice hub (tests point it at a local server)."""
DEFAULT_HUB = "https://huggingface.co/rhasspy/piper-voices/resolve/main"
SUGGESTED = "fr_FR-siwis-medium"
"""The French voice the messages suggest installing."""
CARD_SUFFIX = ".MODEL_CARD"

_QUALITY_RANK = {"high": 0, "medium": 1, "low": 2, "x_low": 3}
_LOCALE_CODE = re.compile(r"^([a-z]{2,3})_([A-Z]{2})\b")
_FEMALE = re.compile(r"\b(female|woman|feminine|femme|féminin|féminine)\b", re.IGNORECASE)
_MALE = re.compile(r"\b(male|man|masculine|homme|masculin)\b", re.IGNORECASE)
_HUB_NAME = re.compile(r"^([a-z]{2,3}_[A-Z]{2}-.+?)-(x_low|low|medium|high)$")
_WHOLE_VOICE = re.compile(r"^\W*(gender|sexe|genre)\b", re.IGNORECASE)

Progress = Callable[[str, int, int], None]
"""``progress(file name, bytes done, bytes expected)`` during a download."""


def default_voices_dir() -> Path:
    """``$XDG_DATA_HOME/bulletin/voices``, else ``~/.local/share/bulletin/voices``."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "bulletin" / "voices"


def voices_folder(configured: Path | None) -> Path:
    """The folder a run uses: the configured one (``--voices-dir``, ``voices_dir``) or the default."""
    return Path(configured).expanduser() if configured is not None else default_voices_dir()


# --- reading voices ----------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class PiperConfig:
    """What a voice's ``.onnx.json`` says, checked and typed."""

    sample_rate: int
    """Samples per second of the model's output."""
    espeak_voice: str
    """espeak-ng voice that phonemises for it (``fr``)."""
    phoneme_type: str
    """``espeak`` (IPA from espeak-ng) or ``text`` (the text's own characters)."""
    phoneme_id_map: Mapping[str, tuple[int, ...]]
    """Phoneme (one code point) → model ids; ``_`` pad, ``^`` start, ``$`` end."""
    phoneme_map: Mapping[str, tuple[str, ...]]
    """Phonemes to replace before mapping to ids (usually empty)."""
    noise_scale: float
    length_scale: float
    """Above 1 is slower speech; the engine divides it by the speaking rate."""
    noise_w: float
    num_speakers: int
    speaker_id_map: Mapping[str, int]
    """Speaker name → id, for multi-speaker models (empty otherwise)."""
    language: str
    """``fr_FR``, from the config, else the file name, else the espeak voice (``fr``)."""
    quality: str
    """``x_low``, ``low``, ``medium`` or ``high`` (empty when unknown)."""


@dataclass(frozen=True)
class Speaker:
    """One speaker of a voice model."""

    name: str
    """Name in the model's speaker map; empty for a single-speaker model."""
    id: int
    """What the model's ``sid`` input takes."""
    gender: Gender | None = None
    """From the known hub voices (``data/piper_voices.toml``) or the voice's card, else measured."""
    gender_source: str | None = None
    """``card`` (the data file or the model card says) or ``measured`` (its calibration F0)."""
    f0_hz: float | None = None
    """Median F0 of the calibration sentence, once measured (stored beside the model)."""


@dataclass(frozen=True, eq=False)
class InstalledVoice:
    """A voice found in the voices folder."""

    name: str
    """The file stem: ``fr_FR-siwis-medium``."""
    model: Path
    config: PiperConfig
    speakers: tuple[Speaker, ...]

    @property
    def locale(self) -> str:
        """``fr-FR`` for ``fr_FR``; just the family (``fr``) when the config gives no region."""
        return self.config.language.replace("_", "-")

    @property
    def family(self) -> str:
        return self.config.language.split("_")[0].split("-")[0].lower()

    @property
    def multi_speaker(self) -> bool:
        return self.config.num_speakers > 1


def _number(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise EngineError(f"{where} must be a number")
    return float(value)


def read_config(path: Path) -> PiperConfig:
    """Read and check a ``.onnx.json``; a malformed one is an :class:`EngineError` naming it."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise EngineError(f"cannot read the voice config {path}: {exc.strerror or exc}") from exc
    except (ValueError, UnicodeDecodeError) as exc:
        raise EngineError(f"the voice config {path} is not valid JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise EngineError(f"the voice config {path} is not a JSON object")
    where = f"voice config {path.name}"
    raw_ids = data.get("phoneme_id_map")
    if not isinstance(raw_ids, dict) or not raw_ids:
        raise EngineError(f"{where} has no phoneme_id_map")
    ids: dict[str, tuple[int, ...]] = {}
    for phoneme, values in raw_ids.items():
        if not isinstance(values, list) or not all(isinstance(v, int) and not isinstance(v, bool) for v in values):
            raise EngineError(f"{where}: phoneme_id_map[{phoneme!r}] must be a list of integers")
        ids[phoneme] = tuple(values)
    for special in ("_", "^", "$"):
        if special not in ids:
            raise EngineError(f"{where}: phoneme_id_map lacks {special!r} (pad, start and end)")
    raw_map = data.get("phoneme_map") or {}
    phoneme_map = {k: tuple(str(x) for x in v) for k, v in raw_map.items() if isinstance(v, list)}
    audio = data.get("audio") or {}
    sample_rate = int(_number(audio.get("sample_rate"), f"{where}: audio.sample_rate"))
    if not 4000 <= sample_rate <= 192000:
        raise EngineError(f"{where}: audio.sample_rate {sample_rate} is not a sample rate")
    inference = data.get("inference") or {}
    speakers = data.get("speaker_id_map") or {}
    if not isinstance(speakers, dict) or not all(isinstance(v, int) for v in speakers.values()):
        raise EngineError(f"{where}: speaker_id_map must map names to integers")
    num_speakers = int(_number(data.get("num_speakers", max(1, len(speakers))), f"{where}: num_speakers"))
    espeak_voice = str((data.get("espeak") or {}).get("voice") or "")
    language = str((data.get("language") or {}).get("code") or "")
    if not language:
        m = _LOCALE_CODE.match(path.name)
        language = m.group(0) if m else espeak_voice
    phoneme_type = str(data.get("phoneme_type") or "espeak")
    if phoneme_type not in ("espeak", "text"):
        raise EngineError(f"{where}: phoneme_type {phoneme_type!r} is not supported (espeak or text)")
    if phoneme_type == "espeak" and not espeak_voice:
        raise EngineError(f"{where} names no espeak voice (espeak.voice)")
    return PiperConfig(
        sample_rate=sample_rate,
        espeak_voice=espeak_voice,
        phoneme_type=phoneme_type,
        phoneme_id_map=ids,
        phoneme_map=phoneme_map,
        noise_scale=_number(inference.get("noise_scale", 0.667), f"{where}: inference.noise_scale"),
        length_scale=_number(inference.get("length_scale", 1.0), f"{where}: inference.length_scale"),
        noise_w=_number(inference.get("noise_w", 0.8), f"{where}: inference.noise_w"),
        num_speakers=max(1, num_speakers),
        speaker_id_map=dict(speakers),
        language=language,
        quality=str(audio.get("quality") or data.get("quality") or ""),
    )


def card_genders(card: str, names: list[str]) -> dict[str, Gender]:
    """Speaker genders a model card states: ``{"": "f"}`` for a whole-voice line
    (``* Gender: female``), ``{"jessica": "f"}`` for a line naming a speaker. Cards that say
    nothing give nothing: a wrong voice is worse than a neutral one."""
    out: dict[str, Gender] = {}
    for line in card.splitlines():
        gender: Gender | None = "f" if _FEMALE.search(line) else "m" if _MALE.search(line) else None
        if gender is None:
            continue
        named = [n for n in names if n and re.search(rf"(?<!\w){re.escape(n)}(?!\w)", line, re.IGNORECASE)]
        if len(named) == 1:
            out[named[0]] = gender
        elif not named and _WHOLE_VOICE.match(line):
            out[""] = gender
    return out


@functools.cache
def _known() -> dict[str, Any]:
    """``data/piper_voices.toml``: known hub voices' genders and the recommended casts."""
    text = (resources.files(__package__) / "data" / "piper_voices.toml").read_text(encoding="utf-8")
    known: dict[str, Any] = tomllib.loads(text)
    return known


def known_genders(name: str) -> dict[str, Gender]:
    """Genders the data file gives for voice ``name`` (``fr_FR-upmc-medium``), whatever its
    quality: ``{"": "f"}`` for a single speaker, ``{"jessica": "f", …}`` for named speakers."""
    m = _HUB_NAME.match(name)
    entry = _known()["voices"].get(m.group(1)) if m else None
    if not isinstance(entry, dict):
        return {}
    out: dict[str, Gender] = {}
    if entry.get("gender") in ("f", "m"):
        out[""] = entry["gender"]
    for speaker, gender in (entry.get("speakers") or {}).items():
        if gender in ("f", "m"):
            out[str(speaker)] = gender
    return out


def recommended_cast(family: str) -> tuple[str, ...]:
    """The voices ``bulletin voices --install fr`` installs (anchor first)."""
    return tuple(_known()["cast"].get(family, ()))


def _speakers(name: str, config: PiperConfig, card: str) -> tuple[Speaker, ...]:
    known = known_genders(name)
    if config.num_speakers <= 1:
        gender = known.get("") or card_genders(card, []).get("")
        return (Speaker("", 0, gender, "card" if gender else None),)
    by_id = {sid: n for n, sid in config.speaker_id_map.items()}
    names = [by_id.get(i, str(i)) for i in range(config.num_speakers)]
    stated = {**card_genders(card, names), **known}
    out = []
    for i, n in enumerate(names):
        gender = stated.get(n, stated.get(""))
        out.append(Speaker(n, i, gender, "card" if gender else None))
    return tuple(out)


def read_voice(model: Path) -> InstalledVoice:
    """The voice whose model is ``model`` (its config and card are beside it)."""
    config = read_config(model.with_name(model.name + ".json"))
    card_path = model.with_name(model.name[: -len(".onnx")] + CARD_SUFFIX)
    try:
        card = card_path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        card = ""
    name = model.name[: -len(".onnx")]
    return InstalledVoice(name, model, config, _speakers(name, config, card))


def find_voices(folder: Path) -> tuple[tuple[InstalledVoice, ...], tuple[str, ...]]:
    """Every complete voice in ``folder`` (best first: see :func:`rank`), and one line per
    voice that cannot be read. A missing folder holds no voice."""
    voices: list[InstalledVoice] = []
    problems: list[str] = []
    try:
        models = sorted(p for p in folder.glob("*.onnx") if p.is_file() and not p.name.startswith("."))
    except OSError:
        return (), ()
    for model in models:
        if not model.with_name(model.name + ".json").is_file():
            problems.append(f"{model.name} has no {model.name}.json beside it")
            continue
        try:
            voices.append(read_voice(model))
        except EngineError as exc:
            problems.append(str(exc))
    return tuple(sorted(voices, key=rank)), tuple(problems)


def rank(voice: InstalledVoice) -> tuple[int, int, str]:
    """Order voices for the anchor's choice: better quality first, then single-speaker models
    (trained on one voice throughout), then by name so the choice is stable."""
    return (_QUALITY_RANK.get(voice.config.quality, 9), int(voice.multi_speaker), voice.name)


# --- measured profiles --------------------------------------------------------------------

PROFILE_SUFFIX = ".voice.json"
"""Beside ``NAME.onnx``: each speaker's measured F0 (and the gender drawn from it), so a voice
is measured once, at install or first use, not on every run."""


def profile_path(voice: InstalledVoice) -> Path:
    return voice.model.with_name(voice.name + PROFILE_SUFFIX)


def _model_stamp(voice: InstalledVoice) -> dict[str, int]:
    st = voice.model.stat()
    return {"size": st.st_size, "mtime_ns": st.st_mtime_ns}


def read_profile(voice: InstalledVoice) -> dict[str, float | None]:
    """Speaker name → stored calibration F0; empty when none is stored, or when the model or
    the calibration sentence changed since (a replaced model is measured again)."""
    from .calibration import CALIBRATION_VERSION

    try:
        data = json.loads(profile_path(voice).read_text(encoding="utf-8"))
        if data.get("model") != _model_stamp(voice) or data.get("calibration") != CALIBRATION_VERSION:
            return {}
        speakers = data["speakers"]
        return {str(k): (float(v["f0_hz"]) if v.get("f0_hz") is not None else None) for k, v in speakers.items()}
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return {}  # missing or unreadable: measure again


def write_profile(voice: InstalledVoice) -> None:
    """Store the speakers' F0, gender and its source beside the model. A read-only voices
    folder keeps nothing: the voice is then measured on each run, which is slower but right."""
    from .calibration import CALIBRATION_VERSION

    data = {
        "model": _model_stamp(voice),
        "calibration": CALIBRATION_VERSION,
        "speakers": {sp.name: {"gender": sp.gender, "source": sp.gender_source, "f0_hz": sp.f0_hz}
                     for sp in voice.speakers},
    }  # fmt: skip
    with contextlib.suppress(OSError, OutputError), atomic_path(profile_path(voice)) as tmp:
        tmp.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")


# --- the hub -----------------------------------------------------------------------------


def hub_base(base: str | None = None) -> str:
    return (base or os.environ.get(HUB_ENV) or DEFAULT_HUB).rstrip("/")


@dataclass(frozen=True)
class HubFile:
    """One file of a voice on the hub, as ``voices.json`` lists it."""

    path: str
    size: int
    md5: str


def _offline(base: str, exc: Exception, folder: Path) -> EngineUnavailable:
    host = urlsplit(base).netloc or base
    kind = "timed out" if "Timeout" in type(exc).__name__ else "no connection"
    return EngineUnavailable(
        f"cannot reach the voice hub {host} ({kind}): check the network, or copy NAME.onnx and "
        f"NAME.onnx.json into {folder} by hand"
    )


def fetch_index(base: str, folder: Path, timeout: float = 30.0) -> dict[str, Any]:
    """The hub's ``voices.json``."""
    import requests

    url = f"{base}/voices.json"
    try:
        response = requests.get(url, timeout=(min(10.0, timeout), timeout))
    except (requests.exceptions.ConnectionError, requests.exceptions.Timeout) as exc:
        raise _offline(base, exc, folder) from exc
    except requests.exceptions.RequestException as exc:
        raise EngineError(f"cannot read the voice list at {url}: {exc}") from exc
    if response.status_code != 200:
        raise EngineError(f"the voice hub answered HTTP {response.status_code} for {url}")
    try:
        index = response.json()
    except ValueError as exc:
        raise EngineError(f"the voice list at {url} is not JSON") from exc
    if not isinstance(index, dict):
        raise EngineError(f"the voice list at {url} is not a JSON object")
    return index


def hub_entry(index: Mapping[str, Any], name: str) -> tuple[str, dict[str, HubFile]]:
    """The key and files (``.onnx``, ``.onnx.json``, ``MODEL_CARD``) of voice ``name`` (a key
    or an alias); an unknown name lists the French voices the hub has."""
    key = (
        name
        if name in index
        else next((k for k, v in index.items() if isinstance(v, dict) and name in (v.get("aliases") or [])), None)
    )
    if key is None:
        french = sorted(k for k, v in index.items() if isinstance(v, dict) and k.startswith("fr_"))
        raise UnknownVoiceError(f"the voice hub has no voice {name!r}; French voices: {', '.join(french) or 'none'}")
    files: dict[str, HubFile] = {}
    for path, meta in (index[key].get("files") or {}).items():
        kind = "card" if path.endswith("MODEL_CARD") else "config" if path.endswith(".onnx.json") else (
            "model" if path.endswith(".onnx") else None)  # fmt: skip
        if kind is None or not isinstance(meta, dict):
            continue
        files[kind] = HubFile(path, int(meta.get("size_bytes", -1)), str(meta.get("md5_digest", "")).lower())
    if "model" not in files or "config" not in files:
        raise EngineError(f"the voice hub lists no .onnx and .onnx.json for {key!r}")
    return key, files


def part_path(folder: Path, name: str) -> Path:
    """Where a file is downloaded before it is checked: hidden, never read as a voice, and kept
    after a cut transfer so that the next attempt resumes it (HTTP Range)."""
    return folder / f".{name}.part"


def _download(base: str, item: HubFile, part: Path, progress: Progress | None, timeout: float) -> None:
    """Fetch one file into ``part``, resuming what an earlier attempt left there, then check its
    size and md5. A cut transfer keeps the part for the next attempt; a wrong file removes it."""
    import requests

    url = f"{base}/{item.path}"
    shown = part.name[1 : -len(".part")]
    try:
        have = part.stat().st_size
    except OSError:
        have = 0
    if item.size >= 0 and have > item.size:
        part.unlink()
        have = 0
    done = have
    if item.size < 0 or have < item.size:
        headers = {"Range": f"bytes={have}-"} if have else {}
        try:
            with requests.get(url, stream=True, headers=headers, timeout=(min(10.0, timeout), timeout)) as response:
                if response.status_code == 200:
                    done = 0  # the server sends it all again: start over
                elif response.status_code != 206 or not have:
                    status = response.status_code
                    if status == 416:  # the part does not fit the file the hub has now: start over next time
                        part.unlink(missing_ok=True)
                    raise EngineError(f"the voice hub answered HTTP {status} for {shown}; nothing was installed")
                total = item.size if item.size >= 0 else done + int(response.headers.get("Content-Length") or 0)
                with open(part, "ab" if done else "wb") as out:
                    for block in response.iter_content(chunk_size=1 << 16):
                        out.write(block)
                        done += len(block)
                        if progress is not None:
                            progress(shown, done, total)
        except (requests.exceptions.ConnectionError, requests.exceptions.Timeout,
                requests.exceptions.ChunkedEncodingError) as exc:  # fmt: skip
            if done == 0 and not isinstance(exc, requests.exceptions.ChunkedEncodingError):
                raise _offline(base, exc, part.parent) from exc
            raise EngineError(f"the download of {shown} was cut off after {done} bytes; nothing was installed, "
                              "run the same command again to resume it") from exc  # fmt: skip
        except requests.exceptions.RequestException as exc:
            raise EngineError(f"the download of {shown} failed ({exc}); nothing was installed") from exc
        except OSError as exc:
            raise OutputError(f"cannot write {shown} in {part.parent}: {exc.strerror or exc}") from exc
    elif progress is not None:
        progress(shown, have, item.size)  # complete from an earlier attempt: only checked
    if item.size >= 0 and done != item.size:
        raise EngineError(f"the download of {shown} stopped at {done} of {item.size} bytes; nothing was installed, "
                          "run the same command again to resume it")  # fmt: skip
    digest = hashlib.md5(usedforsecurity=False)
    with open(part, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    if item.md5 and digest.hexdigest() != item.md5:
        part.unlink()
        raise EngineError(f"{shown} does not match the hub's checksum (md5 {digest.hexdigest()}, expected "
                          f"{item.md5}); nothing was installed, try again")  # fmt: skip


@dataclass(frozen=True)
class Planned:
    """One voice to install: its hub key and files."""

    key: str
    files: Mapping[str, HubFile]

    @property
    def size(self) -> int:
        return sum(max(0, f.size) for f in self.files.values())

    def targets(self) -> dict[str, str]:
        return {"config": f"{self.key}.onnx.json", "model": f"{self.key}.onnx", "card": f"{self.key}{CARD_SUFFIX}"}

    def installed_in(self, folder: Path) -> bool:
        """Whether this very voice is already there (the model of the hub's size, with its config)."""
        model = folder / self.targets()["model"]
        try:
            return model.stat().st_size == self.files["model"].size and (folder / self.targets()["config"]).is_file()
        except OSError:
            return False


def plan_install(names: Sequence[str], folder: Path, *, base: str | None = None,
                 timeout: float = 30.0) -> list[Planned]:  # fmt: skip
    """What installing ``names`` (keys or aliases) means: each voice's files and sizes, read from
    the hub's list once. An unknown name fails here, before anything is downloaded."""
    base = hub_base(base)
    index = fetch_index(base, Path(folder), timeout)
    out = []
    for name in names:
        key, files = hub_entry(index, name)
        out.append(Planned(key, files))
    return out


def install_planned(
    planned: Planned,
    folder: Path,
    *,
    base: str | None = None,
    progress: Progress | None = None,
    timeout: float = 30.0,
) -> InstalledVoice:
    """Download one planned voice into ``folder`` and return it, read back.

    Each file goes to a hidden part file beside its target (resumed if an earlier attempt was
    cut) and is checked (size, md5) before any is published; they are then renamed into place,
    the config last, so the folder never holds a voice made of a partial or unchecked file.
    """
    base = hub_base(base)
    folder = Path(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"cannot create the voices folder {folder}: {exc.strerror or exc}") from exc
    targets = planned.targets()
    parts = {kind: part_path(folder, targets[kind]) for kind in ("card", "config", "model") if kind in planned.files}
    for kind, part in parts.items():
        _download(base, planned.files[kind], part, progress, timeout)
    read_config(parts["config"])  # a config this engine cannot read is not installed either
    with signals_held():  # the three renames are one step for Ctrl-C
        for kind in ("card", "model", "config"):
            if kind in parts:
                os.replace(parts[kind], folder / targets[kind])
    return read_voice(folder / targets["model"])


def install_voice(
    name: str,
    folder: Path,
    *,
    base: str | None = None,
    progress: Progress | None = None,
    timeout: float = 30.0,
) -> InstalledVoice:
    """Download voice ``name`` from the hub into ``folder`` and return it, read back (see
    :func:`install_planned`). Any failure leaves an earlier install of the voice as it was."""
    (planned,) = plan_install([name], folder, base=base, timeout=timeout)
    return install_planned(planned, folder, base=base, progress=progress, timeout=timeout)
