#!/usr/bin/env python3
"""Batch benchmark: N articles of the seed's size on the offline engine.

Prints total time, time per article, peak memory (largest worker), and a second run's time.
Run it with two batch sizes to see that the time per article does not grow with the batch.

    python scripts/bench_batch.py [--articles 50] [--also 10]

With ``--cluster`` (needs pip install -e ".[cluster]"), the same N articles are made by the
process pool and by the Dask cluster (each from an empty folder and an empty clip cache), and
the script prints the ratio of the two, the throughput per worker offline, and the throughput
through Google's protocol with the default rate limit (the local gTTS-protocol server of the
tests, with --latency seconds per answer; a first run fills the server's own speech cache so
that the measured run pays the latency and the rate limit, not the server's synthesis):

    python scripts/bench_batch.py --cluster local:2 [--articles 50] [--gtts-articles 10] [--json out.json]

``--stops N`` (with ``--cluster``) measures stops instead: N batches of --articles seed-sized
articles, each sent SIGTERM at a random moment after its first bulletin was recorded; it prints
how long each took to exit, its exit code, any stderr line beyond the engine and interrupted
lines, and anything left behind (hidden files in the output folder, folders in its TMPDIR):

    python scripts/bench_batch.py --cluster local:2 --stops 5 --articles 12
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import resource
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT.parent / "shared" / "corpus" / "seed" / "000_75bfcc3184c6624c.txt"
NAMES = [
    "Anne Lemaire",
    "Paul Girard",
    "Sofia Haddad",
    "Marc Petit",
    "Inès Barbier",
    "Louis Ferrand",
    "Claire Dumoulin",
]


def make_articles(folder: Path, n: int) -> None:
    """Seed-sized articles, all different (so nothing is shared through the clip cache)."""
    body = SEED.read_text(encoding="utf-8").split(" ", 3)[3] if SEED.exists() else ""
    body = body or (ROOT / "bulletin" / "samples" / "exemple.txt").read_text(encoding="utf-8")
    for i in range(n):
        who = NAMES[i % len(NAMES)]
        text = body.replace("Johan Peeters", who).replace("200", str(200 + i)).replace("3.000", f"{3000 + i}")
        (folder / f"article-{i:03d}.txt").write_text(
            f"title: Dépêche numéro {i}\ndate: 2026-11-{1 + i % 28:02d}\n\nDépêche {i}. {text}",
            encoding="utf-8",
        )


def run(args: list[str], env: dict[str, str] | None = None) -> tuple[float, float]:
    """Wall time and peak RSS (MB) of the largest process the command ran."""
    elapsed, peak, _ = run_batch(args, env)
    return elapsed, peak


def run_batch(args: list[str], env: dict[str, str] | None = None) -> tuple[float, float, str]:
    """Wall time, peak RSS (MB) and standard output of ``bulletin ARGS``."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    t0 = time.perf_counter()
    r = subprocess.run([sys.executable, "-m", "bulletin", *args], check=False, cwd=ROOT, capture_output=True,
                       text=True, env=env)  # fmt: skip
    elapsed = time.perf_counter() - t0
    peak = max(before, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss) / 1024
    if r.returncode != 0:
        raise SystemExit(f"bulletin {' '.join(args)} failed ({r.returncode}): {r.stderr.strip()}")
    return elapsed, peak, r.stdout


