"""Benchmark: reading real camera frames, end to end and plate by plate, against fast-plate-ocr.

Usage: ``python benchmarks/bench_frames.py [--side test|tune] [--model DIR] [--detector DIR]
[--config YAML] [--limit N] [--copies 3] [--json OUT] [--no-peer] [--peer-python PATH]``

Everything is measured on one side of the plate-text split (``alpr.splits``; the side's plates
are on no other side): *test* by default, read once per candidate model about to ship; *tune*
is for choosing things. In one run:

1. end to end on the side's US and European frames: detector + read check + recognizer
   (``find_plates``): recall at IoU >= 0.4, false plates per frame, exact read (strict and
   O/0-folded), median and p90 ms a frame at the frames' own size and resized to 1080p;
2. the recognizer alone on each frame plate's TRUE box, cut three ways (no padding, the
   pipeline's ``CROP_MARGIN``, 10% each side), per plate-height bucket (< 35, 35-50, > 50 px),
   with the peer on the same crops and a paired count (ours only right, peer only, both,
   neither; O/0-folded);
3. tight crops (US with state, Brazilian text only): text, and our state top-1;
4. frame-like: each tight crop degraded to frame conditions (``alpr.recognizer.augment.frame_degrade``,
   plates 22-60 px, blur, noise, JPEG; a fixed seed per crop and copy, so both readers see the
   same pixels), ``--copies`` per crop: text per height bucket, our state on the US ones.

Peer: fast-plate-ocr 1.1.0, model ``cct_xs_v2_global`` (``../shared/peers/fast-plate-ocr``),
run in its own virtual environment in a subprocess (never a dependency of the workbench)::

    python3 -m venv /root/fpo-venv && /root/fpo-venv/bin/pip install 'fast-plate-ocr[onnx]==1.1.0'

(``--peer-python``, default ``$FPO_PYTHON`` or ``/root/fpo-venv/bin/python``; without it the
benchmark says how to install it and runs without the peer.)
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import platform
import random
import statistics
import subprocess
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from alpr.datasets import LabelledCrop
from alpr.detector.detector import Detection, PlateDetector
from alpr.detector.evaluation import IOU_THRESHOLD, build_report
from alpr.detector.pipeline import CROP_MARGIN, find_plates, plate_crop
from alpr.recognizer.augment import frame_degrade
from alpr.recognizer.config import load_config
from alpr.recognizer.data import split_items
from alpr.recognizer.preprocess import load_rgb
from alpr.recognizer.recognizer import Recognizer
from alpr.vocabulary.plate_text import fold_o_to_zero

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_CONFIG = "training/configs/frames.yaml"
PEER_DIR = ROOT.parent / "shared" / "peers" / "fast-plate-ocr"
PEER_MODEL = "cct_xs_v2_global"
PEER_INSTALL = ("python3 -m venv /root/fpo-venv && "
                "/root/fpo-venv/bin/pip install 'fast-plate-ocr[onnx]==1.1.0'")
BUCKETS = ("<35", "35-50", ">50")
PADDINGS = {"none": (0.0, 0.0), "margin": CROP_MARGIN, "pad10": (0.10, 0.10)}
REGIONS = ("us", "eu", "br")

# Runs inside the peer's venv: reads an .npz of RGB crops ("0", "1", ...), writes the texts
# and its one-crop latency as JSON. Kept to the package's documented API.
PEER_PROGRAM = r"""
import json, sys, time
import numpy as np
import fast_plate_ocr
from fast_plate_ocr import LicensePlateRecognizer
src, out, model, config = sys.argv[1:5]
rec = LicensePlateRecognizer(onnx_model_path=model, plate_config_path=config, device="cpu")
data = np.load(src)
images = [data[str(i)] for i in range(len(data.files))]
texts = []
for i in range(0, len(images), 64):
    texts += [p.plate.replace("_", "") for p in rec.run(images[i:i + 64])]
rec.run(images[:1])
lat = []
for im in images[:100]:
    t0 = time.perf_counter()
    rec.run([im])
    lat.append((time.perf_counter() - t0) * 1e3)
