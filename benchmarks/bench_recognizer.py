"""Benchmark: the shipped recognizer against Tesseract 5 on the same real plate crops.

Usage: ``python benchmarks/bench_recognizer.py [--labels CSV] [--split val|all] [--model DIR]``

Accuracy is measured on the validation split of the real US crops (plates no training step
saw; the split is the training config's hash rule) or on all of them with ``--split all``.
Speed: batched crops/s (batch 256), one-crop latency, model load time and peak memory, for
ONNX Runtime and PyTorch; the peer is Tesseract 5 (``--psm 7``, A-Z0-9 whitelist), run the
way a user would run it, on the same crops in the same run.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import resource
import shutil
import statistics
import subprocess
import time
from pathlib import Path

import cv2
import numpy as np

from alpr.datasets import load_crops, split
from alpr.metrics import exact_match
from alpr.recognizer.preprocess import load_rgb
from alpr.recognizer.recognizer import Recognizer

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_LABELS = ROOT.parent / "shared" / "datasets" / "openalpr-us-crops" / "labels.csv"
WHITELIST = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"


def tesseract_read(img: np.ndarray) -> str:
    ok, png = cv2.imencode(".png", cv2.cvtColor(img, cv2.COLOR_RGB2BGR))
    assert ok
    res = subprocess.run(["tesseract", "stdin", "stdout", "--psm", "7", "-c",
                          f"tessedit_char_whitelist={WHITELIST}"], input=png.tobytes(),
                         capture_output=True, timeout=60)
    return "".join(c for c in res.stdout.decode(errors="ignore").upper() if c in WHITELIST)


def time_backend(model: str | None, backend: str, images: list[np.ndarray]) -> dict[str, float]:
    t0 = time.perf_counter()
    rec = Recognizer.load(model, backend=backend)
    load_s = time.perf_counter() - t0
    rec.read_crops(images[:8])  # warm-up
    batch = (images * (1 + 1024 // max(1, len(images))))[:1024]
    t0 = time.perf_counter()
    rec.read_crops(batch, batch_size=256)
    batched = len(batch) / (time.perf_counter() - t0)
    lat = []
    for img in images[:100]:
        t0 = time.perf_counter()
        rec.read_crop(img)
        lat.append(time.perf_counter() - t0)
    return {"load_s": load_s, "crops_per_s": batched, "single_ms": statistics.median(lat) * 1e3}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--labels", type=Path, default=DEFAULT_LABELS)
    ap.add_argument("--split", choices=["val", "all"], default="val")
    ap.add_argument("--val-fraction", type=float, default=0.15)
    ap.add_argument("--model", default=None)
    ap.add_argument("--no-tesseract", action="store_true")
    args = ap.parse_args()

    items = load_crops(args.labels, corrections=ROOT / "training" / "label_corrections.csv").items
    if args.split == "val":
        items = split(items, args.val_fraction)[1]
    images = [load_rgb(it.image) for it in items]
    truth = [it.plate for it in items]
    print(f"date: {dt.date.today()}  machine: {platform.machine()} {platform.processor() or ''} "
          f"{os.cpu_count()} cpus, {platform.system()} {platform.release()}")
    print(f"crops: {len(items)} ({args.split} split of {args.labels})\n")

    rec = Recognizer.load(args.model)
    reads = rec.read_crops(images)
    ours = [r.text for r in reads]
    state = sum(r.state == it.state for r, it in zip(reads, items, strict=True)) / len(items)
    conf = np.array([r.confidence for r in reads])
    ok = np.array([t.replace("O", "0") == p.replace("O", "0") for t, p in zip(truth, ours, strict=True)])
    hi = conf >= 0.9
    print("accuracy                    alpr      tesseract")
    tess_reads: list[str] = []
    tess_s = float("nan")
    if not args.no_tesseract and shutil.which("tesseract"):
        t0 = time.perf_counter()
        tess_reads = [tesseract_read(img) for img in images]
        tess_s = len(images) / (time.perf_counter() - t0)
    def fmt(x: float | None) -> str:
        return "     n/a" if x is None else f"{x:8.1%}"
    tess_strict = exact_match(truth, tess_reads) if tess_reads else None
    tess_fold = exact_match(truth, tess_reads, fold_o=True) if tess_reads else None
    print(f"exact match (strict)    {fmt(exact_match(truth, ours))}   {fmt(tess_strict)}")
    print(f"exact match (O/0 fold)  {fmt(exact_match(truth, ours, fold_o=True))}   {fmt(tess_fold)}")
    print(f"state top-1             {fmt(state)}        n/a (reads no state)")
    print(f"reads with conf>=0.9: {hi.sum()} ({hi.mean():.0%}), of which right: "
          f"{ok[hi].mean() if hi.any() else float('nan'):.1%}\n")

    print("speed (this machine)        crops/s   one crop ms   load s")
    for backend in ("onnx", "torch"):
        s = time_backend(args.model, backend, images)
        print(f"alpr ({backend:5s})           {s['crops_per_s']:9.0f}   {s['single_ms']:11.2f}"
              f"   {s['load_s']:6.2f}")
        if backend == "onnx":
            ours_speed = s["crops_per_s"]
    if tess_reads:
        print(f"tesseract 5 (--psm 7)     {tess_s:9.1f}   {1e3 / tess_s:11.1f}        -")
        print(f"\nratio alpr(onnx)/tesseract crops/s: {ours_speed / tess_s:.0f}x")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory of this process: {peak:.0f} MiB")


if __name__ == "__main__":
    main()
