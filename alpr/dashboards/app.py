"""Page assembly for a served session: who is signed in, their data store, the layout.

The app files in ``dashboards/`` call :func:`page`; :func:`configure` (done by
:func:`alpr.dashboards.server.serve`) says which store to use and which health source.
"""

from __future__ import annotations

import html
import threading
from typing import Any

import panel as pn

from alpr.dashboards.health_source import HealthSource
from alpr.dashboards.store import DashboardStore, actor_for, allowed_pages
from alpr.dashboards.views import common
from alpr.governance.access import AccessDenied, Governance
from alpr.store.db import make_engine, resolve_url

_LOCK = threading.Lock()
_STATE: dict[str, Any] = {}


def configure(db_url: str | None = None, health: HealthSource | None = None) -> Governance:
    """Use the store at ``db_url`` (see :func:`alpr.store.db.resolve_url`) for every page."""
    with _LOCK:
        old = _STATE.get("gov")
        if old is not None:
            old.engine.dispose()
        gov = Governance(make_engine(resolve_url(db_url)))
        _STATE.update(gov=gov, health=health, models=None)
        return gov


def governance() -> Governance:
    with _LOCK:
        gov = _STATE.get("gov")
    return gov if gov is not None else configure()


def models() -> list[Any]:
    """The Model page's models, looked up once per server (MLflow is slow to import)."""
    from alpr.dashboards.model_source import models as lookup

    with _LOCK:
        cached = _STATE.get("models")
    if cached is None:
        cached = lookup()
        with _LOCK:
            _STATE["models"] = cached
    return cached


def _args() -> dict[str, str]:
    return {k: v[0].decode() for k, v in (pn.state.session_args or {}).items()
            if k in common.FILTER_KEYS and v}


def _message(title: str, text: str, kind: str = "danger") -> pn.Column:
    return pn.Column(f"# {title}", pn.pane.Alert(text, alert_type=kind),
                     pn.pane.HTML('<a href="/">Back to the dashboards</a> · '
                                  '<a href="/logout">sign out</a>'))


def page(name: str) -> Any:
    """The servable page ``name`` for the signed-in user, or why it cannot be shown."""
    username = pn.state.user
    if not username or username == "guest":
        # Only reachable when served without the auth provider: never show data then.
        return _message("Sign in required", "Sign in at /login to use the dashboards.")
    gov = governance()
    try:
        actor = actor_for(gov, username)
        store = DashboardStore(gov, actor, name, args=_args(), health=_STATE.get("health"))
    except AccessDenied as exc:
        reason = str(exc).split("denied: ", 1)[-1]
        return _message("Not authorised", f"{common.TITLES.get(name, name)}: {reason}. "
                        "This attempt has been recorded.")
    except ValueError as exc:
        return _message("Bad address", str(exc), "warning")
    from alpr.dashboards.views import compliance, equipment, misreads, model

    body = {"equipment": equipment.view, "misreads": misreads.view,
            "compliance": compliance.view,
            "model": lambda s: model.view(s, models())}[name](store)
    template = pn.template.BootstrapTemplate(
        title=f"ALPR · {common.TITLES[name]}", header_background="#123456",
        sidebar=[common.filters(store, with_user=name == "compliance")],
        header=[common.nav(store, allowed_pages(actor.role))], main=[body],
        sidebar_width=280)
    return template


def home() -> Any:
    """The landing page: the pages this user may open."""
    username = pn.state.user
    if not username or username == "guest":
        return _message("Sign in required", "Sign in at /login to use the dashboards.")
    try:
        actor = actor_for(governance(), username)
    except AccessDenied as exc:
        return _message("Not authorised", str(exc))
    q = html.escape("?" + "&".join(f"{k}={v}" for k, v in _args().items()))
    links = "".join(f'<li><a href="/{p}{q}">{common.TITLES[p]}</a></li>'
                    for p in allowed_pages(actor.role))
    return pn.Column(f"# ALPR dashboards\nSigned in as **{actor.username}** ({actor.role}).",
                     pn.pane.HTML(f'<ul id="pages">{links or "<li>none for this role</li>"}'
                                  '</ul><a href="/logout">sign out</a>'))