lat.sort()
json.dump({"texts": texts, "one_crop_ms": lat[len(lat) // 2] if lat else None,
           "version": getattr(fast_plate_ocr, "__version__", "1.1.0")}, open(out, "w"))
"""


@dataclass(frozen=True)
class Case:
    """One plate image handed to both readers, with what it is and its truth."""

    section: str  # "true-box", "tight" or "frame-like"
    view: str  # "none" / "margin" / "pad10" (true box), "tight", "degraded"
    region: str  # "us", "eu", "br"
    name: str  # image file name (and copy number)
    plate: str
    state: str | None
    height: int  # the plate's height in pixels: the true box's, or the crop's
    image: np.ndarray  # (H, W, 3) uint8 RGB


def height_bucket(height: float) -> str:
    """The plate-height bucket of a plate ``height`` px high.

    >>> [height_bucket(h) for h in (34, 35, 50, 51)]
    ['<35', '35-50', '35-50', '>50']
    """
    return "<35" if height < 35 else "35-50" if height <= 50 else ">50"


def region_of(item: LabelledCrop) -> str:
    """'us', 'eu' or 'br' from the data set folder (``openalpr-us-frames`` -> 'us')."""
    folder = item.image.parent.parent.name
    return next((r for r in REGIONS if f"-{r}-" in f"-{folder}-"), folder)


def true_box_cases(item: LabelledCrop, frame: np.ndarray) -> list[Case]:
    """The frame plate's true box cut the three ways of :data:`PADDINGS`."""
    assert item.box is not None
    return [Case("true-box", view, region_of(item), item.image.name, item.plate, item.state,
                 int(item.box[3]), plate_crop(frame, item.box, margin))
            for view, margin in PADDINGS.items()]


def degrade_seed(name: str, copy: int) -> int:
    """A seed fixed by the crop's file name and copy number (the same in every run)."""
    return int(hashlib.sha1(f"{name}#{copy}".encode()).hexdigest()[:12], 16)


def frame_like_cases(item: LabelledCrop, crop: np.ndarray, copies: int) -> list[Case]:
    """``copies`` frame-degraded versions of a tight crop, bucketed by their new height."""
    out = []
    for k in range(copies):
        img = frame_degrade(crop, random.Random(degrade_seed(item.image.name, k)))
        out.append(Case("frame-like", "degraded", region_of(item), f"{item.image.name}#{k}",
                        item.plate, item.state, img.shape[0], img))
    return out


def tight_case(item: LabelledCrop, crop: np.ndarray) -> Case:
    return Case("tight", "tight", region_of(item), item.image.name, item.plate, item.state,
                crop.shape[0], crop)


def paired_counts(ours_ok: Sequence[bool], peer_ok: Sequence[bool]) -> dict[str, int]:
    """How two readers' right answers overlap on the same plates.

    >>> paired_counts([True, True, False, False], [True, False, True, False])
    {'ours_only': 1, 'peer_only': 1, 'both': 1, 'neither': 1}
    """
    pairs = list(zip(ours_ok, peer_ok, strict=True))
    return {"ours_only": sum(o and not p for o, p in pairs),
            "peer_only": sum(p and not o for o, p in pairs),
            "both": sum(o and p for o, p in pairs),
            "neither": sum(not o and not p for o, p in pairs)}


def right(truth: str, read: str, fold: bool) -> bool:
    return fold_o_to_zero(read) == fold_o_to_zero(truth) if fold else read == truth


def score(cases: Sequence[Case], ours: Sequence[str], ours_state: Sequence[str],
          peer: Sequence[str] | None) -> dict[str, Any]:
    """Counts and rates for one group of cases (ours, our state where labelled, the peer)."""
    n = len(cases)
    row: dict[str, Any] = {"n": n}
    if not n:
        return row
    ok = [right(c.plate, t, True) for c, t in zip(cases, ours, strict=True)]
    row["ours_strict"] = sum(right(c.plate, t, False) for c, t in zip(cases, ours, strict=True)) / n
    row["ours_folded"] = sum(ok) / n
    stated = [(c.state, s) for c, s in zip(cases, ours_state, strict=True) if c.state]
    if stated:
        row["ours_state"] = sum(a == b for a, b in stated) / len(stated)
    if peer is not None:
        pok = [right(c.plate, t, True) for c, t in zip(cases, peer, strict=True)]
        row["peer_strict"] = sum(right(c.plate, t, False)
                                 for c, t in zip(cases, peer, strict=True)) / n
        row["peer_folded"] = sum(pok) / n
        row["paired_folded"] = paired_counts(ok, pok)
    return row


def summarise(cases: Sequence[Case], ours: Sequence[str], ours_state: Sequence[str],
              peer: Sequence[str] | None) -> dict[str, Any]:
    """``{section: {view: {region or 'all': {bucket or 'all': score}}}}`` over the cases."""
    out: dict[str, Any] = {}
    idx: dict[tuple[str, str], list[int]] = {}
    for i, c in enumerate(cases):
        idx.setdefault((c.section, c.view), []).append(i)
    for (section, view), rows in idx.items():
        regions = sorted({cases[i].region for i in rows})
        table: dict[str, Any] = {}
        for region in [*regions, "all"]:
            sel = [i for i in rows if region in ("all", cases[i].region)]
            table[region] = {}
            for bucket in ("all", *BUCKETS):
                ks = [i for i in sel if bucket in ("all", height_bucket(cases[i].height))]
                table[region][bucket] = score([cases[i] for i in ks], [ours[i] for i in ks],
                                              [ours_state[i] for i in ks],
                                              None if peer is None else [peer[i] for i in ks])
        out.setdefault(section, {})[view] = table
    return out


def end_to_end(frames: list[np.ndarray], det: PlateDetector, rec: Recognizer,
               reread: bool = True
               ) -> tuple[list[list[Detection]], list[list[str]], list[float]]:
    """The pipeline over the frames one at a time: detections, their reads, ms per frame."""
    dets, texts, ms = [], [], []
    for f in frames:
        t0 = time.perf_counter()
        plates = find_plates([f], det, rec, reread=reread)[0]
        ms.append((time.perf_counter() - t0) * 1e3)
        dets.append([p.detection for p in plates])
        texts.append([p.read.text for p in plates])
    return dets, texts, ms


def e2e_figures(items: list[LabelledCrop], dets: list[list[Detection]],
                texts: list[list[str]], ms: list[float]) -> dict[str, float]:
    return {**build_report(items, dets, texts).metrics(), "median_ms": statistics.median(ms),
            "p90_ms": float(np.percentile(ms, 90))}


def peer_python(arg: str | None) -> Path | None:
    """The peer's interpreter when it can import fast-plate-ocr, else None (with a note)."""
    exe = Path(arg or os.environ.get("FPO_PYTHON") or "/root/fpo-venv/bin/python")
    ok = exe.exists() and subprocess.run([str(exe), "-c", "import fast_plate_ocr"],
                                         capture_output=True).returncode == 0
    if not ok:
        print(f"peer: fast-plate-ocr not importable with {exe}; running without it. "
              f"Install it in its own venv:\n  {PEER_INSTALL}\n(or pass --peer-python PATH)")
    if not (PEER_DIR / f"{PEER_MODEL}.onnx").exists():
        print(f"peer: model files not found in {PEER_DIR}; running without it")
        ok = False
    return exe if ok else None


def peer_read(exe: Path, images: list[np.ndarray]) -> dict[str, Any]:
    """fast-plate-ocr's texts (``_`` stripped) for the images, run in its own venv."""
    with tempfile.TemporaryDirectory() as tmp:
        src, out = Path(tmp) / "crops.npz", Path(tmp) / "reads.json"
        np.savez(src, **{str(i): im for i, im in enumerate(images)})
        cmd = [str(exe), "-c", PEER_PROGRAM, str(src), str(out),
               str(PEER_DIR / f"{PEER_MODEL}.onnx"),
               str(PEER_DIR / f"{PEER_MODEL}_plate_config.yaml")]
        res = subprocess.run(cmd, capture_output=True, text=True, timeout=3600)
        if res.returncode != 0:
            raise RuntimeError(f"the peer failed (exit {res.returncode}):\n{res.stderr[-2000:]}")
        got = json.loads(out.read_text())
    assert len(got["texts"]) == len(images), "the peer returned a read per crop"
    return got


def one_crop_ms(rec: Recognizer, images: list[np.ndarray]) -> float:
    rec.read_crops(images[:1])
    lat = []
    for im in images[:100]:
        t0 = time.perf_counter()
        rec.read_crop(im)
        lat.append((time.perf_counter() - t0) * 1e3)
    return statistics.median(lat)


def pct(row: dict[str, Any], key: str) -> str:
    return f"{row[key]:6.1%}" if key in row else "     -"


def print_reads(title: str, table: dict[str, Any], peer: bool, buckets: bool = True) -> None:
    print(title)
    print(f"  {'set':5s} {'height':6s} {'n':>4s}  ours strict  ours O/0  state  "
          + ("peer strict  peer O/0  ours-only peer-only both neither" if peer else ""))
    for region, rows in table.items():
        for bucket, r in rows.items():
            if not r["n"] or (bucket != "all" and not buckets):
                continue
            line = (f"  {region:5s} {bucket:6s} {r['n']:4d}  {pct(r, 'ours_strict'):>11s}  "
                    f"{pct(r, 'ours_folded'):>8s}  {pct(r, 'ours_state')}")
            if peer and "paired_folded" in r:
                p = r["paired_folded"]
                line += (f"  {pct(r, 'peer_strict'):>11s}  {pct(r, 'peer_folded'):>8s}  "
                         f"{p['ours_only']:9d} {p['peer_only']:9d} {p['both']:4d} "
                         f"{p['neither']:7d}")
            print(line)
    print()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", default=None, help="recognizer folder (default models/plate-ocr)")
    ap.add_argument("--detector", default=None,
                    help="detector folder (default models/plate-detector)")
    ap.add_argument("--config", default=DEFAULT_CONFIG, help="the split's training config")
    ap.add_argument("--side", choices=["test", "tune"], default="test")
    ap.add_argument("--limit", type=int, default=None,
                    help="at most N items of each set (a quick smoke)")
    ap.add_argument("--copies", type=int, default=3, help="frame-like copies per crop")
    ap.add_argument("--json", type=Path, default=None, help="write every figure here")
    ap.add_argument("--no-peer", action="store_true")
    ap.add_argument("--no-reread", action="store_true",
                    help="read each plate once (default: unsure reads are re-read from several "
                         "views, as alpr read does)")
    ap.add_argument("--peer-python", default=None)
    args = ap.parse_args()

    cfg_path = Path(args.config)
    cfg_path = cfg_path if cfg_path.is_absolute() else ROOT / cfg_path
    cwd = os.getcwd()
    os.chdir(ROOT)  # the config's data paths are relative to the checkout
    try:
        items = split_items(load_config(cfg_path).data).side(args.side)
    finally:
        os.chdir(cwd)
    groups: dict[tuple[str, bool], list[LabelledCrop]] = {}
    for it in items:
        groups.setdefault((region_of(it), it.box is not None), []).append(it)
    if args.limit is not None:
        groups = {k: v[:args.limit] for k, v in groups.items()}
    frames_items = {r: groups.get((r, True), []) for r in REGIONS if groups.get((r, True))}
    crop_items = [it for (_, is_frame), v in sorted(groups.items()) if not is_frame for it in v]

    det = PlateDetector.load(args.detector)
    rec = Recognizer.load(args.model)
    exe = None if args.no_peer else peer_python(args.peer_python)
    machine = (f"{platform.machine()} {os.cpu_count()} cpus, {platform.system()} "
               f"{platform.release()}, Python {platform.python_version()}")
    load = os.getloadavg()[0]
    date = f"{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC"
    counts = ", ".join(f"{len(v)} {r.upper()} {'frames' if f else 'crops'}"
                       for (r, f), v in sorted(groups.items()))
    print(f"date: {date}  machine: {machine}, load average {load:.1f}")
    print(f"split: {args.config}, side {args.side}: {counts}")
    print(f"recognizer: {args.model or 'models/plate-ocr'} "
          f"({rec.artifact.card.get('name', '?')}, {rec.backend}); detector: "
          f"{args.detector or 'models/plate-detector'} (threshold {det.threshold}, "
          f"read check {'on' if det.read_check else 'off'})")
    print(f"peer: {'fast-plate-ocr ' + PEER_MODEL + ' via ' + str(exe) if exe else 'none'}\n")
    result: dict[str, Any] = {"date": date, "machine": machine, "load_average": load,
                              "config": args.config, "side": args.side, "counts": counts,
                              "model": args.model or "models/plate-ocr",
                              "detector": args.detector or "models/plate-detector",
                              "peer": PEER_MODEL if exe else None}

    # 1. end to end
    frames = {r: [load_rgb(it.image) for it in v] for r, v in frames_items.items()}
    if frames:
        find_plates([next(iter(frames.values()))[0]], det, rec)  # warm-up
    print(f"1. end to end (detector + read check + recognizer), found at IoU >= {IOU_THRESHOLD}")
    print(f"  {'set':5s} frames  recall  false/frame  read strict  read O/0  median ms  p90 ms")
    e2e: dict[str, Any] = {}
    all_items: list[LabelledCrop] = []
    all_frames: list[np.ndarray] = []
    all_runs: tuple[list, list, list] = ([], [], [])
    for r in frames_items:
        run = end_to_end(frames[r], det, rec, reread=not args.no_reread)
        e2e[r] = e2e_figures(frames_items[r], *run)
        all_items += frames_items[r]
        all_frames += frames[r]
        for acc, part in zip(all_runs, run, strict=True):
            acc += part
    if all_items:
        e2e["both"] = e2e_figures(all_items, *all_runs)
        hd = [cv2.resize(f, (1920, 1080), interpolation=cv2.INTER_LINEAR) for f in all_frames]
        lat = []
        for f in hd:
            t0 = time.perf_counter()
            find_plates([f], det, rec)
            lat.append((time.perf_counter() - t0) * 1e3)
        e2e["1080p"] = {"median_ms": statistics.median(lat), "p90_ms": float(np.percentile(lat, 90))}
    for r, m in e2e.items():
        if r == "1080p":
            continue
        print(f"  {r:5s} {int(m['frames']):6d}  {m['recall']:6.1%}  {m['false_plates_per_frame']:11.3f}"
              f"  {m['end_to_end_exact']:11.1%}  {m['end_to_end_exact_o_folded']:8.1%}"
              f"  {m['median_ms']:9.1f}  {m['p90_ms']:6.1f}")
    if "1080p" in e2e:
        sizes = sorted({f"{f.shape[1]}x{f.shape[0]}" for f in all_frames})
        print(f"  ms at the frames' own size ({', '.join(sizes[:4])}{'...' if len(sizes) > 4 else ''});"
              f" the same frames resized to 1920x1080: median {e2e['1080p']['median_ms']:.1f},"
              f" p90 {e2e['1080p']['p90_ms']:.1f} ms (decode not included)")
    print()
    result["end_to_end"] = e2e

    # 2-4. the cases both readers see
    cases: list[Case] = []
    for r in frames_items:
        for it, f in zip(frames_items[r], frames[r], strict=True):
            cases += true_box_cases(it, f)
    crops = [load_rgb(it.image) for it in crop_items]
    for it, c in zip(crop_items, crops, strict=True):
        cases.append(tight_case(it, c))
    for it, c in zip(crop_items, crops, strict=True):
        cases += frame_like_cases(it, c, args.copies)
    images = [c.image for c in cases]
    reads = rec.read_crops(images, reread=not args.no_reread)
    ours = [r.text for r in reads]
    ours_state = [r.state for r in reads]
    peer = None
    speed: dict[str, Any] = {"ours_one_crop_ms": one_crop_ms(rec, images)}
    if exe is not None:
        got = peer_read(exe, images)
        peer = got["texts"]
        speed["peer_one_crop_ms"] = got["one_crop_ms"]
        result["peer_version"] = got["version"]
    summary = summarise(cases, ours, ours_state, peer)
    result.update(summary)
    result["speed"] = speed

    views = {"none": "no padding", "margin": f"pipeline margin {CROP_MARGIN}",
             "pad10": "10% each side"}
    for view, label in views.items():
        if view in summary.get("true-box", {}):
            print_reads(f"2. recognizer on the true box, {label} (paired counts O/0-folded)",
                        summary["true-box"][view], peer is not None)
    if "tight" in summary:
        print_reads("3. tight crops (state: ours; the peer reads no US state)",
                    summary["tight"]["tight"], peer is not None, buckets=False)
    if "frame-like" in summary:
        print_reads(f"4. frame-like: tight crops through frame_degrade, {args.copies} copies "
                    "each (height: the degraded crop's)", summary["frame-like"]["degraded"],
                    peer is not None)
    line = f"speed, one crop (median of {min(100, len(images))}): ours (ONNX Runtime) " \
           f"{speed['ours_one_crop_ms']:.2f} ms"
    if speed.get("peer_one_crop_ms"):
        line += (f", peer {speed['peer_one_crop_ms']:.2f} ms (ratio peer/ours "
                 f"{speed['peer_one_crop_ms'] / speed['ours_one_crop_ms']:.1f}x)")
    print(line)

    if args.json:
        result["rows"] = [{"section": c.section, "view": c.view, "region": c.region,
                           "name": c.name, "plate": c.plate, "state": c.state,
                           "height": c.height, "ours": o, "ours_state": s,
                           "peer": None if peer is None else peer[i]}
                          for i, (c, o, s) in enumerate(zip(cases, ours, ours_state, strict=True))]
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(result, indent=1))
        print(f"figures written to {args.json}")


if __name__ == "__main__":
    main()
