"""A natural offline voice: Piper-format neural voices (ONNX VITS models) run with onnxruntime.

From text to audio, for each sentence:

1. the text is cut into clauses at punctuation followed by a space; each clause is phonemised
   by espeak-ng (the library :mod:`.espeak` already loads) in the voice's espeak language, as
   IPA, and its punctuation put back (espeak-ng drops it; the voices were trained with it);
2. the phonemes are decomposed (NFD) and each code point mapped through the config's
   ``phoneme_id_map``: start ``^``, then every phoneme followed by the pad ``_``, then end ``$``;
   phonemes the map does not know are dropped;
3. the model runs on ``input`` (int64 [1, N]), ``input_lengths`` (int64 [1]) and ``scales``
   (float32 [noise_scale, length_scale, noise_w]), plus ``sid`` (int64 [1]) for multi-speaker
   models; its one output is float32 audio at the config's sample rate.

Sentences are joined with a short pause and returned as 16-bit PCM. The speaking rate divides
the config's ``length_scale``. Language spans (``⟦en|Bud Luckey⟧``) are read as words in the
voice's own language: a voice trained on French alone has never learnt English phonemes, so
espeak-ng's English IPA would come out garbled rather than English.

Nothing is loaded at import: onnxruntime is imported, and each model's session built, on first
use, under a lock. Install with ``pip install "bulletin[neural]"``; voices with
``bulletin voices --install NAME`` (see :mod:`.piper_voices`).
"""

from __future__ import annotations

import contextlib
import hashlib
import re
import threading
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ..errors import EngineError, EngineUnavailable, UnknownVoiceError
from ..normalize.markup import strip_markup
from .base import AudioChunk, EngineConfig, Voice
from .piper_voices import SUGGESTED, InstalledVoice, PiperConfig, Speaker, find_voices, voices_folder

NEED_ONNXRUNTIME = 'the piper engine needs onnxruntime: pip install "bulletin[neural]"'
LOCALES = ("fr-FR", "fr-BE", "fr-CH", "fr-CA")
PAD, BOS, EOS = "_", "^", "$"
SENTENCE_PAUSE_S = 0.25
"""Silence between two sentences of one clip (at rate 1): the model ends each sentence
abruptly, and a reader breathes there."""
_QUOTES = re.compile(r"[«»“”„\"]")
# Punctuation followed by a space (or the end) closes a clause; "3,5" does not.
_CLAUSE_END = re.compile(r"([.!?…;:,]+)(?=\s|$)")
_LANGUAGE_FLAG = re.compile(r"\([a-z]{2,3}(?:-[a-z0-9]+)?\)")  # espeak-ng's "(en)…(fr)" switches


def _punctuation(mark: str) -> str:
    """The one punctuation phoneme a run of marks stands for (``?!`` → ``?``, ``…`` → ``.``)."""
    for strongest in "?!.;:,":
        if strongest in mark or (strongest == "." and "…" in mark):
            return strongest
    return ""


def clauses(text: str) -> list[tuple[str, str]]:
    """``"Oui, demain. Vraiment ?"`` → ``[("Oui", ","), ("demain", "."), ("Vraiment", "?")]``:
    each clause with the punctuation that closes it (empty at the end of text without any)."""
    parts = _CLAUSE_END.split(_QUOTES.sub(" ", strip_markup(text)))
    out = []
    for i in range(0, len(parts), 2):
        words = parts[i].strip()
        mark = _punctuation(parts[i + 1]) if i + 1 < len(parts) else ""
        if words or mark:
            out.append((words, mark))
    return out


def sentence_phonemes(text: str, config: PiperConfig) -> list[str]:
    """The phonemes of each sentence of ``text``, punctuation included, as the voice reads it."""
    from .espeak import phonemize

    sentences: list[str] = []
    current: list[str] = []
    for words, mark in clauses(text):
        if config.phoneme_type == "text":
            spoken = words
        else:
            spoken = _LANGUAGE_FLAG.sub("", phonemize(words, config.espeak_voice)).strip()
        if spoken:
            current.append(spoken + mark)
        if mark in ".?!" and current:
            sentences.append(" ".join(current))
            current = []
    if current:
        sentences.append(" ".join(current))
    return sentences


