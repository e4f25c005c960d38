"""``alpr serve``: the dashboards on a Panel (Bokeh/Tornado) server behind the store login.

Serves the app files in ``dashboards/`` (as ``panel serve`` does) when the checkout has them,
else the same pages from the package.
"""

from __future__ import annotations

import os
import secrets
import threading
from pathlib import Path
from typing import Any

from alpr.dashboards.health_source import HealthSource
from alpr.dashboards.store import PAGES

APP_DIR = Path(__file__).resolve().parents[2] / "dashboards"


def applications() -> dict[str, Any]:
    """URL slug -> app file (``dashboards/<page>.py``) or page function."""
    from functools import partial

    from alpr.dashboards import app

    apps: dict[str, Any] = {}
    for slug, fn in (("index", app.home), *((p, partial(app.page, p)) for p in PAGES)):
        path = APP_DIR / f"{slug}.py"
        apps["/" if slug == "index" else slug] = str(path) if path.is_file() else fn
    return apps


def _prefill_daily(gov: Any) -> None:
    """Compute the default period's per-day read statistics (the one slow query on a large
    store) in the background, so the first page views find them ready."""
    from alpr.dashboards import queries
    from alpr.dashboards.daily import DAILY
    from alpr.dashboards.filters import parse

    with gov.Session() as s:
        latest = queries.latest_read_day(s)
        if latest is not None:
            f = parse({}, default_end=latest)
            DAILY.frame(s, f.start, f.end)


def _warm_up() -> None:
    """Do the one-off work before the first visitor: import the views and figure code, render
    an empty page once, and look up the model (MLflow's import alone takes seconds)."""
    import panel as pn

    from alpr.dashboards import app, plots  # noqa: F401
    from alpr.dashboards.views import compliance, equipment, misreads, model  # noqa: F401

    app.models()
    threading.Thread(target=_prefill_daily, args=(app.governance(),), daemon=True).start()
    import pandas as pd

    pn.template.BootstrapTemplate(title="warm-up")
    frame = pd.DataFrame({"day": pd.to_datetime(["2026-01-01"]), "camera": ["c"], "v": [1.0],
                          "reads": [1]})
    pn.Column(pn.widgets.Tabulator(frame), pn.pane.Bokeh(plots.time_series(
        frame, "v", "warm-up", "v"))).get_root()


def serve(db_url: str | None = None, port: int = 5006, address: str | None = None,
          show: bool = False, health: HealthSource | None = None,
          cookie_secret: str | None = None, threaded: bool = False,
          warm_up: bool = True, **kwargs: Any) -> Any:
    """Serve the dashboards for the store at ``db_url``; blocks unless ``threaded``.

    ``cookie_secret`` signs the session cookies (default ``$ALPR_COOKIE_SECRET`` or a fresh
    random one, so sessions end when the server restarts). Returns Panel's server (or its
    thread with ``threaded=True``; call ``.stop()`` to end it)."""
    import panel as pn

    from alpr.dashboards import app
    from alpr.dashboards.auth import StoreAuthProvider

    gov = app.configure(db_url, health)
    if warm_up:
        _warm_up()
        warm = getattr(health, "warm", None)
        if warm is not None:  # e.g. camera diagnostics: align every frame before the first view
            with gov.Session() as s:
                warm(s)
    pn.config.param.update(_oauth_expiry=0.5)  # session cookies last 12 hours: a shift
    secret = cookie_secret or os.environ.get("ALPR_COOKIE_SECRET") or secrets.token_hex(32)
    return pn.serve(applications(), port=port, address=address, show=show, threaded=threaded,
                    title={"/": "ALPR dashboards", **{p: f"ALPR {p}" for p in PAGES}},
                    auth_provider=StoreAuthProvider(gov), cookie_secret=secret, **kwargs)
