#!/usr/bin/env python3
"""Benchmark `bulletin make` on the seed article against the floor, whole process against whole
process, in paired runs.

The floor is what no bulletin tool can beat with this engine and encoder, counted as processes
the way a user would run them: one Python process that loads espeak-ng (from the espeakng-loader
wheel, through ctypes, nothing else imported) and synthesises the article's whole spoken text in
one call, then one ffmpeg process that encodes the result to the bulletin's MP3 format (the
podcast preset: mono 44.1 kHz, 96 kbit/s). ``bulletin make --no-cache`` is timed as the command a
user types. Runs alternate floor, make, floor, make… so a change of machine load hits both; the
ratio reported is the median of the per-pair ratios. CPU time (user + system of the processes)
is reported beside wall time: on a loaded machine it is the steadier figure. Both commands run
with Python's bytecode cache on (``PYTHONDONTWRITEBYTECODE`` removed from their environment), as
for a user whose ``pip install`` compiled the modules: otherwise every run would compile
bulletin's sources again (0.12 s of CPU here) and measure a development setting.

    python scripts/bench_make.py [ARTICLE] [--repeat 7] [--locale fr-BE]
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT.parent / "shared" / "corpus" / "seed" / "000_75bfcc3184c6624c.txt"

# The floor's synthesis process: espeak-ng through ctypes, one call for the whole text, the PCM
# written to a file. It imports nothing of bulletin (bulletin's own start-up is part of what is
# measured against it).
FLOOR_SYNTH = r"""
import ctypes, sys
import espeakng_loader
text, out = open(sys.argv[1], encoding="utf-8").read(), sys.argv[2]
lib = ctypes.CDLL(espeakng_loader.get_library_path())
rate = lib.espeak_Initialize(0x02, 0, espeakng_loader.get_data_path().encode(), 0)
pcm = bytearray()
CB = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.c_void_p)
def cb(wav, n, events):
    if n > 0:
        pcm.extend(ctypes.string_at(wav, n * 2))
    return 0
keep = CB(cb)
lib.espeak_SetSynthCallback(keep)
lib.espeak_SetVoiceByName(b"fr-be")
data = text.encode("utf-8")
lib.espeak_Synth(data, len(data) + 1, 0, 0, 0, 0x01, None, None)  # espeakCHARS_UTF8
lib.espeak_Synchronize()
open(out, "wb").write(pcm)
print(rate)
"""


ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def timed(cmd: list[str]) -> tuple[float, float, subprocess.CompletedProcess[str]]:
    """Wall time and CPU time (user + system of the process and its children) of one command."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, check=True, cwd=ROOT, capture_output=True, text=True, env=ENV)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, proc


def spoken_text(article: Path, locale: str) -> str:
    sys.path.insert(0, str(ROOT))
    from bulletin.article import read_article
    from bulletin.normalize import normalize

    a = read_article(article)
    return normalize("\n".join(b.text for b in a.blocks), locale)


def floor(text_file: Path, work: Path) -> tuple[float, float]:
    from imageio_ffmpeg import get_ffmpeg_exe

    w1, c1, proc = timed([sys.executable, "-c", FLOOR_SYNTH, str(text_file), str(work / "floor.pcm")])
    rate = proc.stdout.strip()
    w2, c2, _ = timed([get_ffmpeg_exe(), "-hide_banner", "-nostdin", "-loglevel", "error", "-f", "s16le",
                       "-ar", rate, "-ac", "1", "-i", str(work / "floor.pcm"), "-ar", "44100", "-c:a", "libmp3lame",
                       "-b:a", "96k", "-f", "mp3", "-y", str(work / "floor.mp3")])  # fmt: skip
    return w1 + w2, c1 + c2


def make(article: Path, work: Path, locale: str) -> tuple[float, float]:
    w, c, _ = timed([sys.executable, "-m", "bulletin", "make", str(article), "-o", str(work / "make.mp3"), "-q",
                     "--no-cache", "--locale", locale])  # fmt: skip
    return w, c


def measure(article: Path = SEED, repeat: int = 7, locale: str = "fr-BE") -> dict[str, float]:
    """Paired runs: medians of the floor's and make's wall and CPU times, and of the ratios."""
    with tempfile.TemporaryDirectory() as d:
        work = Path(d)
        text_file = work / "spoken.txt"
        text_file.write_text(spoken_text(article, locale), encoding="utf-8")
        make(article, work, locale)  # warm the disk cache (and the bytecode cache) for both
        floors, makes = [], []
        for _ in range(repeat):
            floors.append(floor(text_file, work))
            makes.append(make(article, work, locale))
    med = statistics.median
    return {
        "floor_s": med(f[0] for f in floors), "floor_cpu_s": med(f[1] for f in floors),
        "make_s": med(m[0] for m in makes), "make_cpu_s": med(m[1] for m in makes),
        "ratio": med(m[0] / f[0] for f, m in zip(floors, makes, strict=True)),
        "cpu_ratio": med(m[1] / f[1] for f, m in zip(floors, makes, strict=True)),
    }  # fmt: skip


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("article", nargs="?", type=Path, default=SEED)
    ap.add_argument("--repeat", type=int, default=7, help="paired runs (default 7)")
    ap.add_argument("--locale", default="fr-BE")
    args = ap.parse_args()
    r = measure(args.article, args.repeat, args.locale)
    print(f"article: {args.article.name}   load average: {os.getloadavg()[0]:.2f}")
    print(f"floor (one espeak-ng process, one call + one ffmpeg encode): wall {r['floor_s']:.3f} s, "
          f"cpu {r['floor_cpu_s']:.3f} s (median of {args.repeat})")
    print(f"bulletin make --no-cache (whole CLI process): wall {r['make_s']:.3f} s, cpu {r['make_cpu_s']:.3f} s")
    print(f"ratio (median of {args.repeat} paired runs): wall {r['ratio']:.2f}x, cpu {r['cpu_ratio']:.2f}x   "
          "(goal: at most 1.5x)")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
