"""The ``alpr`` command line: thin handlers over the package."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from alpr.matcher.rules import MatchConfig


def _synth(args: argparse.Namespace) -> int:
    from alpr.synth.writer import write_dataset

    if args.n <= 0:
        print(f"error: --n {args.n}: the number of plates must be a positive integer",
              file=sys.stderr)
        return 2
    try:
        labels = write_dataset(Path(args.out), n=args.n, seed=args.seed, augment=args.augment,
                               states=args.state)
    except (ValueError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"wrote {args.n} plates and {labels}")
    return 0


def _demo(args: argparse.Namespace) -> int:
    from alpr.synth.writer import render_gallery, write_dataset

    out = Path(args.out)
    try:
        out.mkdir(parents=True, exist_ok=True)
        gallery = render_gallery(out / "synthetic_gallery.png", n=24, seed=args.seed)
        plates = out / "synthetic_plates"
        if plates.exists():
            import shutil

            shutil.rmtree(plates)
        labels = write_dataset(plates, n=args.n, seed=args.seed, augment=True)
    except (ValueError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"gallery of synthetic plates: {gallery}")
    print(f"{args.n} labelled synthetic plates: {labels}")
    from alpr.recognizer.recognizer import default_model_dir

    if (default_model_dir() / "model.pt").exists():
        from alpr.datasets import load_crops
        from alpr.recognizer.evaluation import evaluate
        from alpr.recognizer.recognizer import Recognizer

        report = evaluate(Recognizer.load(), load_crops(labels).items)
        print(f"the shipped recognizer read {report.exact_folded:.0%} of them exactly "
              f"(O/0 folded) and named the state of {report.state_accuracy or 0:.0%} "
              f"(synthetic plates; see docs/recognizer.md for real-plate figures)")
        if not args.no_department:
            from alpr.simulate.demo import build_demo, demo_url

            try:
                result = build_demo(args.db, out)
            except (ValueError, OSError) as exc:
                print(f"error: demo department: {exc}", file=sys.stderr)
                return 2
            print(f"demo department: {result.summary()}")
            print(f"  store: {args.db or demo_url(out)}; faults injected: "
                  f"{out / 'department' / 'faults.json'}")
            print("  log in as 'admin', password 'demo-admin-pass' (demo only); try "
                  "`alpr health report --user admin --db URL`")
            if not args.no_serve:
                return _serve_store(args.db or demo_url(out), args.port, None, False,
                                    diagnostics=True)
    return 0


def _read(args: argparse.Namespace) -> int:
    import numpy as np

    from alpr.recognizer.preprocess import ImageReadError, load_rgb
    from alpr.recognizer.recognizer import Recognizer

    if not args.crops:
        from alpr.cli.read import read_frames_cli

        return read_frames_cli(args)
    from concurrent.futures import ThreadPoolExecutor

    try:
        rec = Recognizer.load(args.model)
    except (FileNotFoundError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2

    def decode(path: str) -> np.ndarray | str:
        try:
            return load_rgb(path)
        except ImageReadError as exc:
            return str(exc)

    failures = 0
    size = 256
    chunks = [args.images[i:i + size] for i in range(0, len(args.images), size)]
    # files are decoded in threads (OpenCV releases the GIL), the next batch while the model
    # reads this one; results are printed in input order, a batch at a time
    with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        pending = pool.map(decode, chunks[0]) if chunks else iter(())
        for k, chunk in enumerate(chunks):
            decoded = list(pending)
            if k + 1 < len(chunks):
                pending = pool.map(decode, chunks[k + 1])
            results: list[dict] = []
            good: list[tuple[int, np.ndarray]] = []
            for path, img in zip(chunk, decoded, strict=True):
                if isinstance(img, str):
                    failures += 1
                    results.append({"image": path, "error": img})
                else:
                    good.append((len(results), img))
                    results.append({"image": path})
            reads = rec.read_crops([img for _, img in good],
                                   reread=not getattr(args, "no_reread", False))
            for (pos, _), read in zip(good, reads, strict=True):
                results[pos]["plates"] = [read.to_dict()]
            sys.stdout.write("".join(_read_line(r, args.format) + "\n" for r in results))
            sys.stdout.flush()
    return 1 if failures else 0


def _read_line(result: dict, fmt: str) -> str:
    path = result["image"]
    if fmt == "jsonl":
        return json.dumps(result)
    if "error" in result:
        return f"{path}\tERROR\t{result['error']}"
    p = result["plates"][0]
    return (f"{path}\t{p['text']}\t{p['confidence']:.2f}\t{p['state']}\t"
            f"{p['state_confidence']:.2f}")


def _evaluate(args: argparse.Namespace) -> int:
    if (args.labels is None) == (args.frames is None):
        print("error: give exactly one of --labels CROPS.csv (image,state,plate) or "
              "--frames FRAMES.csv (image,x,y,w,h,plate)", file=sys.stderr)
        return 2
    if args.frames is not None:
        from alpr.detector.evaluate_cli import run_evaluate_frames

        return run_evaluate_frames(args)
    from alpr.cli.evaluate import run_evaluate

    return run_evaluate(args)


def _calibrate(args: argparse.Namespace) -> int:
    from alpr.contracts.gates import check_crop_manifests
    from alpr.contracts.model import ContractFileError
    from alpr.contracts.runner import ContractRefused
    from alpr.datasets import LabelFileError
    from alpr.recognizer.recalibrate import recalibrate, recalibrate_on_tune

    if args.config is None and args.labels is None:
        print("error: --labels: give a labels CSV, or --config for a training config's tune "
              "side", file=sys.stderr)
        return 2
    if args.config is None:
        if not Path(args.labels).is_file():
            print(f"error: {args.labels}: labels file not found", file=sys.stderr)
            return 2
        try:  # the crop-manifest contract: bad rows reported (and left out), a broken set refused
            check_crop_manifests([args.labels], args.corrections)
        except (ContractRefused, ContractFileError) as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
    try:
        cal = (recalibrate_on_tune(Path(args.model), args.config) if args.config is not None
               else recalibrate(Path(args.model), args.labels, args.val_fraction,
                                args.corrections))
    except (LabelFileError, ValueError, FileNotFoundError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    where = f" (tune side of {args.config})" if args.config is not None else ""
    print(f"calibration{where} written to {Path(args.model) / 'card.json'}: "
          f"char temperature {cal['char_temperature']}, "
          f"state temperature {cal['state_temperature']}")
    return 0


def _train(args: argparse.Namespace) -> int:
    from alpr.detector.config import is_detector_config

    if is_detector_config(args.config):
        from alpr.detector.train_cli import run as run_detector

        return run_detector(args)
    from alpr.cli.train import run

    return run(args)


def _match_config(args: argparse.Namespace) -> MatchConfig:
    from alpr.matcher.rules import MatchConfig

    return MatchConfig(max_confusable_positions=args.max_confusable, allow_edit=not args.no_edit)


def _match(args: argparse.Namespace) -> int:
    from alpr.matcher.stream import run_match
    from alpr.utc import parse_utc

    try:
        at = parse_utc(args.at, "--at") if args.at else None
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return run_match(args.hotlist, args.reads, args.format, _match_config(args), at=at)


def _hotlist_preview(args: argparse.Namespace) -> int:
    from alpr.hotlist.entries import normalize_entry_plate
    from alpr.matcher.preview import misreads, preview
    from alpr.vocabulary.plate_text import PlateTextError

    try:
        plate = normalize_entry_plate(args.plate)
    except PlateTextError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    config = _match_config(args)
    print(preview(plate, config).text())
    if args.all and "?" not in plate and "*" not in plate:
        for text, (kind, _) in misreads(plate, config):
            print(f"{text}\t{kind}")
    return 0


def _add_tolerance(p: argparse.ArgumentParser) -> None:
    p.add_argument("--max-confusable", type=int, choices=[0, 1, 2], default=1,
                   help="look-alike characters allowed per read (default 1)")
    p.add_argument("--no-edit", action="store_true",
                   help="do not match reads with one character missing or extra")


def _serve(args: argparse.Namespace) -> int:
    from alpr.store.db import resolve_url

    url = resolve_url(args.db)
    if url.startswith("sqlite:///") and not Path(url[len("sqlite:///"):]).exists():
        print(f"error: --db {url}: no such store; create it with `alpr db upgrade` (or "
              f"`alpr demo`)", file=sys.stderr)
        return 2
    if not 0 < args.port < 65536:
        print(f"error: --port {args.port}: must be between 1 and 65535", file=sys.stderr)
        return 2
    if bool(args.ssl_certfile) != bool(args.ssl_keyfile):
        print("error: --ssl-certfile and --ssl-keyfile: give both (HTTPS) or neither",
              file=sys.stderr)
        return 2
    for flag, path in (("--ssl-certfile", args.ssl_certfile), ("--ssl-keyfile", args.ssl_keyfile)):
        if path and not Path(path).is_file():
            print(f"error: {flag} {path}: no such file", file=sys.stderr)
            return 2
    return _serve_store(url, args.port, args.address, args.show, not args.no_diagnostics,
                        secure_cookies=True if args.secure_cookies else None,
                        trust_proxy_headers=args.trust_proxy_headers,
                        ssl_certfile=args.ssl_certfile, ssl_keyfile=args.ssl_keyfile)


def _serve_store(url: str, port: int, address: str | None, show: bool,
                 diagnostics: bool, **security: Any) -> int:
    """Serve the dashboards (blocks until Ctrl-C), with the camera diagnostics plugged in.
    ``security``: :func:`alpr.dashboards.serve`'s cookie, proxy and TLS options."""
    from alpr.dashboards import serve
    from alpr.dashboards.server import secure_cookies_from_env
    from alpr.dashboards.signin import SignInPolicy

    try:  # settings from the environment: a wrong one is named before anything starts
        secure_cookies_from_env()
        SignInPolicy.from_env()
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    health = None
    if diagnostics:
        from alpr.health.dashboard import DiagnosticsHealth

        health = DiagnosticsHealth()
    host = address or "localhost"
    scheme = "https" if security.get("ssl_certfile") else "http"
    print(f"ALPR dashboards for {url} at {scheme}://{host}:{port}/ (sign in as an "
          f"administrator or auditor; Ctrl-C stops)", flush=True)
    serve(url, port=port, address=address, show=show, health=health, **security)
    return 0


