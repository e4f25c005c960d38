"""Benchmark: the shipped plate detector + recognizer on real full frames, end to end.

Usage: ``python benchmarks/bench_detector.py [--split val|all] [--detector DIR] [--frames N]``

Accuracy on the held-out frames of ``openalpr-us-frames`` and ``openalpr-eu-frames`` (the
detector config's file-name hash split; no training step saw them): detection recall and
precision at IoU >= 0.4, false plates per frame, end-to-end exact read (strict, O/0-folded),
for the pipeline as shipped (with the detector card's read check) and the detector alone.
Speed on 1080p frames (the real frames resized to 1920x1080 and JPEG-encoded in memory): one
frame end to end (JPEG decode + detect + crop + recognise) with ONNX Runtime and PyTorch, and
frames/s for batches of 8. Peer in the same run: torchvision's smallest detection model
(``fasterrcnn_mobilenet_v3_large_320_fpn``, untrained weights: speed only) at the same input.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import resource
import statistics
import time
from pathlib import Path

import cv2
import numpy as np

from alpr.datasets import load_frames, split
from alpr.detector.detector import PlateDetector
from alpr.detector.evaluation import evaluate_frames
from alpr.detector.pipeline import find_plates, read_frames
from alpr.recognizer.preprocess import load_rgb
from alpr.recognizer.recognizer import Recognizer

ROOT = Path(__file__).resolve().parents[1]
SETS = ("openalpr-us-frames", "openalpr-eu-frames")
DATA = ROOT.parent / "shared" / "datasets"


def decode_jpeg(buf: bytes) -> np.ndarray:
    img = cv2.imdecode(np.frombuffer(buf, np.uint8), cv2.IMREAD_COLOR)
    return cv2.cvtColor(img, cv2.COLOR_BGR2RGB)


def end_to_end_ms(det: PlateDetector, rec: Recognizer, jpegs: list[bytes]) -> list[float]:
    out = []
    for buf in jpegs:
        t0 = time.perf_counter()
        frame = decode_jpeg(buf)
        find_plates([frame], det, rec)
        out.append((time.perf_counter() - t0) * 1e3)
    return out


def batch_fps(det: PlateDetector, rec: Recognizer, jpegs: list[bytes], batch: int = 8) -> float:
    t0 = time.perf_counter()
    n = 0
    for i in range(0, len(jpegs), batch):
        frames = [decode_jpeg(b) for b in jpegs[i:i + batch]]
        read_frames(frames, det, rec)
        n += len(frames)
    return n / (time.perf_counter() - t0)


def peer_ms(frames: list[np.ndarray]) -> float:
    """torchvision fasterrcnn_mobilenet_v3_large_320_fpn (random weights), median ms/frame."""
    import torch
    from torchvision.models.detection import fasterrcnn_mobilenet_v3_large_320_fpn

    net = fasterrcnn_mobilenet_v3_large_320_fpn(weights=None, weights_backbone=None,
                                                num_classes=2).eval()
    lat = []
    with torch.inference_mode():
        for f in frames:
            t0 = time.perf_counter()
            x = torch.from_numpy(f).permute(2, 0, 1).float() / 255
            net([x])
            lat.append((time.perf_counter() - t0) * 1e3)
    return statistics.median(lat[1:] if len(lat) > 1 else lat)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--split", choices=["val", "all"], default="val")
    ap.add_argument("--detector", default=None)
    ap.add_argument("--frames", type=int, default=40, help="1080p frames timed")
    args = ap.parse_args()

    det = PlateDetector.load(args.detector)
    rec = Recognizer.load()
    val_fraction = det.artifact.card.get("config", {}).get("data", {}).get("val_fraction", 0.3)
    print(f"date: {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC  machine: {platform.machine()} "
          f"{os.cpu_count()} cpus, {platform.system()} {platform.release()}, "
          f"load average {os.getloadavg()[0]:.1f}")
    print(f"detector: {args.detector or 'models/plate-detector'} ({det.backend}), "
          f"threshold {det.threshold}\n")
    alone = PlateDetector.load(args.detector, read_check=False)
    if det.read_check is not None:
        print(det.read_check.describe(det.threshold) + "\n")
    print(f"{'set':40s} frames  recall  precision  false/frame  read strict  read O/0")
    all_items = []
    sets = []
    for name in SETS:
        labels = DATA / name / "labels.csv"
        if not labels.exists():
            print(f"{name}: not present at {labels}; skipped")
            continue
        items = load_frames(labels, corrections=ROOT / "training" / "label_corrections.csv").items
        if args.split == "val":
            items = split(items, val_fraction)[1]
        all_items += items
        sets.append((name, items))
    if not all_items:
        return
    sets.append(("both", all_items))
    for label, d in (("", det), (" (detector alone)", alone)):
        if label and det.read_check is None:
            continue
        for name, items in sets:
            m = evaluate_frames(d, items, rec).metrics()
            print(f"{name + label:40s} {int(m['frames']):6d}  {m['recall']:6.1%}  "
                  f"{m['precision']:9.1%}  {m['false_plates_per_frame']:11.3f}  "
                  f"{m['end_to_end_exact']:11.1%}  {m['end_to_end_exact_o_folded']:8.1%}")
    print()

    frames = [cv2.resize(load_rgb(it.image), (1920, 1080), interpolation=cv2.INTER_LINEAR)
              for it in (all_items * 4)[:args.frames]]
    jpegs = [cv2.imencode(".jpg", cv2.cvtColor(f, cv2.COLOR_RGB2BGR),
                          [cv2.IMWRITE_JPEG_QUALITY, 90])[1].tobytes() for f in frames]
    print(f"{f'speed on {len(jpegs)} 1080p JPEG frames':40s} median ms  p90 ms  frames/s (batch 8)")
    runs = [("onnx", True), ("torch", True)] + ([("onnx", False)] if det.read_check else [])
    for backend, check in runs:
        d = PlateDetector.load(args.detector, backend=backend, read_check=check)
        end_to_end_ms(d, rec, jpegs[:2])  # warm-up
        lat = end_to_end_ms(d, rec, jpegs)
        fps = batch_fps(d, rec, jpegs)
        label = backend if check else f"{backend}, no read check"
        print(f"{'alpr end to end (' + label + ')':40s} {statistics.median(lat):9.1f}  "
              f"{np.percentile(lat, 90):6.1f}  {fps:8.1f}")
    # the slowest path: a frame with no plate gets every look (640 px, 320 px, the closer one)
    empty = np.clip(np.random.default_rng(0).normal(110, 25, (1080, 1920, 3)), 0,
                    255).astype(np.uint8)
    empty_jpeg = [cv2.imencode(".jpg", empty, [cv2.IMWRITE_JPEG_QUALITY, 90])[1].tobytes()] * 10
    d = PlateDetector.load(args.detector)
    lat = end_to_end_ms(d, rec, empty_jpeg)
    print(f"{'alpr end to end, a frame with no plate':40s} {statistics.median(lat):9.1f}  "
          f"{np.percentile(lat, 90):6.1f}")
    t0 = time.perf_counter()
    for buf in jpegs:
        decode_jpeg(buf)
    print(f"{'  of which JPEG decode':40s} {(time.perf_counter() - t0) / len(jpegs) * 1e3:9.1f}")
    lat = []
    d = PlateDetector.load(args.detector)
    for f in frames:
        t0 = time.perf_counter()
        d.detect(f)
        lat.append((time.perf_counter() - t0) * 1e3)
    print(f"{'  of which detection (onnx)':40s} {statistics.median(lat):9.1f}")
    peer = peer_ms([cv2.resize(f, (640, 360)) for f in frames[:10]])
    print(f"peer: torchvision fasterrcnn_mobilenet_v3_large_320_fpn, detection only, "
          f"{peer:.1f} ms/frame (ratio peer/alpr detection: {peer / statistics.median(lat):.1f}x)")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory of this process: {peak:.0f} MiB")


if __name__ == "__main__":
    main()
