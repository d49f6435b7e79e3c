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

The voices: every French model in the folder and every speaker of a multi-speaker model form
one pool (:meth:`PiperEngine.voices`): the anchor (:func:`choose_anchor`), the other installed
voices, then espeak-ng's voices of the locale lent as stand-ins (``piper:espeak:fr+f3``), which
casting gives only when the natural voices of a speaker's gender are taken, so that no quote is
read in the anchor's voice. Each voice's gender comes from the data file of known hub voices,
the model card, or its measured calibration F0 (:mod:`.calibration`), stored beside the model.

Nothing is loaded at import: onnxruntime is imported, and each model's session built, on first
use, under a lock; one session per model file serves all its speakers. In a batch worker
process, onnxruntime gets that process's share of the cores (:func:`intra_op_threads`). Install
with ``pip install "bulletin[neural]"``; voices with ``bulletin voices --install fr`` (a cast)
or ``--install NAME`` (see :mod:`.piper_voices`).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import threading
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from ..errors import EngineError, EngineUnavailable, UnknownVoiceError
from ..normalize.markup import strip_markup
from .base import AudioChunk, EngineConfig, Voice, find_voice
from .piper_voices import (
    SUGGESTED,
    InstalledVoice,
    PiperConfig,
    Speaker,
    find_voices,
    read_profile,
    voices_folder,
    write_profile,
)

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


STAND_IN_PREFIX = "espeak:"
"""Names of the espeak-ng voices the engine lends for quotes (``piper:espeak:fr+f3``)."""
INSTALL_CAST = "bulletin voices --install fr"


def choose_anchor(voices: Sequence[Voice], wanted: str | None = None) -> Voice:
    """The anchor among the installed voices (best first, see :func:`.piper_voices.rank`).

    ``wanted`` (``--anchor-voice``, an id or a name) wins. Otherwise the anchor comes from the
    gender that has the most voices, the best-ranked of them, so that the quotes keep as many
    voices of each gender as possible (tom among siwis, tom, gilles, jessica and pierre leaves
    two women and two men for quotes); with as many of each, the best-ranked voice overall.
    """
    if wanted:
        return find_voice(voices, wanted)
    women = [v for v in voices if v.gender == "f"]
    men = [v for v in voices if v.gender == "m"]
    if len(women) != len(men):
        return (women if len(women) > len(men) else men)[0]
    return voices[0]