def build_parser() -> argparse.ArgumentParser:
    from alpr import __version__

    p = argparse.ArgumentParser(prog="alpr", description="ALPR workbench")
    p.add_argument("--version", action="version", version=f"alpr {__version__}")
    sub = p.add_subparsers(dest="command", required=True)

    d = sub.add_parser("demo", help="build the demo department in the embedded store and serve "
                                    "its dashboards (no servers to install)")
    d.add_argument("--out", default="demo_output", help="output folder (default: demo_output)")
    d.add_argument("--n", type=int, default=200, help="synthetic plates to write")
    d.add_argument("--seed", type=int, default=0)
    d.add_argument("--db", help="store for the demo department (default: OUT/alpr-demo.db, "
                                "re-created each run)")
    d.add_argument("--no-department", action="store_true",
                   help="skip the simulated department (gallery and plates only)")
    d.add_argument("--no-serve", action="store_true", help="build the demo, serve nothing")
    d.add_argument("--port", type=int, default=5006, help="dashboards port (default 5006)")
    d.set_defaults(func=_demo)

    s = sub.add_parser("synth", help="render labelled synthetic plates")
    s.add_argument("--n", type=int, required=True, help="number of plates (> 0)")
    s.add_argument("--out", required=True, help="output folder (created; must be empty)")
    s.add_argument("--seed", type=int, default=0)
    s.add_argument("--augment", action="store_true", help="apply camera-effect augmentations")
    s.add_argument("--state", action="append", metavar="CODE",
                   help="only this jurisdiction (USPS code or name; repeatable)")
    s.set_defaults(func=_synth)

    r = sub.add_parser("read", help="read plate text and state from images")
    r.add_argument("images", nargs="+", metavar="IMAGE")
    r.add_argument("--crops", action="store_true", help="images are plate crops")
    r.add_argument("--jobs", type=int, default=os.cpu_count() or 1, metavar="N",
                   help="threads decoding image files (default: one per CPU core)")
    r.add_argument("--format", choices=["jsonl", "table"], default="jsonl")
    r.add_argument("--model", help="model folder or MLflow model URI (default: shipped model)")
    r.add_argument("--detector", help="detector folder or MLflow model URI for full frames "
                                      "(default: models/plate-detector)")
    r.add_argument("--threshold", type=float,
                   help="detection score threshold for full frames (default: the model's)")
    r.add_argument("--no-read-check", action="store_true",
                   help="full frames: keep only boxes at the detection threshold (by default a "
                        "box scored a little lower is kept when the recognizer reads it "
                        "confidently; see the detector's model card)")
    r.add_argument("--no-reread", action="store_true",
                   help="read each plate once (by default a read under confidence 0.9 is "
                        "read again from a few tighter, looser and shifted views and their "
                        "posteriors combined; see docs/recognizer.md)")
    r.set_defaults(func=_read)

    e = sub.add_parser("evaluate", help="measure a recognizer on labelled crops, or the "
                                        "detector + recognizer on labelled frames")
    e.add_argument("--labels", type=Path, help="image,state,plate CSV of plate crops")
    e.add_argument("--frames", type=Path, help="image,x,y,w,h,plate CSV of full frames: "
                                               "detection recall/precision + end-to-end reads")
    e.add_argument("--known-boxes", type=Path,
                   help="with --frames: image,x,y,w,h,kind CSV of other plates in the frames "
                        "that the one-plate labels leave out (kind plate or ignore); also "
                        "reports the figures without counting detections there as false")
    e.add_argument("--detector", help="detector folder or MLflow URI (with --frames)")
    e.add_argument("--no-read-check", action="store_true",
                   help="with --frames: the detector alone, without the read check")
    e.add_argument("--model", help="model folder or MLflow model URI (default: shipped model)")
    e.add_argument("--corrections", type=Path, help="image,old,new label corrections CSV")
    e.add_argument("--out", type=Path, help="folder for the report, plots and per-read CSV")
    e.add_argument("--no-track", action="store_true", help="do not log to MLflow")
    e.set_defaults(func=_evaluate)

    c = sub.add_parser("calibrate", help="re-fit a model's confidence calibration on crops")
    c.add_argument("--model", required=True, help="model folder whose card.json to update")
    c.add_argument("--labels", type=Path, help="image,state,plate CSV")
    c.add_argument("--config", type=Path,
                   help="instead of --labels: a training config; fits on the tune side of "
                        "its split (docs/evaluation.md), never the test side")
    c.add_argument("--val-fraction", type=float,
                   help="use only the hash-split held-out part (as training does)")
    c.add_argument("--corrections", type=Path, help="image,old,new label corrections CSV")
    c.set_defaults(func=_calibrate)

    from alpr.cli.store import add_parsers as add_store_parsers

    add_store_parsers(sub)
    from alpr.cli.records import add_parsers as add_records_parsers

    add_records_parsers(sub)
    from alpr.cli.records import add_evidence_parsers

    add_evidence_parsers(sub)
    from alpr.cli.users import add_parsers as add_users_parsers

    add_users_parsers(sub)
    from alpr.cli.report import add_parsers as add_report_parsers

    add_report_parsers(sub)

    t = sub.add_parser("train", help="train the recognizer (or, for a config with "
                                     "'task: detector', the plate detector) from a config file")
    from alpr.cli.train import add_arguments

    add_arguments(t)
    t.set_defaults(func=_train)

    m = sub.add_parser("match", help="match reads against hot lists")
    m.add_argument("--hotlist", action="append", required=True, type=Path, metavar="FILE",
                   help="NCIC-style PLATE;STATE;CATEGORY[;REFERENCE] file, or .csv (repeatable)")
    m.add_argument("--reads", required=True, metavar="READS.jsonl",
                   help='one {"id", "text", "state", "char_confidences"} object a line; - = stdin')
    m.add_argument("--format", choices=["jsonl", "table"], default="jsonl")
    m.add_argument("--at", help="match as of this ISO time with its UTC offset (default "
                                "now): entries expired by then do not match")
    _add_tolerance(m)
    m.set_defaults(func=_match)

    sv = sub.add_parser("serve", help="serve the administrators' dashboards (Panel)")
    sv.add_argument("--db", help="records store URL (default: $ALPR_DATABASE_URL or data/alpr.db)")
    sv.add_argument("--port", type=int, default=5006, help="port (default 5006)")
    sv.add_argument("--address", help="address to listen on (default: localhost)")
    sv.add_argument("--show", action="store_true", help="open a browser")
    sv.add_argument("--no-diagnostics", action="store_true",
                    help="equipment page from the store's figures only (no image alignment, "
                         "drift or patrol diagnostics)")
    sv.add_argument("--secure-cookies", action="store_true",
                    help="mark cookies Secure (HTTPS only) even when this server speaks plain "
                         "HTTP, e.g. behind a TLS proxy (default: $ALPR_SECURE_COOKIES, else "
                         "only for requests that came over HTTPS)")
    sv.add_argument("--ssl-certfile", help="serve HTTPS with this certificate (PEM)")
    sv.add_argument("--ssl-keyfile", help="the certificate's private key (PEM)")
    sv.add_argument("--trust-proxy-headers", action="store_true",
                    help="take the client's address from X-Forwarded-For/X-Real-Ip (only "
                         "behind a reverse proxy that sets them); sign-in throttling goes by it")
    sv.set_defaults(func=_serve)

    h = sub.add_parser("hotlist", help="hot-list tools")
    hsub = h.add_subparsers(dest="hotlist_command", required=True)
    hp = hsub.add_parser("preview", help="which misreads of a plate would still match it")
    hp.add_argument("plate", help="listed plate, '?' and '*' allowed")
    hp.add_argument("--all", action="store_true", help="list every matching misread")
    _add_tolerance(hp)
    hp.set_defaults(func=_hotlist_preview)
    from alpr.cli.records import add_hotlist_load

    add_hotlist_load(hsub)
    from alpr.cli.contracts import add_parsers as add_contract_parsers

    add_contract_parsers(sub)
    from alpr.cli.simulate import add_parsers as add_simulate_parsers

    add_simulate_parsers(sub)
    from alpr.cli.health import add_parsers as add_health_parsers

    add_health_parsers(sub)
    return p


