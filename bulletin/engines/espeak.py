"""The offline engine: espeak-ng in-process, from the library and data ``espeakng-loader`` ships.

espeak-ng keeps one synthesiser per process, so calls are serialised with a lock and the
library is initialised once, on first use (never at import).
"""

from __future__ import annotations

import ctypes
import threading
from typing import Any

from ..errors import EngineError, EngineUnavailable, UnknownVoiceError
from .base import AudioChunk, Gender, Voice

_AUDIO_OUTPUT_SYNCHRONOUS = 2
_CHARS_UTF8 = 1
_RATE, _PITCH = 1, 3
_BASE_WPM = 160  # espeak-ng's 175 words per minute is brisk for news

_LANG = {"fr-FR": "fr", "fr-BE": "fr-be", "fr-CH": "fr-ch", "fr-CA": "fr"}
# Anchor first; quote voices alternate women and men, with pitches far enough apart to tell.
_VARIANTS: tuple[tuple[str, Gender, int, str], ...] = (
    ("", "m", 48, "présentateur (voix de base)"),
    ("f3", "f", 60, "femme, médium"),
    ("m3", "m", 35, "homme, grave"),
    ("f1", "f", 70, "femme, aiguë"),
    ("m7", "m", 58, "homme, clair"),
    ("f4", "f", 52, "femme, posée"),
    ("m1", "m", 42, "homme, médium"),
    ("f2", "f", 64, "femme, claire"),
    ("m6", "m", 30, "homme, très grave"),
)

_lock = threading.Lock()
_state: dict[str, Any] = {}
_CALLBACK = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.c_void_p)


def _library() -> tuple[Any, int]:
    """Load and initialise libespeak-ng once per process; return it with its sample rate."""
    if "lib" in _state:
        return _state["lib"], _state["rate"]
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

    def on_audio(wav: Any, count: int, _events: Any) -> int:
        if count > 0 and wav:
            buffers.append(ctypes.string_at(wav, count * 2))
        return 0

    callback = _CALLBACK(on_audio)
    lib.espeak_SetSynthCallback(callback)
    _state.update(
        lib=lib, rate=rate, callback=callback, buffers=buffers, version=(lib.espeak_Info(None) or b"?").decode()
    )
    return lib, rate


class EspeakEngine:
    """espeak-ng voices for French of France, Belgium and Switzerland (Canada uses France's)."""

    name = "espeak"

    @property
    def version(self) -> str:
        _library()
        return f"espeak-ng {_state['version']}"

    def voices(self, locale: str) -> tuple[Voice, ...]:
        lang = _LANG.get(locale)
        if lang is None:
            raise UnknownVoiceError(f"no espeak-ng voices for locale {locale!r}")
        out = []
        for variant, gender, pitch, label in _VARIANTS:
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
                )
            )
        return tuple(out)

    def synthesize(self, text: str, voice: Voice, rate: float = 1.0) -> AudioChunk:
        lib, sample_rate = _library()
        payload = text.encode("utf-8") + b"\0"
        with _lock:
            buffers: list[bytes] = _state["buffers"]
            buffers.clear()
            if lib.espeak_SetVoiceByName(voice.name.encode()) != 0:
                raise UnknownVoiceError(f"espeak-ng has no voice {voice.name!r}")
            lib.espeak_SetParameter(_RATE, max(80, min(450, round(_BASE_WPM * rate))), 0)
            lib.espeak_SetParameter(_PITCH, voice.pitch, 0)
            status = lib.espeak_Synth(payload, len(payload), 0, 0, 0, _CHARS_UTF8, None, None)
            data = b"".join(buffers)
            buffers.clear()
        if status != 0:
            raise EngineError(f"espeak-ng failed to speak a segment (error {status})")
        return AudioChunk(sample_rate=sample_rate, sample_width=2, channels=1, data=data)
