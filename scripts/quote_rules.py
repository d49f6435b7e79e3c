#!/usr/bin/env python3
"""Which attribution rules fire how often on a gold corpus, and how often they are right.

    python scripts/quote_rules.py ../shared/corpus/dev ../shared/corpus/dev2 [--show] [--strict]

Builds each article's script in-process (no subprocess per article) and matches its quote
segments to the gold quotes the way ``shared/tools/score_quotes.py`` does: a segment belongs to a
gold quote when >= 80 % of its words lie inside it, in order. For each rule it prints how many
quote segments it gave a speaker to, how many of those speakers are right (the gold speaker or
one of its alternatives), wrong, or null, and its precision (right / named). ``--show`` prints
every wrong or null speaker with its gold, to read what failed. Totals use the same measures as
the scorer (recall, precision, speaker, wrong, unknown) so the two can be compared.

A second table calibrates the confidence: for each band of confidence the rules gave, how many
speakers were right or wrong, and what a threshold at the band's floor would keep (the speakers
below :data:`bulletin.quotes.MIN_CONFIDENCE` are null). ``--threshold 0`` keeps every speaker a
rule found, so the low bands show what the threshold turns into null, and whether it should:

    python scripts/quote_rules.py ../shared/corpus/dev ../shared/corpus/dev2 --threshold 0
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bulletin.article import read_article  # noqa: E402
from bulletin.engines import get_engine  # noqa: E402
from bulletin.quotes import LOW_CONFIDENCE, MIN_CONFIDENCE  # noqa: E402
from bulletin.script import build_script  # noqa: E402
from tests.scoring import TITLES, covered, speaker_ok, words  # noqa: E402

BANDS = (0.9, 0.8, 0.7, 0.6, 0.5, 0.0)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("paths", nargs="+", type=Path)
    ap.add_argument("--show", action="store_true", help="print every wrong or null speaker")
    ap.add_argument(
        "--strict",
        action="store_true",
        help="also print speakers the scorer accepts only because one name contains the other "
        '("Nos soldats" for "un soldat"): not the gold speaker nor one of its alternatives',
    )
    ap.add_argument("--threshold", type=float, default=None,
                    help=f"speakers below it are null (default {MIN_CONFIDENCE}); 0 keeps all")  # fmt: skip
    args = ap.parse_args()
    if args.threshold is not None:
        from bulletin.quotes import detector

        detector._MIN_CONFIDENCE = args.threshold
    voices = get_engine("espeak").voices("fr-FR")
    fired: Counter[str] = Counter()
    right: Counter[str] = Counter()
    wrong: Counter[str] = Counter()
    null: Counter[str] = Counter()
    band_right: Counter[float] = Counter()
    band_wrong: Counter[float] = Counter()
    tot = Counter[str]()
    for path in args.paths:
        for art in sorted(path.glob("*.txt")) if path.is_dir() else [path]:
            gold_path = art.with_suffix(".json")
            if not gold_path.exists():
                continue
            gold = json.loads(gold_path.read_text(encoding="utf-8"))
            script = build_script(read_article(art), voices)
            quotes = [s for s in script.segments if s.kind == "quote"]
            gq = [(g, words(g["text"])) for g in gold["quotes"]]
            tot["gold"] += len(gq)
            tot["segs"] += len(quotes)
            for seg in quotes:
                sw = words(seg.text)
                match = next((g for g, gw in gq if covered(sw, gw) >= 0.8), None)
                rule = seg.attribution.rule if seg.attribution else "?"
                if match is None:
                    continue
                tot["tp_seg"] += 1
                fired[rule] += 1
                conf = seg.attribution.confidence if seg.attribution else 0.0
                band = next(b for b in BANDS if conf >= b)
                if seg.speaker is not None and match.get("speaker") is not None:
                    (band_right if speaker_ok(seg.speaker, match) else band_wrong)[band] += 1
                if seg.speaker is None:
                    null[rule] += 1
                    if match.get("speaker") is not None and args.show:
                        print(f"NULL  {art.name[:28]:28} [{rule}] gold={match['speaker']!r}  « {seg.text[:60]}")
                elif speaker_ok(seg.speaker, match):
                    right[rule] += 1
                    exact = {" ".join(w for w in words(str(c)) if w not in TITLES)
                             for c in [match["speaker"], *(match.get("speaker_alt") or [])] if c}  # fmt: skip
                    if (
                        args.strict
                        and match["speaker"]
                        and " ".join(w for w in words(seg.speaker) if w not in TITLES) not in exact
                    ):
                        print(f"LOOSE {art.name[:28]:28} [{rule}] got={seg.speaker!r} gold={match['speaker']!r}")
                else:
                    wrong[rule] += 1
                    if args.show:
                        got, want = seg.speaker, match["speaker"]
                        print(f"WRONG {art.name[:28]:28} [{rule}] got={got!r} gold={want!r}  « {seg.text[:50]}")
            for g, gw in gq:
                inside = [s for s in quotes if words(s.text) and covered(words(s.text), gw) >= 0.8]
                union = [w for s in inside for w in words(s.text)]
                if covered(gw, union) < 0.8:
                    if args.show:
                        print(f"MISS  {art.name[:28]:28} « {g['text'][:70]}")
                    continue
                tot["found"] += 1
                if all(speaker_ok(s.speaker, g) for s in inside):
                    tot["spk"] += 1
                elif any(s.speaker and not speaker_ok(s.speaker, g) for s in inside):
                    tot["wrong"] += 1
                else:
                    tot["unknown"] += 1
    print(f"\n{'rule':15} {'segments':>8} {'right':>6} {'wrong':>6} {'null':>6} {'precision':>9}")
    for rule, n in fired.most_common():
        named = right[rule] + wrong[rule]
        prec = f"{right[rule] / named:.3f}" if named else "-"
        print(f"{rule:15} {n:>8} {right[rule]:>6} {wrong[rule]:>6} {null[rule]:>6} {prec:>9}")
    from bulletin.quotes import detector as used

    print(f"\n{'confidence':15} {'right':>6} {'wrong':>6} {'precision':>9}   (threshold {used._MIN_CONFIDENCE}, "
          f"flagged below {LOW_CONFIDENCE})")  # fmt: skip
    for b in BANDS:
        n = band_right[b] + band_wrong[b]
        prec = f"{band_right[b] / n:.3f}" if n else "-"
        print(f">= {b:<12.2f} {band_right[b]:>6} {band_wrong[b]:>6} {prec:>9}")
    found = tot["found"] or 1
    print(
        f"\nTOTAL recall={tot['found'] / (tot['gold'] or 1):.3f} precision={tot['tp_seg'] / (tot['segs'] or 1):.3f} "
        f"speaker={tot['spk'] / found:.3f} wrong={tot['wrong'] / found:.3f} unknown={tot['unknown'] / found:.3f}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