# Exit codes, for every command: 0 done; 1 done, with findings or bad rows reported (a
# failed contract, a broken audit chain, unreadable images among good ones); 2 nothing done:
# bad input or a store, file or model that cannot be used, said in one line on stderr;
# 130 interrupted.
EXIT_OK, EXIT_FINDINGS, EXIT_BAD_INPUT, EXIT_INTERRUPTED = 0, 1, 2, 130


# An optional dependency's import name -> the extra of pyproject.toml that brings it.
EXTRAS = {"torch": "train", "torchvision": "train", "onnx": "train", "mlflow": "train",
          "albumentations": "synth", "matplotlib": "synth", "font_roboto": "synth",
          "font_source_sans_pro": "synth", "font_fjallaone": "synth",
          "panel": "dashboards", "bokeh": "dashboards", "param": "dashboards",
          "jinja2": "report", "weasyprint": "report", "pypdfium2": "report",
          "nbclient": "notebooks", "nbformat": "notebooks", "jupyterlab": "notebooks",
          "ipykernel": "notebooks", "psycopg": "postgres"}


def missing_extra(exc: BaseException) -> str | None:
    """For an import of an optional dependency that is not installed, the line that says
    which extra brings it; else ``None``."""
    name = (getattr(exc, "name", None) or "").split(".")[0]
    if not isinstance(exc, ModuleNotFoundError) or name not in EXTRAS:
        return None
    extra = EXTRAS[name]
    return (f"this needs {name!r}, from the optional '{extra}' dependencies: "
            f"pip install 'alpr-workbench[{extra}]' (in a checkout: pip install -e '.[{extra}]')")


