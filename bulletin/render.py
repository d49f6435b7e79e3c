"""Script JSON ⇄ :class:`~bulletin.script.Script`, and rendering a script as it is given.

``bulletin script --format json`` (or ``make --save-script``) writes a script; a producer or a
newsroom tool corrects it; ``bulletin render`` speaks exactly that script. The shape (version 1,
:func:`schema`)::

    {"version": 1, "title", "date", "source", "locale",
     "anchor": VOICE,                     # narration, titles, cues
     "neutral": VOICE | null,             # quotes whose speaker is unknown (null: cast one)
     "neutral_female": VOICE | null,      # … when the text shows the unknown speaker is a woman
     "speakers": {NAME: VOICE, …},        # one voice per speaker: edit it here, all quotes follow
     "segments": [{"kind", "text", "spoken", "speaker", "voice", "gender", "attribution",
                   "block", "cast_voice", "sentences": [{"text", "spoken"}, …]}, …],
     "warnings": […]}

How a segment's voice is decided (so that both kinds of edit can be written):

- ``voice`` differs from ``cast_voice`` (or ``cast_voice`` is absent: a segment a tool wrote or
  inserted): the segment's own ``voice`` wins. This is a per-segment edit.
- Otherwise the tables decide: a quote takes ``speakers[speaker]`` (a speaker not in the table
  is cast a voice of their ``gender`` that no other speaker has), an unattributed quote takes
  ``neutral`` (``neutral_female`` if its ``gender`` is ``"f"``), every other segment
  ``anchor``. So changing a speaker's voice in ``speakers``
  changes all their quotes, and changing a quote's ``speaker`` gives it that speaker's voice.
- ``--speaker-voice NAME=VOICE`` on the command line wins over the ``speakers`` table.

``speaker``, ``gender`` and ``attribution`` count on quotes only: turning a quote into narration
gives it to the anchor. ``spoken`` is what is said; when it no longer matches ``sentences`` (it
was edited, or the segment was inserted without them) it is cut into sentences again and read
through the locale's rules (numbers, dates…), and each new sentence keeps the article's words
for the captions when the counts still match. ``block`` (the paragraph) sets the pauses; an
inserted segment without one joins the paragraph before it. Segments may be deleted, inserted
and reordered freely.

A bad edit is refused before anything is synthesised or written, with one line naming the
segment and the field: ``s.json: segments[3].voice: no voice 'espeak:fr+x9' …``.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, get_args

from .article import slugify
from .casting import cast
from .engines.base import Engine, Voice, available_engines
from .errors import ScriptError, UnknownVoiceError
from .normalize import LOCALES
from .quotes import Attribution, split_sentences
from .result import BulletinResult
from .script import SCRIPT_VERSION, Script, Segment, SegmentKind, Sentence, make_segment
from .settings import Settings

if TYPE_CHECKING:
    from .runtime import Runtime

KINDS: tuple[str, ...] = get_args(SegmentKind)
MAX_SCRIPT_BYTES = 20 * 1024 * 1024
"""Largest script file read (an hour-long bulletin's script is about 1 MB)."""

_VOICE_ID = r"^[A-Za-z0-9_.-]+:\S.*$"
_VOICE = {"type": "string", "pattern": _VOICE_ID, "description": "A voice id, ENGINE:NAME, as 'bulletin voices' lists."}
_NULLABLE_VOICE = {**_VOICE, "type": ["string", "null"]}


DATE_PATTERN = r"^\d{4}(-\d{2}(-\d{2})?)?$"
"""What a script's ``date`` may be: ``2026``, ``2026-03`` or ``2026-03-12``."""


def schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of a script, version :data:`SCRIPT_VERSION`."""
    sentence = {
        "type": "object",
        "required": ["text", "spoken"],
        "additionalProperties": False,
        "properties": {"text": {"type": "string"}, "spoken": {"type": "string"}},
    }
    segment = {
        "type": "object",
        "required": ["kind", "text", "spoken"],
        "additionalProperties": False,
        "properties": {
            "kind": {"enum": list(KINDS), "description": "quote: spoken in the speaker's voice; others by the anchor."},
            "text": {"type": "string", "description": "The article's own words (transcript and captions)."},
            "spoken": {
                "type": "string",
                "description": "What is said. Must not be empty (delete the segment instead), except where "
                "the script itself printed it empty with empty sentences (an emoji alone).",
            },
            "speaker": {"type": ["string", "null"], "pattern": r"\S", "description": "Who speaks; null: unknown."},
            "voice": {**_NULLABLE_VOICE, "description": "The voice; wins over the tables if it is not cast_voice."},
            "cast_voice": {**_NULLABLE_VOICE, "description": "The voice the casting gave (leave it as written)."},
            "gender": {"enum": ["f", "m", None], "description": "The speaker's gender, for casting a new speaker."},
            "attribution": {
                "type": ["object", "null"],
                "required": ["rule", "confidence"],
                "additionalProperties": False,
                "properties": {
                    "rule": {"type": "string"},
                    "confidence": {"type": "number", "minimum": 0, "maximum": 1},
                },
            },
            "block": {"type": "integer", "description": "The article paragraph it comes from: sets the pauses."},
            "sentences": {"type": "array", "items": sentence, "description": "The cut into clips, as made."},
        },
    }
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": f"bulletin script, version {SCRIPT_VERSION}",
        "description": "What 'bulletin script --format json' prints and 'bulletin render' speaks.",
        "type": "object",
        "required": ["version", "title", "locale", "segments"],
        "additionalProperties": False,
        "properties": {
            "version": {"const": SCRIPT_VERSION},
            "title": {"type": "string"},
            # A date enters file names (<date>-<slug>.mp3): only a year, a month or a day, so a
            # script can never name a path ("../../x") however it was made.
            "date": {"type": ["string", "null"], "pattern": DATE_PATTERN},
            "source": {"type": ["string", "null"]},
            "locale": {"enum": list(LOCALES)},
            "anchor": _NULLABLE_VOICE,
            "neutral": _NULLABLE_VOICE,
            "neutral_female": {**_NULLABLE_VOICE, "description": "Unknown speakers the text shows to be women."},
            "speakers": {"type": "object", "additionalProperties": _VOICE},
            "segments": {"type": "array", "minItems": 1, "items": {"$ref": "#/$defs/segment"}},
            "warnings": {"type": "array", "items": {"type": "string"}},
        },
        "$defs": {"segment": segment},
    }


# --- reading and checking ------------------------------------------------------------------------


def read_document(spec: str | Path, *, stdin: BinaryIO | None = None) -> dict[str, Any]:
    """A script file (or ``-``: standard input) as JSON, not yet checked."""
    name = "standard input" if str(spec) == "-" else str(spec)
    try:
        if str(spec) == "-":
            stream = stdin if stdin is not None else sys.stdin.buffer
            data = stream.read(MAX_SCRIPT_BYTES + 1)
        else:
            path = Path(spec)
            if path.is_dir():
                raise ScriptError(f"{name} is a folder, not a script")
            with open(path, "rb") as fh:
                data = fh.read(MAX_SCRIPT_BYTES + 1)
    except FileNotFoundError:
        raise ScriptError(f"no such script: {name}") from None
    except OSError as exc:
        raise ScriptError(f"cannot read {name}: {exc.strerror or exc}") from exc
    if len(data) > MAX_SCRIPT_BYTES:
        raise ScriptError(f"{name} is larger than {MAX_SCRIPT_BYTES // 1_048_576} MB: not a bulletin script")
    return parse_document(data, name)


def parse_document(data: bytes | str, name: str = "the script") -> dict[str, Any]:
    try:
        doc = json.loads(data)
    except UnicodeDecodeError:
        raise ScriptError(f"{name} is not UTF-8 text") from None
    except json.JSONDecodeError as exc:
        raise ScriptError(f"{name} is not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})") from None
    if not isinstance(doc, dict):
        raise ScriptError(f"{name} must hold a JSON object (what 'bulletin script --format json' prints)")
    return doc


def where(path: Sequence[str | int]) -> str:
    """``["segments", 3, "kind"]`` → ``segments[3].kind``."""
    out = ""
    for p in path:
        out += f"[{p}]" if isinstance(p, int) else (f".{p}" if out else str(p))
    return out or "the script"


_TYPES = {"string": "text", "integer": "a whole number", "number": "a number", "object": "an object",
          "array": "a list", "null": "null", "boolean": "true or false"}  # fmt: skip


def _explain(error: Any) -> str:
    """One jsonschema error as a plain sentence naming the segment and the field."""
    path = list(error.absolute_path)
    at = where(path)
    kind, value = error.validator, error.instance
    field = path[-1] if path else None
    if kind == "required":
        missing = re.search(r"'([^']+)' is a required property", error.message)
        name = missing[1] if missing else error.message
        if name == "version":
            return f"missing field 'version': this bulletin reads scripts of version {SCRIPT_VERSION}"
        return f"{at}: missing field {name!r}"
    if kind == "additionalProperties":
        extra = re.findall(r"'([^']+)'", error.message)
        return f"{at}: unknown field {extra[0]!r}" if extra else f"{at}: {error.message}"
    if kind == "const" and field == "version":
        return f"version: unsupported version {value!r}; this bulletin reads version {SCRIPT_VERSION}"
    if kind == "enum" and field == "kind":
        return f"{at}: unknown kind {value!r}; kinds are {', '.join(KINDS)}"
    if kind == "enum" and field == "locale":
        return f"{at}: unknown locale {value!r}; choose {', '.join(LOCALES)}"
    if kind == "enum" and field == "gender":
        return f'{at}: gender must be "f", "m" or null, not {value!r}'
    if kind == "pattern" and field == "speaker":
        return f"{at}: an empty speaker; write a name, or null for an unknown speaker"
    if kind == "pattern" and field == "date":
        return f"{at}: {value!r} is not a date; write YYYY-MM-DD (or YYYY-MM, YYYY), or null"
    if kind == "pattern":
        return f"{at}: {value!r} is not a voice id (ENGINE:NAME, as 'bulletin voices' lists)"
    if kind == "minItems":
        return f"{at}: a script needs at least one segment"
    if kind == "type":
        wanted = error.validator_value if isinstance(error.validator_value, list) else [error.validator_value]
        names = [_TYPES.get(str(t), str(t)) for t in wanted]
        return f"{at}: must be {' or '.join(names)}, not {json.dumps(value)[:40]}"
    return f"{at}: {error.message}"


def _document_order(error: Any) -> list[tuple[int, int, str]]:
    return [(0, p, "") if isinstance(p, int) else (1, 0, str(p)) for p in error.absolute_path]


def validate(doc: Any, name: str = "the script") -> None:
    """Check a script against :func:`schema`; the first problem (in document order) is raised
    as one line naming the segment and the field. ``jsonschema`` does the checking, so the
    schema ``bulletin script --schema`` prints is exactly what is enforced."""
    from jsonschema import Draft202012Validator

    if not isinstance(doc, dict):
        raise ScriptError(f"{name} must hold a JSON object (what 'bulletin script --format json' prints)")
    if "version" in doc and doc["version"] != SCRIPT_VERSION:
        raise ScriptError(f"{name}: version: unsupported version {doc['version']!r}; "
                           f"this bulletin reads version {SCRIPT_VERSION}")  # fmt: skip
    errors = sorted(Draft202012Validator(schema()).iter_errors(doc), key=_document_order)
    if errors:
        # The deepest error of the first place that has one: the field, not its whole segment.
        first = [e for e in errors if list(e.absolute_path)[:2] == list(errors[0].absolute_path)[:2]]
        chosen = max(first, key=lambda e: len(e.absolute_path))
        raise ScriptError(f"{name}: {_explain(chosen)}")


# --- the document as a Script --------------------------------------------------------------------


@dataclass(frozen=True)
class Edited:
    """A script read from its JSON, with the casting tables as they now stand."""

    script: Script
    cast: tuple[str, ...]
    """For each segment, the voice the tables give it (its ``cast_voice`` when written back)."""
    anchor: str
    neutral: str
    speakers: dict[str, str]
    """Speaker → voice, newly cast speakers included."""
    neutral_female: str | None = None
    """The voice of unknown speakers the text shows to be women (when the script has such)."""

    def to_json(self) -> dict[str, Any]:
        """The script as JSON, per-segment voice edits kept (``voice`` ≠ ``cast_voice``)."""
        doc = self.script.to_json()
        doc.update(anchor=self.anchor, neutral=self.neutral, neutral_female=self.neutral_female,
                   speakers=dict(self.speakers))  # fmt: skip
        for seg, cast_voice in zip(doc["segments"], self.cast, strict=True):
            seg["cast_voice"] = cast_voice
        return doc


def engine_of(doc: Mapping[str, Any], asked: str, name: str = "the script") -> str | None:
    """The engine a script is spoken with: the one asked for, or for ``auto`` the engine whose
    voices the script names (None when it names none: then ``auto`` chooses as ``make`` does)."""
    if asked != "auto":
        return asked
    known = available_engines()
    found: dict[str, str] = {}
    for at, voice in _voice_fields(doc):
        engine = voice.partition(":")[0]
        if engine not in known:
            raise UnknownVoiceError(f"{name}: {at}: {voice!r} names no engine; engines: {', '.join(sorted(known))}")
        found.setdefault(engine, at)
    if len(found) > 1:
        (first, _), (second, at) = list(found.items())[:2]
        raise UnknownVoiceError(f"{name}: {at}: a voice of {second} in a script spoken by {first}; "
                                "one bulletin is spoken by one engine")  # fmt: skip
    return next(iter(found), None)


def _voice_fields(doc: Mapping[str, Any]) -> list[tuple[str, str]]:
    out = [(key, doc[key]) for key in ("anchor", "neutral", "neutral_female") if isinstance(doc.get(key), str)]
    out += [(f"speakers[{json.dumps(k, ensure_ascii=False)}]", v) for k, v in (doc.get("speakers") or {}).items()]
    for i, seg in enumerate(doc.get("segments") or []):
        if isinstance(seg, dict) and isinstance(seg.get("voice"), str):
            out.append((f"segments[{i}].voice", seg["voice"]))
    return out


def _blank(text: str) -> bool:
    return not text.strip()


def _collapse(text: str) -> str:
    return " ".join(text.split())


def _sentences(seg: Mapping[str, Any], text: str, spoken: str) -> tuple[str, tuple[Sentence, ...]] | None:
    """The segment's sentences as written, when they still match its text and spoken form;
    the texts are paired again when only ``text`` was edited. None: ``spoken`` was edited."""
    given = seg.get("sentences") or []
    if not given or " ".join(x["spoken"] for x in given if x["spoken"]) != spoken:
        return None
    texts = [x["text"] for x in given]
    if any(texts) and _collapse(" ".join(t for t in texts if t)) != _collapse(text):
        parts = [t for _, t in split_sentences(text)]
        texts = parts if len(parts) == len(given) else [""] * len(given)
    return spoken, tuple(Sentence(t, x["spoken"]) for t, x in zip(texts, given, strict=True))


def _recut(kind: SegmentKind, text: str, spoken: str, locale: str) -> tuple[str, tuple[Sentence, ...]]:
    """An edited spoken text cut into sentences and read through the locale's rules (digits and
    symbols typed in the edit are said in words); the article's words go with each sentence for
    the captions when the counts match, else the captions show what is said."""
    seg = make_segment(kind, text, None, "", 0, locale, None, spoken_text=spoken)
    parts = [t for _, t in split_sentences(text)]
    if len(parts) == len(seg.sentences):
        return seg.spoken, tuple(Sentence(t, s.spoken) for t, s in zip(parts, seg.sentences, strict=True))
    return seg.spoken, seg.sentences


def from_document(
    doc: Mapping[str, Any],
    voices: Sequence[Voice],
    overrides: Mapping[str, str] | None = None,
    name: str = "the script",
) -> Edited:
    """A checked (:func:`validate`) script document as a :class:`Script` spoken with ``voices``
    (the engine's, anchor first), the tables and edits applied as the module docstring says.
    ``overrides`` (``--speaker-voice``) win over the ``speakers`` table."""
    if not voices:
        raise UnknownVoiceError("the engine offers no voice for this locale")
    by_id = {v.id: v for v in voices}
    engine = voices[0].engine

    def known(at: str, voice_id: str) -> str:
        if voice_id not in by_id:
            other = voice_id.partition(":")[0]
            hint = (f"a voice of {other}, not of {engine} (render with --engine {other})" if other != engine
                    else f"no voice {voice_id!r} for {voices[0].locale}")  # fmt: skip
            raise UnknownVoiceError(f"{name}: {at}: {hint}; voices: {', '.join(by_id)}")
        return voice_id

    for at, voice_id in _voice_fields(doc):
        known(at, voice_id)
    segs: list[Mapping[str, Any]] = list(doc["segments"])
    table = dict(doc.get("speakers") or {})
    warnings: list[str] = []
    named = [s["speaker"].strip() for s in segs if s["kind"] == "quote" and s.get("speaker")]
    for who, wanted in (overrides or {}).items():
        match = [v for v in voices if wanted in (v.id, v.name)]
        if not match:
            raise UnknownVoiceError(f"--speaker-voice {who}={wanted}: no such voice; voices: {', '.join(by_id)}")
        table[who] = match[0].id
        if who not in named:
            warnings.append(f"--speaker-voice {who}={wanted}: no speaker is called {who!r} "
                            f"(speakers: {', '.join(dict.fromkeys(named)) or 'none'})")  # fmt: skip
    quotes = [(s["speaker"].strip(), s.get("gender")) for s in segs if s["kind"] == "quote" and s.get("speaker")]
    unknown = [s for s in segs if s["kind"] == "quote" and not s.get("speaker")]
    casting = cast(quotes, voices, {n: v for n, v in table.items() if n in named}, unknown=bool(unknown),
                   unknown_female=any(s.get("gender") == "f" for s in unknown))  # fmt: skip
    anchor = doc.get("anchor") or voices[0].id
    neutral = doc.get("neutral") or casting.neutral.id
    neutral_female = doc.get("neutral_female") or (casting.neutral_female.id if casting.neutral_female else neutral)
    for who in named:
        table.setdefault(who, casting.voice_for(who).id)

    segments: list[Segment] = []
    cast_voices: list[str] = []
    used: dict[str, Voice] = {anchor: by_id[anchor]}
    block = 0
    for i, s in enumerate(segs):
        kind: SegmentKind = s["kind"]
        quote = kind == "quote"
        speaker = s["speaker"].strip() if quote and s.get("speaker") else None
        unknown_voice = neutral_female if s.get("gender") == "f" else neutral
        table_voice = (table[speaker] if speaker else unknown_voice) if quote else anchor
        given, written = s.get("voice"), s.get("cast_voice")
        voice = given if given is not None and (written is None or given != written) else table_voice
        text, spoken = s["text"], s["spoken"]
        kept = _sentences(s, text, spoken)
        if kept is None:
            if _blank(spoken):
                raise ScriptError(f"{name}: segments[{i}].spoken: empty spoken text; write what to say, "
                                   "or delete the segment")  # fmt: skip
            kept = _recut(kind, text, spoken, doc["locale"])
        block = s["block"] if isinstance(s.get("block"), int) else block
        att = s.get("attribution") if quote else None
        segments.append(Segment(
            kind, text, kept[0], speaker, voice, block, kept[1], s.get("gender") if quote else None,
            Attribution(att["rule"], float(att["confidence"])) if att else None,
        ))  # fmt: skip
        cast_voices.append(table_voice)
        used.setdefault(voice, by_id[voice])
    script = Script(
        title=doc["title"], date=doc.get("date"), source=doc.get("source"), locale=doc["locale"],
        segments=tuple(segments), voices=used, warnings=tuple(warnings),
    )  # fmt: skip
    female = neutral_female if any(s.get("gender") == "f" for s in unknown) else None
    return Edited(script, tuple(cast_voices), anchor, neutral, table, female)


# --- rendering -----------------------------------------------------------------------------------

Progress = Callable[[int, int], None]


def engine_name_for(doc: Mapping[str, Any], settings: Settings, name: str = "the script") -> tuple[str, str | None]:
    """The engine that speaks a script (its voices' engine, unless ``--engine`` names one), and a
    reason to report instead of the stack's own when the script's voices decided."""
    chosen = engine_of(doc, settings.engine, name)
    if chosen is None:
        return settings.engine, None
    return chosen, "the script's voices" if settings.engine == "auto" else None


def prepare(doc: Any, settings: Settings, engine: Engine, *, name: str = "the script") -> Edited:
    """Everything a render checks before it speaks: the shape and every voice."""
    settings.check()
    validate(doc, name)
    return from_document(doc, engine.voices(doc["locale"]), settings.speaker_voices, name)


def default_output(script: Script, folder: Path = Path("audio_out")) -> Path:
    """``audio_out/<date>-<slug>.mp3``, as ``make`` names it (the date slugified too: it is only
    ever a date here, but what enters a path is made safe where it enters)."""
    return folder / f"{slugify(script.date or dt.date.today().isoformat())}-{slugify(script.title)}.mp3"


def render_document(
    doc: Any,
    out: str | Path | None,
    settings: Settings,
    *,
    name: str = "the script",
    runtime: Runtime | None = None,
    engine: Engine | None = None,
    progress: Progress | None = None,
) -> BulletinResult:
    """Speak a script document and write the MP3 and sidecars; a bad edit raises before
    anything is synthesised or written. The engine stack comes from ``runtime`` (the process's;
    a new one otherwise), unless an ``engine`` is given (tests, a caller's own stack)."""
    settings.check()
    validate(doc, name)
    if engine is not None:
        return _render(doc, out, settings, name, engine, "as given", progress)
    if runtime is None:
        from .runtime import Runtime

        with Runtime.from_settings(settings) as own:
            return render_document(doc, out, settings, name=name, runtime=own, progress=progress)
    engine_name, why = engine_name_for(doc, settings, name)
    with runtime.stack(settings, engine_name=engine_name) as stack:
        result = _render(doc, out, settings, name, stack.engine, why or stack.reason, progress)
    runtime.prune(settings)
    return result


def _render(
    doc: Any, out: str | Path | None, settings: Settings, name: str, engine: Engine, reason: str,
    progress: Progress | None,
) -> BulletinResult:  # fmt: skip
    from .pipeline import check_inputs, prepare_target, render_script

    edited = prepare(doc, settings, engine, name=name)
    check_inputs(settings)
    target = prepare_target(out, default_output(edited.script))
    return render_script(edited.script, target, settings, engine, reason, progress)


def render_file(
    spec: str | Path, out: str | Path | None, settings: Settings, *, progress: Progress | None = None
) -> BulletinResult:
    """``bulletin render SCRIPT.json``: read, check, speak."""
    return render_document(read_document(spec), out, settings, name=str(spec), progress=progress)
