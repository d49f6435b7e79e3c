#!/usr/bin/env python3
"""gTTS engine against gTTS alone, through a local server that adds latency to every request.

The server (tests/gtts_server.py) speaks gTTS's protocol on 127.0.0.1 and answers with real MP3
speech. Three runs on the same article:
  1. gTTS alone: one gTTS(...).save() on the whole text, as gtts-cli does (sequential);
  2. bulletin's gtts engine: merged requests, in parallel, the whole bulletin written;
  3. the same bulletin again, from the clip cache.

    python scripts/bench_gtts.py [ARTICLE] [--latency 0.3]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bulletin.article import read_article  # noqa: E402
from bulletin.cache import ClipCache  # noqa: E402
from bulletin.engines.gtts import GttsEngine, merge_tokens  # noqa: E402
from bulletin.engines.stack import Cached  # noqa: E402
from bulletin.normalize import normalize  # noqa: E402
from bulletin.pipeline import Options, make_bulletin, make_script  # noqa: E402
from tests.gtts_server import Behaviour, GttsServer, gtts_pointed_at, speech_mp3  # noqa: E402

SEED = ROOT.parent / "shared" / "corpus" / "seed" / "000_75bfcc3184c6624c.txt"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("article", nargs="?", type=Path, default=SEED)
    ap.add_argument("--latency", type=float, default=0.3)
    args = ap.parse_args()
    from gtts import gTTS

    article = read_article(args.article)
    text = normalize("\n".join(b.text for b in article.blocks), "fr-FR")
    rows = []
    with tempfile.TemporaryDirectory() as d, GttsServer(Behaviour(latency=args.latency)) as srv:  # noqa: SIM117
        with gtts_pointed_at(srv.url):
            # Warm the server's speech cache so that both sides pay the latency, not the espeak-ng
            # run that makes the server's answer.
            for piece in gTTS(text, lang="fr", tld="fr")._tokenize(text):
                speech_mp3(piece)
            eng = GttsEngine(endpoint="")
            for seg in make_script(article, Options(engine="gtts"), eng).segments:
                for piece in merge_tokens(seg.spoken):
                    speech_mp3(piece)
            t0 = time.perf_counter()
            gTTS(text, lang="fr", tld="fr").save(str(Path(d) / "gtts.mp3"))
            rows.append(("gTTS alone (save, sequential)", time.perf_counter() - t0, len(srv.requests)))
            for label in ("bulletin --engine gtts", "bulletin --engine gtts, cached re-run"):
                before = len(srv.requests)
                t0 = time.perf_counter()
                # The stack `make` builds: the engine behind the clip cache.
                stack = Cached(GttsEngine(endpoint=""), ClipCache(Path(d) / "cache"))
                make_bulletin(args.article, Path(d) / "b.mp3", Options(engine="gtts", cache_dir=Path(d) / "cache"),
                              engine=stack)  # fmt: skip
                rows.append((label, time.perf_counter() - t0, len(srv.requests) - before))
    print(f"article: {args.article.name}, server latency {args.latency * 1000:.0f} ms per request")
    print(f"{'run':<40} {'seconds':>8} {'requests':>9}")
    for label, secs, n in rows:
        print(f"{label:<40} {secs:>8.2f} {n:>9}")
    base = rows[0][1]
    print(f"speed-up vs gTTS alone: {base / rows[1][1]:.1f}x; cached re-run: {base / rows[2][1]:.0f}x faster "
          f"than gTTS alone, {rows[1][1] / rows[2][1]:.0f}x faster than the first run")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
