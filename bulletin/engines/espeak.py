"""The offline engine: espeak-ng in-process, from the library and data ``espeakng-loader`` ships.

espeak-ng keeps one synthesiser per process, so calls are serialised with a lock and the
library is initialised once, on first use (never at import), under the same lock. Language spans
(``⟦en|Bud Luckey⟧``) are read through espeak-ng's SSML ``<voice xml:lang>``.
"""

from __future__ import annotations

import contextlib
import ctypes
import signal
import threading
from collections.abc import Iterator
from typing import Any
from xml.sax.saxutils import escape as xml_escape

from ..errors import EngineError, EngineUnavailable, UnknownVoiceError
from ..normalize.markup import has_languages, split_languages
from .base import AudioChunk, EngineConfig, Gender, Voice

_AUDIO_OUTPUT_SYNCHRONOUS = 2
_CHARS_UTF8 = 1
_RATE, _PITCH = 1, 3
_BASE_WPM = 160  # espeak-ng's 175 words per minute is brisk for news

_LANG = {"fr-FR": "fr", "fr-BE": "fr-be", "fr-CH": "fr-ch", "fr-CA": "fr"}
# Anchor first; quote voices alternate women and men: (variant, gender, pitch 0-100, median F0 in
# Hz, label). Every quote voice sits at least 3.7 semitones from the anchor's median F0: men well
# above (m3, m7) or below (m8, m4) it, never beside it as m3 at pitch 35 (-0.9 st) and m1 (-2.0 st)
# did. The low men are m8 and m4 because their peaks are the gentlest of espeak's low voices: m6
# at 75 Hz ended up to 0.6 LU under the anchor at -16 LUFS. F0 by scripts/measure_voices.py: its
# test article made into a podcast bulletin, each voice's sentences cut out of the MP3, median
# over voiced 40 ms frames (normalised autocorrelation); within 1 Hz for fr, fr-be and fr-ch.
_VARIANTS: tuple[tuple[str, Gender, int, float, str], ...] = (
    ("", "m", 48, 95.0, "présentateur (voix de base)"),
    ("f3", "f", 60, 222.0, "femme, médium"),
    ("m3", "m", 72, 127.0, "homme, clair"),
    ("f4", "f", 46, 173.0, "femme, grave"),
    ("m8", "m", 28, 71.0, "homme, très grave"),
    ("f1", "f", 58, 191.0, "femme, posée"),
    ("m7", "m", 82, 141.0, "homme, aigu"),
    ("f2", "f", 74, 249.0, "femme, aiguë"),
    ("m4", "m", 26, 77.0, "homme, grave"),
)

# espeak-ng keeps one synthesiser per process: one lock guards both its start-up and every
# synthesis, so the library is initialised exactly once whichever thread asks first.
_lock = threading.RLock()
_state: dict[str, Any] = {}
_CALLBACK = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.c_void_p)
_SSML = 0x10  # espeakSSML: used only for text holding language spans
_CONTINUE, _ABORT = 0, 1


def _library() -> tuple[Any, int]:
    """Load and initialise libespeak-ng once per process; return it with its sample rate."""
    with _lock:
        if "lib" not in _state:
            _state.update(_load())
        return _state["lib"], _state["rate"]


def _load() -> dict[str, Any]:
    try:
        import espeakng_loader

        lib = ctypes.CDLL(espeakng_loader.get_library_path())
        data_path = espeakng_loader.get_data_path()
    except (ImportError, OSError, RuntimeError) as exc:
        raise EngineUnavailable(
            f"the offline engine cannot load espeak-ng ({exc}); reinstall with 'pip install espeakng-loader'"
        ) from exc
    lib.espeak_Initialize.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_char_p, ctypes.c_int]
    lib.espeak_Initialize.restype = ctypes.c_int
    lib.espeak_SetVoiceByName.argtypes = [ctypes.c_char_p]
    lib.espeak_SetParameter.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_int]
    lib.espeak_Synth.argtypes = [
        ctypes.c_char_p,
        ctypes.c_size_t,
        ctypes.c_uint,
        ctypes.c_int,
        ctypes.c_uint,
        ctypes.c_uint,
        ctypes.c_void_p,
        ctypes.c_void_p,
    ]
    lib.espeak_Info.restype = ctypes.c_char_p
    rate = lib.espeak_Initialize(_AUDIO_OUTPUT_SYNCHRONOUS, 0, data_path.encode(), 0)
    if rate <= 0:
        raise EngineUnavailable("espeak-ng failed to initialise from the data espeakng-loader ships")
    buffers: list[bytes] = []
    interrupted: list[BaseException] = []
    signals: list[int] = []

    def on_audio(wav: Any, count: int, _events: Any) -> int:
        # ctypes swallows any exception raised in a callback ("Exception ignored on calling
        # ctypes callback function") and synthesis goes on, so nothing may be raised here: a
        # signal during synthesis is only recorded (see _signals_deferred) and stops espeak;
        # synthesize() delivers it once espeak has returned.
        if signals:
            return _ABORT
        try:
            if count > 0 and wav:
                buffers.append(ctypes.string_at(wav, count * 2))
            return _CONTINUE
        except BaseException as exc:  # MemoryError and the like: stop, and raise it afterwards
            interrupted.append(exc)
            return _ABORT

    callback = _CALLBACK(on_audio)
    lib.espeak_SetSynthCallback(callback)
    version = (lib.espeak_Info(None) or b"?").decode()
    return dict(lib=lib, rate=rate, callback=callback, buffers=buffers, interrupted=interrupted, signals=signals,
                version=version)  # fmt: skip


_DEFERRED = (signal.SIGINT, signal.SIGTERM)