def intra_op_threads(workers: int | None, cpus: int | None = None, in_worker: bool | None = None) -> int:
    """onnxruntime's intra-op threads: 0 (its default, every core) in a process of its own
    (``make``, ``script``, the studio); in a batch worker process, its share of the cores,
    ``max(1, cores // workers)`` (``--workers``, default one per core), so N workers do not
    each start a thread per core and fight over them."""
    import multiprocessing

    cpus = cpus or os.cpu_count() or 1
    if in_worker is None:
        in_worker = multiprocessing.parent_process() is not None
    if not in_worker:
        return 0
    return max(1, cpus // (workers or cpus))


class PiperEngine:
    """Piper voices from the voices folder (``--voices-dir``; default the user data folder).

    Every French model in the folder, and every speaker of a multi-speaker model, is one voice
    of a single pool: the anchor and the quote voices may come from different models. Each
    model's onnxruntime session is built once, on first use, and serves all its speakers.
    """

    name = "piper"

    def __init__(self, config: EngineConfig | None = None) -> None:
        config = config or EngineConfig()
        self.folder = voices_folder(config.voices_dir)
        self.anchor_voice = config.anchor_voice
        self.threads = intra_op_threads(config.workers)
        self._lock = threading.Lock()
        self._profile_lock = threading.Lock()
        self._installed: tuple[InstalledVoice, ...] | None = None
        self._profiled: dict[str, InstalledVoice] = {}
        self._sessions: dict[str, Any] = {}
        self._stamp: str | None = None
        self.loads = 0
        """Sessions built so far (one per model file, however many speakers it serves)."""

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

    def profiled(self, inst: InstalledVoice) -> InstalledVoice:
        """``inst`` with every speaker's calibration F0, and a measured gender for speakers the
        data file and the card leave open: read from beside the model, else measured now (once
        per voice; stored for the next runs). A voice that cannot be run keeps no F0."""
        from .calibration import gender_of

        with self._profile_lock:
            done = self._profiled.get(inst.name)
            if done is not None:
                return done
            stored = read_profile(inst)
            speakers = []
            measured = False
            for sp in inst.speakers:
                if sp.name in stored:
                    f0 = stored[sp.name]
                else:
                    f0, measured = self._measure(inst, sp), True
                if sp.gender is None and gender_of(f0) is not None:
                    sp = replace(sp, gender=gender_of(f0), gender_source="measured")
                speakers.append(replace(sp, f0_hz=f0))
            done = replace(inst, speakers=tuple(speakers))
            if measured and any(sp.f0_hz is not None for sp in speakers):
                write_profile(done)
            self._profiled[inst.name] = done
            return done

    def _measure(self, inst: InstalledVoice, sp: Speaker) -> float | None:
        from .calibration import CALIBRATION_SENTENCE, median_f0

        try:
            chunk = self._speak(inst, sp, CALIBRATION_SENTENCE, 1.0)
        except EngineError:
            return None  # a model that cannot run fails again, with its own message, when it speaks
        return median_f0(chunk.data, chunk.sample_rate)

    def natural(self, locale: str) -> list[Voice]:
        """The installed voices for ``locale`` as voices, best first, each measured."""
        out = []
        for inst in self.french(locale):
            inst = self.profiled(inst)
            for sp in inst.speakers:
                name = voice_name(inst, sp)
                who = f", speaker {sp.name}" if inst.multi_speaker else ""
                source = {"card": ", gender from card", "measured": ", gender measured"}.get(sp.gender_source or "", "")
                label = f"Piper {inst.config.language} {inst.config.quality or ''}{who}, {inst.config.sample_rate} Hz"
                out.append(Voice(id=f"piper:{name}", engine=self.name, name=name, locale=locale, gender=sp.gender,
                                 label=" ".join(label.split()) + source, f0_hz=sp.f0_hz))  # fmt: skip
        return out

    def voices(self, locale: str) -> tuple[Voice, ...]:
        """The anchor (:func:`choose_anchor`), the other installed voices, then espeak-ng's
        voices of the locale as stand-ins: casting gives them only once the natural voices of a
        speaker's gender are taken, so that no quote is ever read in the anchor's voice."""
        if locale not in LOCALES:
            raise UnknownVoiceError(f"no Piper voices for locale {locale!r}")
        self._ort()
        found = self.natural(locale)
        if not found:
            raise EngineUnavailable(
                f"no French Piper voice in {self.folder}; install one with 'bulletin voices --install {SUGGESTED}'"
            )
        anchor = choose_anchor(found, self.anchor_voice)
        return (anchor, *[v for v in found if v.id != anchor.id], *self.stand_ins(locale, len(found)))

    def stand_ins(self, locale: str, natural: int) -> list[Voice]:
        from .espeak import EspeakEngine

        note = (f"only {natural} French Piper voice{'s' if natural != 1 else ''} installed, so some quotes are "
                f"read by espeak-ng; install a French cast with '{INSTALL_CAST}'")  # fmt: skip
        return [Voice(id=f"piper:{STAND_IN_PREFIX}{v.name}", engine=self.name, name=STAND_IN_PREFIX + v.name,
                      locale=locale, gender=v.gender, pitch=v.pitch, label=f"espeak-ng stand-in, {v.label}",
                      f0_hz=v.f0_hz, stand_in=note)
                for v in EspeakEngine().voices(locale)]  # fmt: skip

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
                options.intra_op_num_threads = self.threads
                try:
                    self._sessions[key] = ort.InferenceSession(key, options, providers=["CPUExecutionProvider"])
                except Exception as exc:  # onnxruntime raises its own types for bad or truncated models
                    raise EngineError(f"cannot load the Piper voice {inst.name}: {exc}".splitlines()[0]) from exc
                self.loads += 1
            return self._sessions[key]

    def utterances(self, text: str, voice: Voice, rate: float = 1.0) -> tuple[InstalledVoice, list[Utterance]]:
        """What the model will be asked, sentence by sentence (the engine's own work)."""
        inst, sp = self._find(voice)
        return inst, self._utterances(inst, sp, text, rate)

    @staticmethod
    def _utterances(inst: InstalledVoice, sp: Speaker, text: str, rate: float) -> list[Utterance]:
        cfg = inst.config
        scales = (cfg.noise_scale, cfg.length_scale / max(rate, 0.1), cfg.noise_w)
        speaker = sp.id if inst.multi_speaker else None
        return [
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
        if voice.engine == self.name and voice.name.startswith(STAND_IN_PREFIX):
            return self._stand_in(text, voice, rate)
        inst, sp = self._find(voice)
        return self._speak(inst, sp, text, rate)

    def _stand_in(self, text: str, voice: Voice, rate: float) -> AudioChunk:
        """A lent espeak-ng voice. The clip is this engine's (cached under its key, counted as
        its clip): the voice id, ``piper:espeak:…``, says who spoke."""
        from .espeak import EspeakEngine

        espeak = EspeakEngine()
        lent = find_voice(espeak.voices(voice.locale), voice.name[len(STAND_IN_PREFIX):])
        return replace(espeak.synthesize(text, lent, rate), engine=self.name)

    def _speak(self, inst: InstalledVoice, sp: Speaker, text: str, rate: float) -> AudioChunk:
        import numpy as np

        utts = self._utterances(inst, sp, text, rate)
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
