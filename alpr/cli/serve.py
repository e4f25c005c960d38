"""``alpr serve``: the administrators' dashboards (Panel) over a records store, with the
camera diagnostics plugged in; :func:`serve_store` is also what ``alpr demo`` ends with."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from alpr.cli.errors import EXIT_OK, bad_input


def register(sub: argparse._SubParsersAction) -> None:
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
    sv.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from alpr.store.db import current_revision, make_engine, resolve_url

    url = resolve_url(args.db)
    if url.startswith("sqlite:///") and not Path(url[len("sqlite:///"):]).exists():
        return bad_input(f"--db {url}: no such store; create it with `alpr db upgrade` (or "
                         f"`alpr demo`)")
    engine = make_engine(url, must_exist=True)
    try:  # a store without tables would serve pages that fail at the first query
        if current_revision(engine) is None:
            return bad_input(f"--db {url}: the store has no tables yet; create them with "
                             f"`alpr db upgrade --db {url}`")
    finally:
        engine.dispose()
    if not 0 < args.port < 65536:
        return bad_input(f"--port {args.port}: must be between 1 and 65535")
    if bool(args.ssl_certfile) != bool(args.ssl_keyfile):
        return bad_input("--ssl-certfile and --ssl-keyfile: give both (HTTPS) or neither")
    for flag, path in (("--ssl-certfile", args.ssl_certfile), ("--ssl-keyfile", args.ssl_keyfile)):
        if path and not Path(path).is_file():
            return bad_input(f"{flag} {path}: no such file")
    return serve_store(url, args.port, args.address, args.show, not args.no_diagnostics,
                       secure_cookies=True if args.secure_cookies else None,
                       trust_proxy_headers=args.trust_proxy_headers,
                       ssl_certfile=args.ssl_certfile, ssl_keyfile=args.ssl_keyfile)


def serve_store(url: str, port: int, address: str | None, show: bool,
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
        return bad_input(exc)
    health = None
    if diagnostics:
        from alpr.health.dashboard import DiagnosticsHealth

        health = DiagnosticsHealth()
    host = address or "localhost"
    scheme = "https" if security.get("ssl_certfile") else "http"
    print(f"ALPR dashboards for {url} at {scheme}://{host}:{port}/ (sign in as an "
          f"administrator or auditor; Ctrl-C stops)", flush=True)
    serve(url, port=port, address=address, show=show, health=health, **security)
    return EXIT_OK
