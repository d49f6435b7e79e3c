"""Sound, measured on the written MP3 with ffmpeg: loudness per preset, every voice against the
anchor (loudness and pitch), clip ends, and the measuring tools themselves (the pitch
estimator, K-weighting and gating), each checked on signals whose answer is known.

The articles: ``tests/data/quatre_voix.txt`` (written for this: two women and two men quoted,
with pronoun cues) always; the seed and three dev articles when ``../shared`` is present.
"""

from __future__ import annotations

import array
import audioop
import math
import random
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from bulletin.engines.base import AudioChunk
from bulletin.engines.espeak import EspeakEngine
from bulletin.ffmpeg import decode_to_pcm, ffmpeg_exe, probe
from bulletin.loudness import BLOCK_MS, block_powers, gated_loudness, k_weighting, master, measure
from bulletin.mix import to_segment, trim
from bulletin.pipeline import BulletinResult, Options, make_bulletin
from bulletin.presets import get_preset
from scripts.measure_voices import median_f0, semitones

from .conftest import SHARED
from .test_daisy import coverage

HERE = Path(__file__).resolve().parent
FOUR_VOICES = HERE / "data" / "quatre_voix.txt"
CORPUS = SHARED / "corpus"
CORPUS_ARTICLES = [
    CORPUS / "seed" / "000_75bfcc3184c6624c.txt",
    CORPUS / "dev" / "07_wikinews-fr-hamon-mise-en-examen.txt",  # two women and two men quoted
    CORPUS / "dev" / "13_wikinews-us-soldats-americains-iran.txt",
    CORPUS / "dev" / "19_wikinews-us-bud-luckey.txt",
]
ARTICLES = [pytest.param(FOUR_VOICES, id="quatre_voix")] + [
    pytest.param(p, id=p.stem[:14], marks=pytest.mark.skipif(not p.exists(), reason="../shared is not beside the repo"))
    for p in CORPUS_ARTICLES
]
F0_RATE = 16000


def pcm16(samples: np.ndarray) -> bytes:
    return np.clip(np.round(samples), -32768, 32767).astype("<i2").tobytes()


def harmonic_tone(f0: float, seconds: float, rate: int, harmonics: int = 8, amp: float = 6000.0) -> np.ndarray:
    """A voiced-speech-like tone: ``harmonics`` harmonics of ``f0`` falling as 1/k, random phases."""
    t = np.arange(round(seconds * rate)) / rate
    rng = np.random.default_rng(round(f0))
    return sum(amp / k * np.sin(2 * np.pi * f0 * k * t + rng.uniform(0, 2 * np.pi)) for k in range(1, harmonics + 1))


# --- the tools ------------------------------------------------------------------------------


