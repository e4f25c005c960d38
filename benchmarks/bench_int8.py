"""Benchmark: the recognizer's 8-bit copy (``model.int8.onnx``) against its float network, on
the same crops in the same run.

Usage: ``python benchmarks/bench_int8.py [--side tune] [--model DIR] [--limit N] [--json OUT]``

The crops are those of ``bench_frames.py`` on one side of the plate-text split (default
*tune*: the 8-bit copy is a choice, and choices are made there): the frames' plates cut at the
true box three ways, the tight crops, and three frame-like copies of each. Both networks read
them as ``alpr read`` does (unsure reads re-read from several views). Printed:
- exact reads (O/0-folded) and state per section, float and int8, and a paired count
  (float only right / int8 only right / both / neither);
- how often the two give the same text and the same state;
- among reads at confidence >= 0.9: their share and how many are right, each network;
- the network's speed: crops per second at batch 256, one and two threads, each network.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_frames import (  # noqa: E402
    DEFAULT_CONFIG,
    ROOT,
    frame_like_cases,
    paired_counts,
    region_of,
    right,
    tight_case,
    true_box_cases,
)

from alpr.recognizer.config import load_config  # noqa: E402
from alpr.recognizer.data import split_items  # noqa: E402
from alpr.recognizer.preprocess import batch_inputs, load_rgb  # noqa: E402
from alpr.recognizer.recognizer import Recognizer  # noqa: E402


def network_speed(rec: Recognizer, images: list[np.ndarray], threads: int,
                  seconds: float = 3.0) -> float:
    """Crops per second of the network alone (batch 256, preprocessed once)."""
    timed = Recognizer.load(rec.folder, precision=rec.precision, threads=threads)
    batch = batch_inputs((images * (256 // max(1, len(images)) + 1))[:256],
                         rec.spec.height, rec.spec.width)
    timed.logits(batch)
    n, t0 = 0, time.perf_counter()
    while time.perf_counter() - t0 < seconds:
        timed.logits(batch)
        n += len(batch)
    return n / (time.perf_counter() - t0)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", type=Path, default=ROOT / "models" / "plate-ocr")
    ap.add_argument("--config", default=DEFAULT_CONFIG, help="the split's training config")
    ap.add_argument("--side", choices=["test", "tune"], default="tune")
    ap.add_argument("--limit", type=int, default=None, help="at most N items (a quick smoke)")
    ap.add_argument("--copies", type=int, default=3, help="frame-like copies per crop")
    ap.add_argument("--json", type=Path, default=None)
    args = ap.parse_args()

    cwd = os.getcwd()
    os.chdir(ROOT)
    try:
        items = split_items(load_config(ROOT / args.config).data).side(args.side)
    finally:
        os.chdir(cwd)
    items = items[:args.limit] if args.limit is not None else items
    cases = []
    for it in items:
        image = load_rgb(it.image)
        if it.box is not None:
            cases += true_box_cases(it, image)
        else:
            cases += [tight_case(it, image), *frame_like_cases(it, image, args.copies)]
    date = f"{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC"
    print(f"date: {date}  machine: {platform.machine()} {os.cpu_count()} cpus, load average "
          f"{os.getloadavg()[0]:.1f}")
    print(f"split: {args.config}, side {args.side}: {len(items)} items, {len(cases)} crops "
          f"({', '.join(sorted({region_of(it) for it in items}))})\n")

    readers = {p: Recognizer.load(args.model, precision=p) for p in ("float", "int8")}
    images = [c.image for c in cases]
    reads = {p: rec.read_crops(images, reread=True) for p, rec in readers.items()}
    result: dict[str, Any] = {"date": date, "side": args.side, "model": str(args.model),
                              "sections": {}}
    print(f"{'section':22s} {'n':>5s}  float O/0  int8 O/0  float state  int8 state  "
          f"same text  paired (float only / int8 only / both / neither)")
    for section in sorted({(c.section, c.view) for c in cases}):
        idx = [i for i, c in enumerate(cases) if (c.section, c.view) == section]
        ok = {p: [right(cases[i].plate, reads[p][i].text, True) for i in idx] for p in reads}
        stated = [i for i in idx if cases[i].state]
        st = {p: (sum(reads[p][i].state == cases[i].state for i in stated) / len(stated)
                  if stated else None) for p in reads}
        same = sum(reads["float"][i].text == reads["int8"][i].text for i in idx) / len(idx)
        pair = paired_counts(ok["float"], ok["int8"])
        row = {"n": len(idx), "float_folded": sum(ok["float"]) / len(idx),
               "int8_folded": sum(ok["int8"]) / len(idx), "float_state": st["float"],
               "int8_state": st["int8"], "same_text": same, "paired": pair}
        result["sections"]["/".join(section)] = row
        fmt = lambda v: "    —" if v is None else f"{v:6.1%}"  # noqa: E731
        print(f"{'/'.join(section):22s} {len(idx):5d}  {row['float_folded']:9.1%} "
              f"{row['int8_folded']:9.1%}  {fmt(st['float']):>11s} {fmt(st['int8']):>11s}  "
              f"{same:9.1%}  {pair['ours_only']} / {pair['peer_only']} / {pair['both']} / "
              f"{pair['neither']}")
    n = len(cases)
    agree_text = sum(a.text == b.text for a, b in zip(reads["float"], reads["int8"], strict=True))
    agree_state = sum(a.state == b.state
                      for a, b in zip(reads["float"], reads["int8"], strict=True))
    print(f"\nall {n} crops: same text {agree_text / n:.1%}, same state {agree_state / n:.1%}")
    result["same_text"], result["same_state"] = agree_text / n, agree_state / n
    for p in reads:
        sure = [i for i in range(n) if reads[p][i].confidence >= 0.9]
        good = sum(right(cases[i].plate, reads[p][i].text, True) for i in sure)
        print(f"{p:5s}: {len(sure) / n:.1%} of reads at confidence >= 0.9, {good} of "
              f"{len(sure)} right ({good / max(1, len(sure)):.1%})")
        result[f"{p}_sure_share"], result[f"{p}_sure_right"] = len(sure) / n, good / max(1, len(sure))
    print("\nnetwork alone, batch 256, crops/s:")
    for threads in (1, 2):
        speeds = {p: network_speed(rec, images, threads) for p, rec in readers.items()}
        print(f"  {threads} thread{'s' if threads > 1 else ' '}: float {speeds['float']:6.0f}   "
              f"int8 {speeds['int8']:6.0f}   int8/float {speeds['int8'] / speeds['float']:.2f}x")
        result[f"speed_{threads}_threads"] = speeds
    if args.json:
        args.json.write_text(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