def bench(n: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as d:
        src, out, cache = Path(d) / "in", Path(d) / "out", Path(d) / "cache"
        src.mkdir()
        out.mkdir()
        make_articles(src, n)
        args = [
            "batch",
            str(src),
            "-o",
            str(out),
            "--engine",
            "espeak",
            "--cache-dir",
            str(cache),
            "-q",
        ]
        first, peak = run(args)
        second, _ = run(args)
        made = len(list(out.glob("*.mp3")))
    return {"articles": n, "made": made, "first_s": first, "per_article_s": first / n, "second_s": second,
            "second_share": second / first, "peak_rss_mb": peak, "workers": os.cpu_count() or 1}  # fmt: skip


def workers_line(stdout: str) -> dict[str, int]:
    """The summary's per-worker counts (``workers    local-0: 25, local-1: 25``)."""
    line = next((x for x in stdout.splitlines() if x.startswith("workers")), "")
    return {w: int(n) for w, n in re.findall(r"([^\s,]+): (\d+)", line.split(None, 1)[1] if line else "")}


def cluster_vs_pool(n: int, cluster: str) -> dict[str, object]:
    """The same n articles through the process pool and through the cluster."""
    with tempfile.TemporaryDirectory() as d:
        src = Path(d) / "in"
        src.mkdir()
        make_articles(src, n)
        times = {}
        for label, extra in (("pool", []), ("cluster", ["--cluster", cluster])):
            out, cache = Path(d) / f"out-{label}", Path(d) / f"cache-{label}"
            times[label], _, stdout = run_batch(["batch", str(src), "-o", str(out), "--engine", "espeak",
                                                 "--cache-dir", str(cache), "-q", *extra])  # fmt: skip
            made = len(list(out.glob("*.mp3")))
            if made != n:
                raise SystemExit(f"{label}: {made} of {n} bulletins made")
            if label == "cluster":
                by_worker = workers_line(stdout)
    pool_workers = os.cpu_count() or 1
    cluster_workers = len(by_worker) or 1
    return {
        "articles": n,
        "pool_s": times["pool"],
        "pool_workers": pool_workers,
        "cluster_s": times["cluster"],
        "cluster_workers": cluster_workers,
        "by_worker": by_worker,
        "ratio": times["cluster"] / times["pool"],
        "pool_per_worker_hour": n / times["pool"] * 3600 / pool_workers,
        "cluster_per_worker_hour": n / times["cluster"] * 3600 / cluster_workers,
    }


def cluster_gtts(n: int, cluster: str, latency: float) -> dict[str, object]:
    """n articles through Google's protocol (a local server) on the cluster, default rate limit."""
    sys.path.insert(0, str(ROOT))
    from tests.gtts_server import Behaviour, GttsServer

    with tempfile.TemporaryDirectory() as d, GttsServer(Behaviour(latency=0.0)) as srv:
        src = Path(d) / "in"
        src.mkdir()
        make_articles(src, n)
        env = {k: v for k, v in os.environ.items() if k.lower() not in ("http_proxy", "https_proxy")}
        env["BULLETIN_GTTS_ENDPOINT"] = srv.url
        args = ["batch", str(src), "--engine", "gtts", "--cluster", cluster, "-q"]
        run_batch([*args, "-o", str(Path(d) / "warm"), "--cache-dir", str(Path(d) / "warm-cache")], env)
        srv.behaviour.latency = latency
        before = len(srv.requests)
        elapsed, _, stdout = run_batch([*args, "-o", str(Path(d) / "out"), "--cache-dir", str(Path(d) / "cache")], env)
        requests = len(srv.requests) - before
    workers = len(workers_line(stdout)) or 1
    return {
        "articles": n,
        "seconds": elapsed,
        "requests": requests,
        "requests_per_article": requests / n,
        "requests_per_second": requests / elapsed,
        "per_hour": n / elapsed * 3600,
        "per_worker_hour": n / elapsed * 3600 / workers,
        "workers": workers,
        "latency_s": latency,
    }


def _spin(limiter: object, waits: int, threads: int) -> list[float]:
    """On a worker: ``waits`` calls of ``limiter.wait()`` from ``threads`` threads (as the gTTS
    engine makes them); when each returned."""
    import threading

    from dask.distributed import get_worker

    limiter.bind(get_worker())  # type: ignore[attr-defined]
    stamps: list[float] = []

    def one() -> None:
        for _ in range(waits // threads):
            limiter.wait()  # type: ignore[attr-defined]
            stamps.append(time.time())

    pool = [threading.Thread(target=one) for _ in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    return stamps


def limiter_ceiling(cluster: str, per_second: float = 15.0, waits: int = 120) -> dict[str, object]:
    """How many request starts per second the cluster-wide limiter lets through, all workers
    together, when they ask as fast as they can (nothing else runs)."""
    from bulletin.cluster import Cluster, ClusterRateLimiter

    with Cluster(cluster) as c:
        client = c.client
        workers = len(client.scheduler_info()["workers"])
        limiter = ClusterRateLimiter.create(client, "bench-limiter", per_second)
        try:
            futures = [client.submit(_spin, limiter, waits // workers, 6, pure=False, workers=[w])
                       for w in client.scheduler_info()["workers"]]  # fmt: skip
            stamps = sorted(t for f in futures for t in f.result())
        finally:
            limiter.close()
    return {"limit": per_second, "workers": workers, "reached": (len(stamps) - 1) / (stamps[-1] - stamps[0])}


QUIET_LINES = re.compile(r"engine: .*|interrupted.*|bulletin: interrupted; nothing more was written")
STATE_FILES = re.compile(r"\.bulletin-state\.json|\.bulletin\.lock|\.bulletin-jobs")


def cluster_stops(trials: int, n: int, cluster: str, seed: int) -> dict[str, object]:
    """``trials`` batches of n articles on the cluster, each stopped by SIGTERM at a random moment
    (0 to 2 s) after its first bulletin was recorded: seconds from the signal to the exit, and
    what each left."""
    rng = random.Random(seed)
    runs = []
    for trial in range(trials):
        with tempfile.TemporaryDirectory() as d:
            src, out, tmp = Path(d) / "in", Path(d) / "out", Path(d) / "tmp"
            src.mkdir()
            tmp.mkdir()
            make_articles(src, n)
            state = out / ".bulletin-state.json"
            proc = subprocess.Popen([sys.executable, "-m", "bulletin", "batch", str(src), "-o", str(out), "--engine",
                                     "espeak", "--cache-dir", str(Path(d) / "cache"), "--cluster", cluster, "-q"],
                                    cwd=ROOT, env={**os.environ, "TMPDIR": str(tmp)}, stdout=subprocess.DEVNULL,
                                    stderr=subprocess.PIPE, text=True)  # fmt: skip
            while not state.exists() and proc.poll() is None:
                time.sleep(0.02)
            time.sleep(rng.uniform(0.0, 2.0))
            signalled = time.perf_counter()
            proc.send_signal(signal.SIGTERM)
            _, err = proc.communicate(timeout=120)
            took = time.perf_counter() - signalled
            noise = [line for line in err.splitlines() if not QUIET_LINES.fullmatch(line)]
            left = sorted(p.name for p in out.iterdir() if p.name.startswith(".") and not STATE_FILES.fullmatch(p.name))
            left += sorted(f"TMPDIR/{p.name}" for p in tmp.iterdir())
            runs.append({"trial": trial, "code": proc.returncode, "stop_s": took, "noise": noise, "left": left})
    stops = [float(r["stop_s"]) for r in runs]  # type: ignore[arg-type]
    return {"articles": n, "runs": runs, "median_stop_s": statistics.median(stops), "max_stop_s": max(stops),
            "noisy": sum(1 for r in runs if r["noise"]), "with_debris": sum(1 for r in runs if r["left"])}  # fmt: skip


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--articles", type=int, default=50)
    ap.add_argument("--also", type=int, default=10, help="a smaller batch, to compare time per article")
    ap.add_argument("--cluster", metavar="ADDRESS", help="compare the process pool with this Dask cluster (local:2)")
    ap.add_argument("--gtts-articles", type=int, default=10, help="articles for the gTTS run (0: skip it)")
    ap.add_argument("--latency", type=float, default=0.3, help="seconds the local gTTS server takes per answer")
    ap.add_argument("--json", type=Path, help="also write the figures here")
    ap.add_argument("--stops", type=int, default=0, help="with --cluster: measure this many SIGTERM stops instead")
    ap.add_argument("--seed", type=int, default=None, help="random moments of --stops (default: a new one)")
    args = ap.parse_args()
    if args.cluster and args.stops:
        seed = args.seed if args.seed is not None else random.SystemRandom().randrange(1 << 32)
        st = cluster_stops(args.stops, args.articles, args.cluster, seed)
        for r in st["runs"]:  # type: ignore[attr-defined]
            print(
                f"  trial {r['trial']}: exit {r['code']} {r['stop_s']:5.2f} s after SIGTERM"
                + (f"  noise: {r['noise']}" if r["noise"] else "")
                + (f"  left: {r['left']}" if r["left"] else "")
            )
        print(f"{args.stops} stops of {args.articles}-article batches on {args.cluster} (--seed {seed}): "
              f"median {st['median_stop_s']:.2f} s, max {st['max_stop_s']:.2f} s from SIGTERM to exit; "
              f"{st['noisy']} with stderr noise, {st['with_debris']} with debris")  # fmt: skip
        if args.json:
            args.json.write_text(json.dumps(st, indent=1), encoding="utf-8")
        return 0
    if args.cluster:
        r = cluster_vs_pool(args.articles, args.cluster)
        print(f"{r['articles']} articles, offline (espeak), from an empty folder and cache")
        print(f"  process pool  {r['pool_s']:7.1f} s  {r['pool_workers']} workers  "
              f"{r['pool_per_worker_hour']:6.0f} articles/hour/worker")  # fmt: skip
        print(f"  {args.cluster:<12}  {r['cluster_s']:7.1f} s  {r['cluster_workers']} workers  "
              f"{r['cluster_per_worker_hour']:6.0f} articles/hour/worker  {r['by_worker']}")  # fmt: skip
        print(f"  cluster / pool: {r['ratio']:.2f}")
        results: dict[str, object] = {"offline": r}
        if args.gtts_articles:
            g = cluster_gtts(args.gtts_articles, args.cluster, args.latency)
            print(f"{g['articles']} articles through the gTTS protocol (local server, {g['latency_s']} s per answer, "
                  "default rate limit)")  # fmt: skip
            print(f"  {g['seconds']:.1f} s, {g['requests']} requests ({g['requests_per_article']:.1f} per article, "
                  f"{g['requests_per_second']:.1f} per second), {g['per_hour']:.0f} articles/hour, "
                  f"{g['per_worker_hour']:.0f} articles/hour/worker")  # fmt: skip
            results["gtts"] = g
            lim = limiter_ceiling(args.cluster)
            print(f"  rate limiter alone: {lim['reached']:.1f} request starts per second reached for a limit of "
                  f"{lim['limit']:g}, {lim['workers']} workers asking with 6 threads each")  # fmt: skip
            results["limiter"] = lim
        if args.json:
            args.json.write_text(json.dumps(results, indent=1), encoding="utf-8")
        return 0
    print(f"{'articles':>8} {'made':>5} {'first s':>8} {'s/article':>10} {'second s':>9} {'2nd/1st':>8} {'peak MB':>8}")
    for n in (args.also, args.articles):
        r = bench(n)
        print(f"{n:>8} {r['made']:>5.0f} {r['first_s']:>8.1f} {r['per_article_s']:>10.2f} {r['second_s']:>9.2f} "
              f"{r['second_share']:>8.1%} {r['peak_rss_mb']:>8.0f}")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