def explain(exc: BaseException) -> str | None:
    """One line for a user's mistake or a missing resource that reached the top of a
    command, or ``None`` for a fault of the program (its traceback is the report)."""
    extra = missing_extra(exc)
    if extra:
        return extra
    from sqlalchemy.exc import DBAPIError, OperationalError, ProgrammingError

    if isinstance(exc, (OperationalError, ProgrammingError)):
        first = str(getattr(exc, "orig", exc)).strip().splitlines()[0]
        if "no such table" in first or "does not exist" in first:
            return (f"the store has no tables yet ({first}); create them with "
                    f"`alpr db upgrade --db URL`")
        return f"the store cannot be used: {first}"
    if isinstance(exc, DBAPIError):
        return f"the store refused the request: {str(exc.orig).strip().splitlines()[0]}"
    kind = type(exc).__name__
    module = type(exc).__module__
    if module.startswith("mlflow"):
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else kind
        return f"MLflow: {first} (check MLFLOW_TRACKING_URI and the model's name or alias)"
    if kind == "EmptyDataError":
        return "the file is empty: it has no header row and no rows"
    if isinstance(exc, IsADirectoryError):
        return f"{exc.filename}: is a folder; give a file"
    if isinstance(exc, (FileNotFoundError, PermissionError, NotADirectoryError)):
        return f"{exc.filename}: {exc.strerror}" if exc.filename else str(exc)
    if isinstance(exc, (ValueError, OSError)):  # the package's errors name field and rule
        return str(exc)
    return None


def main(argv: list[str] | None = None) -> int:
    """Run one command. Every user error ends as one ``error:`` line and exit code 2 (see
    :data:`EXIT_BAD_INPUT`), never a traceback; set ``ALPR_DEBUG=1`` to see the traceback."""
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except Exception as exc:
        message = explain(exc)
        if message is None or os.environ.get("ALPR_DEBUG"):
            raise
        print(f"error: {message}", file=sys.stderr)
        return EXIT_BAD_INPUT