def phoneme_ids(phonemes: str, id_map: Mapping[str, Sequence[int]],
                phoneme_map: Mapping[str, Sequence[str]] | None = None) -> list[int]:  # fmt: skip
    """Model ids for a phoneme string: ``^ _ p1 _ p2 _ … pn _ $``; unknown phonemes are dropped."""
    ids = [*id_map[BOS], *id_map[PAD]]
    for char in unicodedata.normalize("NFD", phonemes):
        for phoneme in (phoneme_map or {}).get(char, (char,)):
            if phoneme in id_map:
                ids += id_map[phoneme]
                ids += id_map[PAD]
    ids += id_map[EOS]
    return ids


@dataclass(frozen=True)
class Utterance:
    """One model run: a sentence's ids, the speaker and the scales."""

    ids: tuple[int, ...]
    speaker: int | None
    """``sid`` for multi-speaker models, None otherwise."""
    scales: tuple[float, float, float]
    """noise_scale, length_scale (already divided by the rate), noise_w."""


def voice_name(installed: InstalledVoice, speaker: Speaker) -> str:
    """``fr_FR-siwis-medium``, or ``fr_FR-upmc-medium:jessica`` for one speaker of a model."""
    return f"{installed.name}:{speaker.name}" if installed.multi_speaker else installed.name


