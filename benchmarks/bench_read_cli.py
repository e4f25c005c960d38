"""Benchmark: ``alpr read --crops`` as a user runs it (a fresh process, files in, JSON lines
out), against fast-plate-ocr reading the same files in the same run.

Usage: ``python benchmarks/bench_read_cli.py [--n 3000] [--labels CSV ...] [--peer-python PY]
[--no-reread] [--int8] [--no-peer]``

Measured, each the median of ``--repeats`` runs:
- start-up: ``alpr read --crops`` on one crop (process start, imports, model load, one read);
- throughput: ``alpr read --crops`` on ``--n`` crop files (the real US and Brazilian crops,
  repeated to reach N), crops per second after start-up, decoding included;
- whether torch was imported on the way (it must not be: ONNX Runtime reads);
- the peer: fast-plate-ocr ``cct-xs-v2-global`` (``../shared/peers/fast-plate-ocr``) in its
  own process on the same files (``LicensePlateRecognizer.run`` on the paths, batches of 256),
  the same two figures, and the ratio.
The peer's venv: ``python3 -m venv /root/fpo-venv && /root/fpo-venv/bin/pip install
'fast-plate-ocr[onnx]==1.1.0'`` (``--peer-python``, default ``$FPO_PYTHON``).
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
LABELS = [SHARED / "datasets" / "openalpr-us-crops" / "labels.csv",
          SHARED / "datasets" / "openalpr-br-crops" / "labels.csv"]
PEER = SHARED / "peers" / "fast-plate-ocr"
ALPR = Path(sys.executable).with_name("alpr")

PEER_CODE = """
import sys, time
t0 = time.perf_counter()
from fast_plate_ocr import LicensePlateRecognizer
m = sys.argv[1]
rec = LicensePlateRecognizer(onnx_model_path=m + "/cct_xs_v2_global.onnx",
                             plate_config_path=m + "/cct_xs_v2_global_plate_config.yaml",
                             device="cpu")
paths = open(sys.argv[2]).read().split()
out = []
for i in range(0, len(paths), 256):
    res = rec.run(paths[i:i + 256])
    out.extend(res)
sys.stdout.write("".join(str(r) + "\\n" for r in out))
"""


def crop_files(labels: list[Path], n: int) -> list[str]:
    files: list[str] = []
    for path in labels:
        if not path.is_file():
            continue
        with open(path, newline="") as fh:
            files += [str((path.parent / row["image"]).resolve()) for row in csv.DictReader(fh)]
    if not files:
        raise SystemExit(f"no crops: none of {', '.join(map(str, labels))} exists")
    return (files * (n // len(files) + 1))[:n]


def timed(cmd: list[str], stdin_files: Path | None = None) -> tuple[float, str]:
    t0 = time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=3600)
    seconds = time.perf_counter() - t0
    if done.returncode not in (0, 1):
        raise SystemExit(f"{cmd[0]} failed ({done.returncode}): {done.stderr[-800:]}")
    return seconds, done.stdout


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=3000, help="crop files per throughput run")
    ap.add_argument("--labels", type=Path, nargs="*", default=LABELS)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--peer-python", default=os.environ.get("FPO_PYTHON",
                                                            "/root/fpo-venv/bin/python"))
    ap.add_argument("--no-reread", action="store_true", help="pass --no-reread to alpr read")
    ap.add_argument("--int8", action="store_true", help="pass --int8 to alpr read (the "
                                                        "model's 8-bit copy)")
    ap.add_argument("--no-peer", action="store_true", help="do not run the peer")
    args = ap.parse_args()
    files = crop_files(args.labels, args.n)
    extra = (["--no-reread"] if args.no_reread else []) + (["--int8"] if args.int8 else [])
    probe = ("import sys, runpy; sys.argv = ['alpr', 'read', '--crops', sys.argv[1]]; "
             "from alpr.cli import main; main(); "
             "print('TORCH' if 'torch' in sys.modules else 'NO-TORCH', file=sys.stderr)")
    done = subprocess.run([sys.executable, "-c", probe, files[0]], capture_output=True,
                          text=True, timeout=600)
    torch_loaded = "NO-TORCH" not in done.stderr
    start = statistics.median(timed([str(ALPR), "read", "--crops", files[0], *extra])[0]
                              for _ in range(args.repeats))
    runs = []
    for _ in range(args.repeats):
        seconds, out = timed([str(ALPR), "read", "--crops", *files, *extra])
        lines = out.count("\n")
        assert lines == len(files), f"{lines} output lines for {len(files)} files"
        runs.append(seconds)
    total = statistics.median(runs)
    ours = len(files) / max(total - start, 1e-9)
    print(f"{dt.date.today()} {platform.node()} {os.cpu_count()} cores, Python "
          f"{platform.python_version()}; {len(files)} crop files")
    print(f"alpr read --crops{''.join(' ' + e for e in extra)}: start-up {start:.2f} s "
          f"(one crop, whole process), {len(files)} crops in {total:.1f} s -> "
          f"{ours:.0f} crops/s after start-up; torch imported: {torch_loaded}")
    result = {"date": str(dt.date.today()), "flags": extra, "files": len(files), "start_s": round(start, 3),
              "total_s": round(total, 2), "crops_per_s": round(ours, 1),
              "torch_imported": torch_loaded}
    peer_py = Path(args.peer_python)
    if args.no_peer:
        print("peer not run (--no-peer)")
    elif peer_py.exists() and (PEER / "cct_xs_v2_global.onnx").is_file():
        with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as fh:
            fh.write("\n".join(files))
            one = Path(fh.name + ".one")
        one.write_text(files[0])
        p_start = statistics.median(timed([str(peer_py), "-c", PEER_CODE, str(PEER),
                                           str(one)])[0] for _ in range(args.repeats))
        p_total = statistics.median(timed([str(peer_py), "-c", PEER_CODE, str(PEER),
                                           fh.name])[0] for _ in range(args.repeats))
        peer = len(files) / max(p_total - p_start, 1e-9)
        print(f"fast-plate-ocr cct-xs-v2-global (same files, its own process): start-up "
              f"{p_start:.2f} s, {len(files)} crops in {p_total:.1f} s -> {peer:.0f} crops/s")
        print(f"ratio ours / peer: start-up {start / p_start:.2f}x the peer's time, "
              f"throughput {ours / peer:.2f}x the peer's")
        result.update(peer_start_s=round(p_start, 3), peer_total_s=round(p_total, 2),
                      peer_crops_per_s=round(peer, 1))
        os.unlink(fh.name)
        one.unlink()
    else:
        print(f"peer not run: no {peer_py} (see this script's docstring to install it)")
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
