#!/usr/bin/env python3
"""All benchmarks in one command: prints a table and writes JSON.

  python scripts/bench.py [--json bench.json] [--full-1mb]

1. the seed article offline against the floor (one espeak-ng process + one ffmpeg process), paired runs;
2. articles of 10 KB and 100 KB made in full, and 10 KB / 100 KB / 1 MB through the script
   stage (quotes, casting, normalisation): time per word must stay flat. A 1 MB article is
   about 16 hours of speech; its full bulletin takes minutes more, so it runs only with
   --full-1mb;
3. a 60-minute bulletin: time and peak memory (goal: at most 400 MB);
4. a cached re-run of the seed;
5. gTTS through a local server with 300 ms latency, against gTTS alone;
6. a batch of 50 seed-sized articles (and of 10, to compare time per article).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

import bench_batch  # noqa: E402
import bench_make  # noqa: E402

SEED = bench_make.SEED
FIRST = [
    "Anne",
    "Paul",
    "Sofia",
    "Marc",
    "Inès",
    "Louis",
    "Claire",
    "Hugo",
    "Léa",
    "Karim",
    "Nadia",
    "Jules",
]
LAST = [
    "Lemaire",
    "Girard",
    "Haddad",
    "Petit",
    "Barbier",
    "Ferrand",
    "Dumoulin",
    "Roux",
    "Masson",
    "Benali",
    "Cheref",
    "Martin",
]
TOWNS = ["Namur", "Liège", "Dinant", "Mons", "Charleroi", "Tournai", "Arlon", "Wavre", "Huy", "Spa"]
TEMPLATES = [
    "Le conseil de {town} a voté {n} mesures le {d} {month} {y}.",
    "« Nous avons besoin de {n} agents de plus », a déclaré {who}.",
    "Selon {who}, le budget atteint {n},{m} millions d'euros cette année.",
    "Environ {big} habitants de {town} sont concernés, soit {p} % de la population.",
    "Le chantier commencera à {h} h {mm} et durera {n} semaines.",
    "{who} estime que la {ord}e phase sera la plus difficile : « Il faudra tenir bon. »",
]
MONTHS = [
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
]


def french_text(n_bytes: int, seed: int = 1) -> str:
    """Varied French news text with quotes and numbers (so clips are not just repeats)."""
    rnd = random.Random(seed)
    paras, size, heading = [], 0, 0
    while size < n_bytes:
        sentences = []
        for _ in range(rnd.randint(2, 5)):
            who = f"{rnd.choice(FIRST)} {rnd.choice(LAST)}"
            sentences.append(rnd.choice(TEMPLATES).format(
                town=rnd.choice(TOWNS), n=rnd.randint(2, 999), m=rnd.randint(1, 9), d=rnd.randint(1, 28),
                month=rnd.choice(MONTHS), y=rnd.randint(1990, 2030), who=who, big=rnd.randint(1000, 99999),
                p=rnd.randint(1, 99), h=rnd.randint(6, 22), mm=rnd.randint(10, 59), ord=rnd.randint(2, 9),
            ))  # fmt: skip
        para = " ".join(sentences)
        paras.append(para)
        if len(paras) % 6 == 0:
            heading += 1
            paras.append(f"Partie {heading} du dossier")
        size += len(para.encode()) + 2
    return "title: Dossier de test\ndate: 2026-11-29\n\n" + "\n\n".join(paras)


def time_make(article: Path, out: Path, extra: list[str] | None = None) -> tuple[float, float]:
    """Wall time and peak RSS (MB) of one `bulletin make` process."""
    cmd = [sys.executable, "-m", "bulletin", "make", str(article), "-o", str(out), "-q", "--engine", "espeak",
           "--outputs", "mp3", *(extra or ["--no-cache"])]  # fmt: skip
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - t0
    if status != 0:
        raise SystemExit(f"bulletin make failed: {proc.stderr.read().decode() if proc.stderr else status}")
    return elapsed, usage.ru_maxrss / 1024


def words(path: Path) -> int:
    return len(path.read_text(encoding="utf-8").split())


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--json", type=Path, default=Path("bench.json"))
    ap.add_argument("--full-1mb", action="store_true")
    args = ap.parse_args()
    results: dict[str, object] = {}
    rows: list[tuple[str, str]] = []
    t_start = time.perf_counter()

    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        # 1. seed against the floor
        seed = bench_make.measure(SEED, repeat=7)  # whole process against whole process, paired
        results["seed"] = seed
        rows.append(
            (
                "seed: floor / make / ratio",
                f"{seed['floor_s']:.2f} s / {seed['make_s']:.2f} s / {seed['ratio']:.2f}x (goal ≤ 1.5x)",
            )
        )

        # 4. cached re-run of the seed
        cache = ["--cache-dir", str(tmp / "cache")]
        time_make(SEED, tmp / "c.mp3", cache)
        cached = min(time_make(SEED, tmp / "c.mp3", cache)[0] for _ in range(3))
        results["seed_cached_s"] = cached
        rows.append(("seed: cached re-run", f"{cached:.2f} s ({seed['make_s'] / cached:.1f}x faster than uncached)"))

        # 2. size scaling
        from bulletin.article import parse_text
        from bulletin.engines.espeak import EspeakEngine
        from bulletin.script import build_script

        voices = EspeakEngine().voices("fr-FR")
        scaling = []
        for size in (10_000, 100_000, 1_000_000):
            text = french_text(size)
            path = tmp / f"a{size}.txt"
            path.write_text(text, encoding="utf-8")
            n_words = words(path)
            t0 = time.perf_counter()
            build_script(parse_text(text), voices)
            script_s = time.perf_counter() - t0
            entry = {"bytes": len(text.encode()), "words": n_words, "script_s": script_s,
                     "script_us_per_word": 1e6 * script_s / n_words}  # fmt: skip
            if size < 1_000_000 or args.full_1mb:
                full_s, peak = time_make(path, tmp / f"a{size}.mp3")
                entry |= {
                    "make_s": full_s,
                    "make_ms_per_word": 1000 * full_s / n_words,
                    "peak_rss_mb": peak,
                }
            scaling.append(entry)
            full = (
                f", make {entry['make_s']:.1f} s = {entry['make_ms_per_word']:.2f} ms/word" if "make_s" in entry else ""
            )
            rows.append((f"{size // 1000} KB ({n_words} words)",
                         f"script {script_s:.2f} s = {entry['script_us_per_word']:.0f} µs/word{full}"))  # fmt: skip
        results["scaling"] = scaling

        # 3. a 60-minute bulletin (~160 words a minute)
        hour = tmp / "hour.txt"
        hour.write_text(french_text(50_000, seed=7), encoding="utf-8")
        t_hour, peak_hour = time_make(hour, tmp / "hour.mp3")
        from bulletin.ffmpeg import probe

        minutes = (probe(tmp / "hour.mp3").duration_ms or 0) / 60000
        results["hour"] = {"minutes": minutes, "make_s": t_hour, "peak_rss_mb": peak_hour}
        rows.append(
            (
                f"{minutes:.0f}-minute bulletin",
                f"{t_hour:.1f} s, peak RSS {peak_hour:.0f} MB (goal ≤ 400 MB)",
            )
        )

    # 5. gTTS against gTTS alone (local server, 300 ms per request)
    out = subprocess.run([sys.executable, str(ROOT / "scripts" / "bench_gtts.py")], capture_output=True, text=True,
                         cwd=ROOT)  # fmt: skip
    lines = [line for line in out.stdout.splitlines() if line.strip()]
    results["gtts"] = lines
    for line in lines[2:5]:
        label, rest = line[:40].strip(), line[40:].split()
        rows.append((f"gTTS: {label}", f"{rest[0]} s, {rest[1]} requests"))

    # 6. batch of 10 and 50
    for n in (10, 50):
        r = bench_batch.bench(n)
        results[f"batch_{n}"] = r
        first = f"{r['first_s']:.1f} s ({r['per_article_s']:.2f} s/article)"
        second = f"second run {r['second_s']:.2f} s ({r['second_share']:.1%})"
        rows.append((f"batch of {n}", f"{first}, {second}, peak RSS {r['peak_rss_mb']:.0f} MB"))

    results["total_s"] = time.perf_counter() - t_start
    width = max(len(k) for k, _ in rows)
    print(f"{'benchmark':<{width}}  result")
    for k, v in rows:
        print(f"{k:<{width}}  {v}")
    print(f"{'total':<{width}}  {results['total_s']:.0f} s")
    args.json.write_text(json.dumps(results, indent=1, ensure_ascii=False, default=str), encoding="utf-8")
    print(f"JSON: {args.json}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