class PiperEngine:
    """Piper voices from the voices folder (``--voices-dir``; default the user data folder)."""

    name = "piper"

    def __init__(self, config: EngineConfig | None = None) -> None:
        self.folder = voices_folder((config or EngineConfig()).voices_dir)
        self._lock = threading.Lock()
        self._installed: tuple[InstalledVoice, ...] | None = None
        self._sessions: dict[str, Any] = {}
        self._stamp: str | None = None

    # --- what is there -------------------------------------------------------------------

    def installed(self) -> tuple[InstalledVoice, ...]:
        """The voices in the folder, best first (read once per engine)."""
        with self._lock:
            return self._scan()

    def _scan(self) -> tuple[InstalledVoice, ...]:
        if self._installed is None:
            self._installed = find_voices(self.folder)[0]
        return self._installed

    def french(self, locale: str) -> list[InstalledVoice]:
        """French voices for ``locale``: those of that very locale first, then the others."""
        mine = [v for v in self.installed() if v.family == "fr"]
        return [v for v in mine if v.locale == locale] + [v for v in mine if v.locale != locale]

    @staticmethod
    def _ort() -> Any:
        try:
            import onnxruntime
        except ImportError as exc:
            raise EngineUnavailable(NEED_ONNXRUNTIME) from exc
        return onnxruntime

    @property
    def version(self) -> str:
        from .espeak import EspeakEngine

        ort = self._ort()
        with self._lock:
            if self._stamp is None:
                # The models are part of what a clip sounds like: a re-installed or replaced voice
                # must not be served from clips the old one made (the version is in every cache key).
                digest = hashlib.sha256()
                for v in self._scan():
                    with contextlib.suppress(OSError):  # a voice deleted since: its clips are not served
                        st = v.model.stat()
                        digest.update(f"{v.name}:{st.st_size}:{st.st_mtime_ns};".encode())
                self._stamp = digest.hexdigest()[:12]
            stamp = self._stamp
        return f"onnxruntime {ort.__version__}, {EspeakEngine().version}, voices {stamp}"

    @property
    def parallel(self) -> int:
        return 1  # onnxruntime already spreads one run over the cores; espeak-ng is one per process

    def voices(self, locale: str) -> tuple[Voice, ...]:
        if locale not in LOCALES:
            raise UnknownVoiceError(f"no Piper voices for locale {locale!r}")
        self._ort()
        found = self.french(locale)
        if not found:
            raise EngineUnavailable(
                f"no French Piper voice in {self.folder}; install one with 'bulletin voices --install {SUGGESTED}'"
            )
        out = []
        for inst in found:
            for sp in inst.speakers:
                name = voice_name(inst, sp)
                who = f", speaker {sp.name}" if inst.multi_speaker else ""
                label = f"Piper {inst.config.language} {inst.config.quality or ''}{who}, {inst.config.sample_rate} Hz"
                out.append(Voice(id=f"piper:{name}", engine=self.name, name=name, locale=locale, gender=sp.gender,
                                 label=" ".join(label.split())))  # fmt: skip
        return tuple(out)

    def reachable(self) -> bool:
        try:  # the folder first: no voice installed costs no onnxruntime import
            return bool(self.french("fr-FR")) and self._ort() is not None
        except Exception:  # never raises: no onnxruntime, or an unreadable folder, is no voice
            return False

    # --- speaking ------------------------------------------------------------------------

    def _find(self, voice: Voice) -> tuple[InstalledVoice, Speaker]:
        for inst in self.installed():
            for sp in inst.speakers:
                if voice.engine == self.name and voice_name(inst, sp) == voice.name:
                    return inst, sp
        raise UnknownVoiceError(f"no Piper voice {voice.name!r} in {self.folder}")

    def _session(self, inst: InstalledVoice) -> Any:
        ort = self._ort()
        key = str(inst.model)
        with self._lock:  # one session per model, built once whichever thread asks first
            if key not in self._sessions:
                options = ort.SessionOptions()
                options.log_severity_level = 3  # onnxruntime's warnings are not the user's business
                try:
                    self._sessions[key] = ort.InferenceSession(key, options, providers=["CPUExecutionProvider"])
                except Exception as exc:  # onnxruntime raises its own types for bad or truncated models
                    raise EngineError(f"cannot load the Piper voice {inst.name}: {exc}".splitlines()[0]) from exc
            return self._sessions[key]

    def utterances(self, text: str, voice: Voice, rate: float = 1.0) -> tuple[InstalledVoice, list[Utterance]]:
        """What the model will be asked, sentence by sentence (the engine's own work)."""
        inst, sp = self._find(voice)
        cfg = inst.config
        scales = (cfg.noise_scale, cfg.length_scale / max(rate, 0.1), cfg.noise_w)
        speaker = sp.id if inst.multi_speaker else None
        return inst, [
            Utterance(tuple(phoneme_ids(ph, cfg.phoneme_id_map, cfg.phoneme_map)), speaker, scales)
            for ph in sentence_phonemes(text, cfg)
        ]

    def run(self, inst: InstalledVoice, utt: Utterance) -> Any:
        """The model's audio for one utterance, float32 samples."""
        import numpy as np

        session = self._session(inst)
        wanted = {i.name for i in session.get_inputs()}
        feed = {
            "input": np.array([utt.ids], dtype=np.int64),
            "input_lengths": np.array([len(utt.ids)], dtype=np.int64),
            "scales": np.array(utt.scales, dtype=np.float32),
        }
        if "sid" in wanted:
            feed["sid"] = np.array([utt.speaker or 0], dtype=np.int64)
        try:
            out = session.run(None, {k: v for k, v in feed.items() if k in wanted})
        except Exception as exc:  # onnxruntime's own error types; an interrupt is not an Exception
            raise EngineError(f"the Piper voice {inst.name} failed: {exc}".splitlines()[0]) from exc
        return np.asarray(out[0], dtype=np.float32).reshape(-1)

    def synthesize(self, text: str, voice: Voice, rate: float = 1.0) -> AudioChunk:
        import numpy as np

        inst, utts = self.utterances(text, voice, rate)
        pause = np.zeros(round(inst.config.sample_rate * SENTENCE_PAUSE_S / max(rate, 0.1)), dtype=np.float32)
        pieces: list[Any] = []
        for utt in utts:
            if pieces:
                pieces.append(pause)
            pieces.append(self.run(inst, utt))
        audio = np.concatenate(pieces) if pieces else np.zeros(0, dtype=np.float32)
        peak = float(np.max(np.abs(audio))) if audio.size else 0.0
        if peak > 1.0:  # the pipeline levels every clip; only clipping has to be avoided here
            audio = audio / peak
        pcm = (np.clip(audio, -1.0, 1.0) * 32767.0).round().astype("<i2").tobytes()
        return AudioChunk(inst.config.sample_rate, 2, 1, pcm, engine=self.name)
