"""``alpr serve``: the dashboards on a Panel (Bokeh/Tornado) server behind the store login.

Serves the app files in ``dashboards/`` (as ``panel serve`` does) when the checkout has them,
else the same pages from the package; sign-in, sessions and security headers come from
:mod:`alpr.dashboards.auth` and :mod:`alpr.dashboards.headers`.
"""

from __future__ import annotations

import atexit
import os
import secrets
import threading
from typing import Any

from alpr.dashboards.health_source import HealthSource
from alpr.dashboards.signin import SignInPolicy
from alpr.dashboards.store import PAGES
from alpr.paths import DASHBOARD_APPS


def applications() -> dict[str, Any]:
    """URL slug -> app file (``dashboards/<page>.py``) or page function."""
    from functools import partial

    from alpr.dashboards import app

    apps: dict[str, Any] = {}
    for slug, fn in (("index", app.home), *((p, partial(app.page, p)) for p in PAGES)):
        path = DASHBOARD_APPS / f"{slug}.py"
        apps["/" if slug == "index" else slug] = str(path) if path.is_file() else fn
    return apps


def _prefill_daily(gov: Any) -> None:
    """Compute the default period's per-day read statistics (the one slow query on a large
    store) in the background, so the first page views find them ready."""
    from alpr.dashboards.daily import DAILY
    from alpr.dashboards.filters import parse
    from alpr.dashboards.queries.common import latest_read_day

    with gov.Session() as s:
        latest = latest_read_day(s)
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


def secure_cookies_from_env(env: dict[str, str] | None = None) -> bool | None:
    """``$ALPR_SECURE_COOKIES``: 1/true/yes or 0/false/no; unset: None (Secure when the
    request came over HTTPS)."""
    raw = (os.environ if env is None else env).get("ALPR_SECURE_COOKIES", "").strip().lower()
    if not raw:
        return None
    if raw in ("1", "true", "yes", "on"):
        return True
    if raw in ("0", "false", "no", "off"):
        return False
    raise ValueError(f"ALPR_SECURE_COOKIES {raw!r}: must be 1/true/yes or 0/false/no")


def serve(db_url: str | None = None, port: int = 5006, address: str | None = None,
          show: bool = False, health: HealthSource | None = None,
          cookie_secret: str | None = None, threaded: bool = False,
          warm_up: bool = True, secure_cookies: bool | None = None,
          trust_proxy_headers: bool = False, signin: SignInPolicy | None = None,
          ssl_certfile: str | None = None, ssl_keyfile: str | None = None,
          **kwargs: Any) -> Any:
    """Serve the dashboards for the store at ``db_url``; blocks unless ``threaded``.

    Sessions live in this server process (they end at sign-out or when it restarts).
    ``secure_cookies``: mark cookies Secure (default ``$ALPR_SECURE_COOKIES``, else when the
    request came over HTTPS, e.g. with ``ssl_certfile``/``ssl_keyfile``).
    ``trust_proxy_headers``: take the client's address from X-Forwarded-For/X-Real-Ip (only
    behind a reverse proxy that sets them; sign-in throttling goes by that address).
    ``signin``: throttling and failure timing (default :meth:`SignInPolicy.from_env`).
    ``cookie_secret`` is Panel's (default ``$ALPR_COOKIE_SECRET`` or a fresh random one).
    Returns Panel's server (or its thread with ``threaded=True``; call ``.stop()``)."""
    import panel as pn

    from alpr.dashboards import app
    from alpr.dashboards.auth import FORM_COOKIE, SESSION_COOKIE, CookiePolicy, StoreAuthProvider
    from alpr.dashboards.headers import server_options
    from alpr.dashboards.sessions import SessionTable
    from alpr.dashboards.signin import SignIn

    if secure_cookies is None:
        secure_cookies = secure_cookies_from_env()
    if secure_cookies is None and ssl_certfile:
        secure_cookies = True
    policy = signin or SignInPolicy.from_env()
    sessions = SessionTable()
    gov = app.configure(db_url, health, sessions)
    if warm_up:
        _warm_up()
        warm = getattr(health, "warm", None)
        if warm is not None:  # e.g. camera diagnostics: align every frame before the first view
            with gov.Session() as s:
                warm(s)
    secret = cookie_secret or os.environ.get("ALPR_COOKIE_SECRET") or secrets.token_hex(32)
    sign_in = SignIn(gov, policy)
    atexit.register(sign_in.close)  # the refused attempts not yet written to the audit
    provider = StoreAuthProvider(sign_in, sessions, CookiePolicy(secure_cookies))
    if ssl_certfile:
        kwargs.update(ssl_certfile=ssl_certfile, ssl_keyfile=ssl_keyfile)
    return pn.serve(applications(), port=port, address=address, show=show, threaded=threaded,
                    title={"/": "ALPR dashboards", **{p: f"ALPR {p}" for p in PAGES}},
                    auth_provider=provider, cookie_secret=secret,
                    # The session cookie stays out of the token Bokeh writes into each page
                    # (the page's script could read it there); pages read it server-side.
                    exclude_cookies=[SESSION_COOKIE, FORM_COOKIE], exclude_headers=["Cookie"],
                    use_xheaders=trust_proxy_headers, **server_options(), **kwargs)
