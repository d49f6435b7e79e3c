#!/usr/bin/env python3
"""Speed of a Piper voice through bulletin's piper engine: real-time factor and the engine's own
overhead per clip.

    python scripts/bench_piper.py ~/.local/share/bulletin/voices/fr_FR-siwis-medium.onnx
    python scripts/bench_piper.py VOICE.onnx --clips 40 --speaker pierre --article ARTICLE.txt

The clips are the spoken segments of an article (the shared seed article when it is beside the
repository, else the sample shipped in bulletin/samples), normalised as a bulletin would be.
For each clip:

- total: ``synthesize()`` from text to 16-bit PCM, as the pipeline calls it;
- model: the time spent inside the onnxruntime runs of that same call;
- overhead = total - model: phonemisation by espeak-ng, id mapping, joining and conversion to
  16-bit PCM (phonemes + ids are also timed on their own).

Real-time factor = total synthesis time / audio duration (below 1 is faster than real time).
Start-up (onnxruntime session, espeak-ng) is paid once per run and reported apart.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bulletin.article import read_article  # noqa: E402
from bulletin.engines.base import EngineConfig  # noqa: E402
from bulletin.engines.piper import PiperEngine  # noqa: E402
from bulletin.pipeline import Options, make_script  # noqa: E402

SEED = ROOT.parent / "shared" / "corpus" / "seed" / "000_75bfcc3184c6624c.txt"
SAMPLE = ROOT / "bulletin" / "samples" / "exemple.txt"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("voice", type=Path, help="the voice's .onnx file (its .onnx.json beside it)")
    ap.add_argument("--article", type=Path, default=SEED if SEED.exists() else SAMPLE)
    ap.add_argument("--clips", type=int, default=30, help="at most this many clips (default 30)")
    ap.add_argument("--speaker", default=None, help="speaker of a multi-speaker model (default: the first)")
    ap.add_argument("--json", type=Path, default=None, help="also write the figures here")
    args = ap.parse_args()

    model = args.voice.expanduser().resolve()
    engine = PiperEngine(EngineConfig(voices_dir=model.parent))
    stem = model.name.removesuffix(".onnx")
    measured_before = (model.parent / f"{stem}.voice.json").exists()
    t0 = time.perf_counter()
    # Listing the voices measures each one's calibration F0 the first time (then it is stored):
    # this builds the sessions and starts espeak-ng, so it is timed as start-up.
    voices = [v for v in engine.voices("fr-FR") if v.name.split(":")[0] == stem]
    listing = time.perf_counter() - t0
    if args.speaker:
        voices = [v for v in voices if v.name.endswith(f":{args.speaker}")]
    if not voices:
        print(f"no usable voice {stem!r} (speaker {args.speaker}) in {model.parent}", file=sys.stderr)
        return 1
    voice = voices[0]

    script = make_script(read_article(args.article), Options(engine="espeak"))
    texts = [s.spoken for s in script.segments if s.spoken.strip()][: args.clips]

    t0 = time.perf_counter()
    inst, _ = engine.utterances(texts[0], voice)  # espeak-ng starts here (if the listing did not)
    engine._session(inst)  # the onnxruntime session: once per model file and run
    startup = listing + time.perf_counter() - t0

    # Time the model runs inside each synthesize() call itself, so that the overhead is measured
    # on the same call (two separate runs of a VITS model differ: its durations are sampled).
    in_model = [0.0]
    real_run = engine.run

    def timed_run(inst: Any, utt: Any) -> Any:
        t = time.perf_counter()
        try:
            return real_run(inst, utt)
        finally:
            in_model[0] += time.perf_counter() - t

    engine.run = timed_run  # type: ignore[method-assign]
    rows = []
    for text in texts:
        in_model[0] = 0.0
        t0 = time.perf_counter()
        chunk = engine.synthesize(text, voice)
        total = time.perf_counter() - t0
        model_s = in_model[0]
        t0 = time.perf_counter()
        engine.utterances(text, voice)
        prepare = time.perf_counter() - t0
        rows.append({"chars": len(text), "audio_s": chunk.duration_ms / 1000, "total_s": total,
                     "prepare_s": prepare, "model_s": model_s, "overhead_s": total - model_s})  # fmt: skip

    audio = sum(r["audio_s"] for r in rows)
    synth = sum(r["total_s"] for r in rows)
    figures = {
        "voice": voice.id,
        "clips": len(rows),
        "audio_s": round(audio, 2),
        "synthesis_s": round(synth, 3),
        "real_time_factor": round(synth / audio, 4) if audio else None,
        "startup_s": round(startup, 3),
        "voice_listing_s": round(listing, 3),
        "calibrated_in_listing": not measured_before,
        "intra_op_threads": engine.threads or "onnxruntime default (all cores)",
        "overhead_ms_per_clip_median": round(1000 * statistics.median(r["overhead_s"] for r in rows), 2),
        "overhead_ms_per_clip_mean": round(1000 * statistics.mean(r["overhead_s"] for r in rows), 2),
        "phonemes_and_ids_ms_per_clip_median": round(1000 * statistics.median(r["prepare_s"] for r in rows), 2),
        "model_ms_per_clip_median": round(1000 * statistics.median(r["model_s"] for r in rows), 2),
        "chars_per_clip_median": statistics.median(r["chars"] for r in rows),
    }
    print(f"voice {voice.id}: {len(rows)} clips, {audio:.1f} s of audio from {args.article.name}")
    print(f"  start-up (onnxruntime session, espeak-ng)   {startup * 1000:8.1f} ms")
    what = "with the one-time calibration" if not measured_before else "calibration read from disk"
    print(f"    of which listing the voices ({what})  {listing * 1000:8.1f} ms")
    print(f"  synthesis, all clips                        {synth:8.3f} s")
    print(f"  real-time factor (synthesis / audio)        {figures['real_time_factor']!s:>8}")
    print(f"  model run per clip (median)                 {figures['model_ms_per_clip_median']:8.2f} ms")
    print(f"  engine overhead per clip (median)           {figures['overhead_ms_per_clip_median']:8.2f} ms"
          f"   (mean {figures['overhead_ms_per_clip_mean']:.2f} ms)")  # fmt: skip
    print(f"    of which phonemes + ids (median)          {figures['phonemes_and_ids_ms_per_clip_median']:8.2f} ms")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