@pytest.mark.parametrize("f0", [72.0, 97.0, 131.0, 223.0, 250.0])
def test_pitch_estimator_finds_the_pitch_of_a_tone(f0: float) -> None:
    rate = F0_RATE
    silence = np.zeros(rate // 2)
    noise = np.random.default_rng(0).normal(0, 300, rate // 2)  # unvoiced: must not count
    signal = np.concatenate([silence, harmonic_tone(f0, 1.5, rate), noise, harmonic_tone(f0, 0.7, rate), silence])
    found = median_f0(pcm16(signal), rate)
    assert found is not None and abs(found - f0) / f0 < 0.01, found


def test_pitch_estimator_is_not_fooled_by_a_strong_second_harmonic() -> None:
    """Octave errors are the classic failure: here the second harmonic is twice as strong as the
    fundamental, and a missing-fundamental-free estimator must still say 110 Hz, not 220."""
    rate = F0_RATE
    t = np.arange(2 * rate) / rate
    tone = sum(a * np.sin(2 * np.pi * f * t + f / 100) for f, a in ((110, 2000), (220, 4000), (330, 1500)))
    found = median_f0(pcm16(tone), rate)
    assert found is not None and abs(found - 110) < 1.5, found


def test_pitch_estimator_median_and_unvoiced() -> None:
    rate = F0_RATE
    # 60 % of the voiced time at 100 Hz, 40 % at 200 Hz: the median is 100 Hz
    two = np.concatenate([harmonic_tone(100, 1.2, rate), harmonic_tone(200, 0.8, rate)])
    found = median_f0(pcm16(two), rate)
    assert found is not None and abs(found - 100) < 1
    assert median_f0(pcm16(np.random.default_rng(1).normal(0, 3000, rate)), rate) is None
    assert median_f0(b"", rate) is None
    assert semitones(200, 100) == pytest.approx(12.0)


def kw_copy(pcm: bytes, rate: int) -> bytes:
    """PCM through our K-weighting filter chain (at half scale, as mastering writes it)."""
    import subprocess

    return subprocess.run(
        [ffmpeg_exe(), "-loglevel", "error", "-f", "s16le", "-ar", str(rate), "-ac", "1", "-i", "pipe:0",
         "-af", f"{k_weighting(rate)},volume=0.5", "-f", "s16le", "pipe:1"],
        input=pcm, capture_output=True, check=True,
    ).stdout  # fmt: skip


@pytest.mark.parametrize("rate", [44100, 48000])
def test_k_weighted_gated_loudness_agrees_with_ffmpegs_meter(rate: int) -> None:
    """Our BS.1770 (biquads + 100 ms blocks + gating) against ffmpeg's ebur128, on sines whose
    K-weighting differs (the shelf lifts 5 kHz by about 4 dB) and on real speech with pauses."""
    step = 2 * round(rate * BLOCK_MS / 1000)
    t = np.arange(3 * rate) / rate
    for f, amp in ((100, 12000), (1000, 8000), (5000, 3000)):
        pcm = pcm16(amp * np.sin(2 * np.pi * f * t))
        kw = kw_copy(pcm, rate)
        ours = gated_loudness(block_powers(kw, 0, len(kw), step))
        assert ours is not None and abs(ours - measure(pcm, rate, true_peak=False).integrated) <= 0.1, f
    # 1 kHz at full scale is -3.01 LUFS by definition; here at 8000/32768
    full = gated_loudness(block_powers(kw_copy(pcm16(8000 * np.sin(2 * np.pi * 1000 * t)), rate), 0, 10**9, step))
    assert full == pytest.approx(-3.01 + 20 * math.log10(8000 / 32768), abs=0.1)
    eng = EspeakEngine()
    chunk = eng.synthesize("Bonjour à tous. Voici les nouvelles de la matinée, avec une pause.", eng.voices("fr-FR")[0])
    speech = audioop.ratecv(chunk.data, 2, 1, chunk.sample_rate, rate, None)[0]
    speech = bytes(rate) + speech + bytes(rate) + speech  # pauses must be gated out
    kw = kw_copy(speech, rate)
    ours = gated_loudness(block_powers(kw, 0, len(kw), step))
    assert ours is not None and abs(ours - measure(speech, rate, true_peak=False).integrated) <= 0.1


def test_gating_ignores_silence() -> None:
    assert gated_loudness([]) is None
    assert gated_loudness([0.0] * 20) is None
    assert gated_loudness([1e-3] * 10) == pytest.approx(-0.691 - 30)
    # 400 ms blocks overlap by 300 ms: the three that run into the silence hold 3/4, 1/2 and 1/4
    # of the sound and pass the gates; the silent ones do not, however many there are.
    framed = -0.691 + 10 * math.log10((7 + 0.75 + 0.5 + 0.25) / 10 * 1e-3)
    assert gated_loudness([1e-3] * 10 + [0.0] * 30) == pytest.approx(framed)
    assert gated_loudness([1e-3] * 10 + [0.0] * 300) == pytest.approx(framed)
    # the relative gate: a whisper 20 dB down among speech is left out of the mean
    assert gated_loudness([1e-3] * 40 + [1e-5] * 40) == pytest.approx(gated_loudness([1e-3] * 40), abs=0.3)


# --- softer clip ends ---------------------------------------------------------------------------


def end_drop_db(data: bytes, rate: int) -> float:
    """Peak of a clip's last 2 ms of sound against its peak 30-60 ms before the end (dB): about 0
    when the clip stops on a cut, far below when it fades out. Peaks, not RMS, so that the
    gaps between a low voice's glottal pulses do not pass for a fade."""
    samples = array.array("h", data)
    end = 1 + max(i for i, s in enumerate(samples) if abs(s) > 30)  # where the sound stops
    ms = rate // 1000
    tail = audioop.max(data[2 * (end - 2 * ms) : 2 * end], 2)
    before = audioop.max(data[2 * (end - 60 * ms) : 2 * (end - 30 * ms)], 2)
    return 20 * math.log10(max(tail, 1) / before)


SENTENCES = [
    "Les travaux dureront tout l'été.",
    "Il faudra beaucoup de patience, car les entreprises manquent de bras.",
    "Nous reviendrons compter les arbres un par un.",
    "Bonjour à tous",
]


def test_clips_end_on_a_fade_not_a_cut() -> None:
    eng = EspeakEngine()
    rate = 22050
    raw_ends, trimmed_ends = [], []
    for voice in eng.voices("fr-FR"):
        for text in SENTENCES:
            chunk = eng.synthesize(text, voice)
            raw_ends.append(end_drop_db(chunk.data, chunk.sample_rate))
            clip = trim(to_segment(chunk, rate))
            trimmed_ends.append(end_drop_db(clip.raw_data, rate))
    assert max(raw_ends) > -8  # espeak-ng does stop on a cut: the measure can tell
    assert max(trimmed_ends) < -14, sorted(trimmed_ends)[-3:]


# --- mastering on synthetic clips -------------------------------------------------------------


def test_master_levels_clips_of_different_level_and_crest(tmp_path: Path) -> None:
    """Three clips 12 dB apart, one of them a low, peaky buzz (like a deep male voice): after
    mastering to the podcast target, each measures within 0.5 LU of the others in the MP3, the
    whole file meets the target, and no scratch file is left behind."""
    rate = 22050
    rng = random.Random(3)
    noise = np.array([rng.gauss(0, 1) for _ in range(2 * rate)])
    buzz = harmonic_tone(70, 2.0, rate, harmonics=40, amp=1.0)
    tone = harmonic_tone(220, 2.0, rate)
    clips = [c / c.std() * 32768 * rms for c, rms in ((noise, 0.02), (buzz, 0.08), (tone, 0.05))]
    gap = np.zeros(rate // 2)
    pieces, spans, t = [gap], [], 500
    for c in clips:
        pieces += [c, gap]
        spans.append((t, t + 2000))
        t += 2500
    pcm_path = tmp_path / "raw.pcm"
    pcm_path.write_bytes(pcm16(np.concatenate(pieces)))
    preset = get_preset("podcast")
    out = tmp_path / "out.mp3"
    master(pcm_path, rate, spans, preset.target, out, bitrate=preset.bitrate, out_rate=preset.sample_rate)
    whole = measure(out)
    assert abs(whole.integrated - preset.target.integrated) <= 0.3 and whole.true_peak <= -1.0
    decoded = decode_to_pcm(out, preset.sample_rate)
    per_clip = [
        measure(decoded[2 * round(a * 44.1) : 2 * round(b * 44.1)], preset.sample_rate, true_peak=False).integrated
        for a, b in spans
    ]
    assert max(per_clip) - min(per_clip) <= 0.5, per_clip
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.mp3", "raw.pcm"]


# --- the written bulletins ------------------------------------------------------------------------


def voice_audio(result: BulletinResult, rate: int) -> dict[str, bytes]:
    """Each voice's sentences cut out of the decoded MP3 with the timeline's placements."""
    pcm = decode_to_pcm(result.path, rate)
    out: dict[str, list[bytes]] = {}
    for p in result.timeline.placements:
        for q in p.parts:
            a, b = (2 * round(ms * rate / 1000) for ms in (q.start_ms, q.end_ms))
            out.setdefault(p.segment.voice, []).append(pcm[a:b])
    return {voice: b"".join(parts) for voice, parts in out.items()}


Rendered = Callable[[Path, str], BulletinResult]


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> Rendered:
    made: dict[tuple[Path, str], BulletinResult] = {}

    def render(article: Path, preset: str) -> BulletinResult:
        if (article, preset) not in made:
            out = tmp_path_factory.mktemp(preset) / f"{article.stem}.mp3"
            options = Options(engine="espeak", preset=preset, outputs="mp3,daisy")
            made[(article, preset)] = make_bulletin(article, out, options)
        return made[(article, preset)]

    return render


@pytest.mark.parametrize("preset", ["podcast", "broadcast"])
@pytest.mark.parametrize("article", ARTICLES)
def test_written_mp3_meets_loudness_voices_pitch_and_daisy(rendered: Rendered, article: Path, preset: str) -> None:
    result = rendered(article, preset)
    target = get_preset(preset).target
    info = probe(result.path)
    assert info.codec == "mp3" and info.sample_rate == get_preset(preset).sample_rate and "mono" in info.report
    assert f"{get_preset(preset).bitrate[:-1]} kb/s" in info.report
    whole = measure(result.path)
    assert abs(whole.integrated - target.integrated) <= 0.3, whole
    assert whole.true_peak <= -1.0, whole

    anchor = EspeakEngine().voices("fr-FR")[0].id
    quote_voices = {s.voice for s in result.script.segments if s.kind == "quote"}
    assert quote_voices and anchor not in quote_voices
    rate = info.sample_rate or 44100
    loud = {v: measure(a, rate, true_peak=False).integrated for v, a in voice_audio(result, rate).items()}
    for voice in quote_voices:
        assert abs(loud[voice] - loud[anchor]) <= 1.0, (voice, loud)

    audio = voice_audio(result, F0_RATE)
    anchor_f0 = median_f0(audio[anchor], F0_RATE)
    assert anchor_f0 is not None and 80 < anchor_f0 < 120
    for voice in quote_voices:
        f0 = median_f0(audio[voice], F0_RATE)
        assert f0 is not None and abs(semitones(f0, anchor_f0)) >= 2.0, (voice, f0, anchor_f0)

    assert coverage(result.path.with_suffix(".daisy")) >= 0.99


def test_four_voice_sample_uses_several_quote_voices(rendered: Rendered) -> None:
    """The sample must exercise what the test above checks: women's and men's voices at once."""
    result = rendered(FOUR_VOICES, "podcast")
    voices = {s.voice for s in result.script.segments if s.kind == "quote"}
    assert len(voices) >= 3, voices
    assert {result.script.voices[v].gender for v in voices} == {"f", "m"}


# --- the voice tables -------------------------------------------------------------------------------


@pytest.mark.parametrize("locale", ["fr-FR", "fr-BE", "fr-CH"])
def test_espeak_voice_table_is_measured_and_distinct(locale: str) -> None:
    """Every espeak voice's recorded F0 is what it speaks at (within 1 semitone, on a text that
    is not the one it was measured on), and every quote voice is at least 2 semitones from the
    anchor; at least 3 women and 3 men besides the anchor."""
    eng = EspeakEngine()
    voices = eng.voices(locale)
    quote = voices[1:]
    assert sum(v.gender == "f" for v in quote) >= 3 and sum(v.gender == "m" for v in quote) >= 3
    text = ("Le conseil communal s'est réuni hier soir pour voter le budget. Les débats ont duré trois "
            "heures, et plusieurs habitants sont venus écouter les élus.")  # fmt: skip
    anchor_f0 = voices[0].f0_hz
    assert anchor_f0
    for v in voices:
        assert v.f0_hz, v.id
        if v is not voices[0]:
            assert abs(semitones(v.f0_hz, anchor_f0)) >= 2.0, v.id
        chunk = eng.synthesize(text, v)
        pcm = audioop.ratecv(chunk.data, 2, 1, chunk.sample_rate, F0_RATE, None)[0]
        spoken = median_f0(pcm, F0_RATE)
        assert spoken is not None and abs(semitones(spoken, v.f0_hz)) <= 1.0, (v.id, spoken, v.f0_hz)


@pytest.mark.parametrize("locale", ["fr-FR", "fr-CA"])
def test_gtts_voices_have_genders_and_distinct_pitches(locale: str) -> None:
    from bulletin.engines.gtts import GttsEngine

    voices = GttsEngine(endpoint="http://127.0.0.1:9").voices(locale)
    anchor, quote = voices[0], voices[1:]
    assert anchor.pitch == 0 and anchor.name == ("ca" if locale == "fr-CA" else "fr")
    assert sum(v.gender == "f" for v in quote) >= 3 and sum(v.gender == "m" for v in quote) >= 3
    assert all(abs(v.pitch) >= 2 for v in quote)  # semitones from the anchor's voice
    # men are the voice shifted well down, women are not: the genders do not meet
    assert max(v.pitch for v in quote if v.gender == "m") <= min(v.pitch for v in quote if v.gender == "f") - 3
    assert len({v.id for v in voices}) == len(voices)


def test_gtts_pitch_shift_lands_where_the_table_says() -> None:
    """Through the real engine and a local server (espeak audio in gTTS's format): a man's voice
    comes out its table's semitones under the anchor, measured on the audio."""
    from bulletin.engines.base import EngineConfig
    from bulletin.engines.gtts import GttsEngine
    from bulletin.engines.ratelimit import ThreadRateLimiter

    from .gtts_server import GttsServer

    text = "Le conseil communal s'est réuni hier soir pour voter le budget de l'année prochaine."
    with GttsServer() as srv:
        eng = GttsEngine(EngineConfig(limiter=ThreadRateLimiter(0.0)), endpoint=srv.url, retries=1, backoff=0.01)
        voices = eng.voices("fr-FR")
        man = next(v for v in voices if v.gender == "m")
        found = {}
        for v in (voices[0], man):
            chunk: AudioChunk = eng.synthesize(text, v)
            found[v.id] = median_f0(audioop.ratecv(chunk.data, 2, 1, chunk.sample_rate, F0_RATE, None)[0], F0_RATE)
    a, m = found[voices[0].id], found[man.id]
    assert a and m and abs(semitones(m, a) - man.pitch) <= 0.7, (a, m, man.pitch)