@contextlib.contextmanager
def _signals_deferred(caught: list[int]) -> Iterator[None]:
    """While espeak-ng runs, SIGINT and SIGTERM are recorded in ``caught`` instead of raising
    inside its audio callback (where ctypes would swallow the exception); on the way out the
    usual handlers are restored and the first signal caught is delivered to them.

    Python runs signal handlers in the main thread only, so elsewhere there is nothing to do."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {s: signal.signal(s, lambda signum, _frame: caught.append(signum)) for s in _DEFERRED}
    try:
        yield
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
    if caught:
        signal.raise_signal(caught[0])  # the restored handler raises (KeyboardInterrupt, for Ctrl-C)


def _ssml(text: str, voice: Voice) -> str:
    """Text with language spans as SSML: each span in a ``<voice xml:lang>`` of the same gender."""
    gender = {"f": ' gender="female"', "m": ' gender="male"'}.get(voice.gender or "", "")
    parts = []
    for lang, words in split_languages(text):
        body = xml_escape(words)
        parts.append(body if lang is None else f'<voice xml:lang="{lang}"{gender}>{body}</voice>')
    return "<speak>" + "".join(parts) + "</speak>"


class EspeakEngine:
    """espeak-ng voices for French of France, Belgium and Switzerland (Canada uses France's)."""

    name = "espeak"

    def __init__(self, config: EngineConfig | None = None) -> None:
        del config  # nothing to configure: espeak-ng runs in-process, offline

    @property
    def version(self) -> str:
        _library()
        return f"espeak-ng {_state['version']}"

    def voices(self, locale: str) -> tuple[Voice, ...]:
        lang = _LANG.get(locale)
        if lang is None:
            raise UnknownVoiceError(f"no espeak-ng voices for locale {locale!r}")
        out = []
        for variant, gender, pitch, f0, label in _VARIANTS:
            name = f"{lang}+{variant}" if variant else lang
            out.append(
                Voice(
                    id=f"espeak:{name}",
                    engine="espeak",
                    name=name,
                    locale=locale,
                    gender=gender,
                    pitch=pitch,
                    label=label,
                    f0_hz=f0,
                )
            )
        return tuple(out)

    @property
    def parallel(self) -> int:
        return 1  # one synthesiser per process

    def reachable(self) -> bool:
        try:
            _library()
        except EngineUnavailable:
            return False
        return True

    def synthesize(self, text: str, voice: Voice, rate: float = 1.0) -> AudioChunk:
        lib, sample_rate = _library()
        flags = _CHARS_UTF8
        if has_languages(text):
            text, flags = _ssml(text, voice), _CHARS_UTF8 | _SSML
        payload = text.encode("utf-8") + b"\0"
        with _lock:
            buffers: list[bytes] = _state["buffers"]
            interrupted: list[BaseException] = _state["interrupted"]
            signals: list[int] = _state["signals"]
            buffers.clear()
            interrupted.clear()
            signals.clear()
            if lib.espeak_SetVoiceByName(voice.name.encode()) != 0:
                raise UnknownVoiceError(f"espeak-ng has no voice {voice.name!r}")
            lib.espeak_SetParameter(_RATE, max(80, min(450, round(_BASE_WPM * rate))), 0)
            lib.espeak_SetParameter(_PITCH, voice.pitch, 0)
            with _signals_deferred(signals):
                status = lib.espeak_Synth(payload, len(payload), 0, 0, 0, flags, None, None)
            data = b"".join(buffers)
            buffers.clear()
            if interrupted:
                raise interrupted.pop()
            if signals:  # the handler chose not to raise (SIG_IGN): the clip is cut, never return it
                raise EngineError("espeak-ng was stopped by a signal")
        if status != 0:
            raise EngineError(f"espeak-ng failed to speak a segment (error {status})")
        return AudioChunk(sample_rate=sample_rate, sample_width=2, channels=1, data=data, engine=self.name)


_PHONEMES_IPA = 0x02  # espeakPHONEMES_IPA: phonemes as IPA characters (UTF-8), not espeak's own names


def phonemize(text: str, voice_name: str) -> str:
    """IPA phonemes of ``text`` as espeak-ng's voice ``voice_name`` reads it (``fr``, ``en-us``…).

    Words are separated by spaces; espeak-ng drops punctuation, so a caller that needs it (Piper
    voices are trained with it) phonemises one clause at a time and adds it back. Used by the
    neural engine, which maps these phonemes to its model's ids. Shares the synthesiser's lock:
    espeak-ng has one voice and one state per process.
    """
    lib, _ = _library()
    payload = ctypes.create_string_buffer(text.encode("utf-8"))
    parts: list[str] = []
    with _lock:
        if "phonemizer" not in _state:
            lib.espeak_TextToPhonemes.argtypes = [ctypes.POINTER(ctypes.c_void_p), ctypes.c_int, ctypes.c_int]
            lib.espeak_TextToPhonemes.restype = ctypes.c_char_p
            _state["phonemizer"] = True
        if lib.espeak_SetVoiceByName(voice_name.encode()) != 0:
            raise UnknownVoiceError(f"espeak-ng has no voice {voice_name!r} to read phonemes with")
        # espeak-ng reads one clause per call and moves the pointer on; NULL once the text is done.
        cursor = ctypes.c_void_p(ctypes.addressof(payload))
        while cursor.value:
            out = lib.espeak_TextToPhonemes(ctypes.byref(cursor), _CHARS_UTF8, _PHONEMES_IPA)
            if out:
                parts.append(out.decode("utf-8", errors="replace").strip())
    return " ".join(p for p in parts if p)
