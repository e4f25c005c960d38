"""Page assembly for a served session: who is signed in, their data store, the layout.

The app files in ``dashboards/`` call :func:`page`; :func:`configure` (done by
:func:`alpr.dashboards.server.serve`) says which store to use and which health source.
"""

from __future__ import annotations

import html
import threading
from typing import Any
from urllib.parse import urlencode

import panel as pn

from alpr.dashboards.auth import SESSION_COOKIE
from alpr.dashboards.health_source import HealthSource
from alpr.dashboards.sessions import SessionTable, WebSession
from alpr.dashboards.store import DashboardStore, actor_for, allowed_pages
from alpr.dashboards.views import common
from alpr.governance.access import AccessDenied, Governance
from alpr.store.db import make_engine, resolve_url

_LOCK = threading.Lock()
_STATE: dict[str, Any] = {}


def configure(db_url: str | None = None, health: HealthSource | None = None,
              sessions: SessionTable | None = None) -> Governance:
    """Use the store at ``db_url`` (see :func:`alpr.store.db.resolve_url`) for every page,
    and ``sessions`` to tell who is signed in (:func:`alpr.dashboards.server.serve`)."""
    with _LOCK:
        old = _STATE.get("gov")
        if old is not None:
            old.engine.dispose()
        gov = Governance(make_engine(resolve_url(db_url)))
        _STATE.update(gov=gov, health=health, models=None, sessions=sessions)
        return gov


def signed_in() -> WebSession | None:
    """This page's server-side session, from the session cookie of the request that opened
    it. The cookie is read from the server's own request object: it is kept out of the
    session token Bokeh embeds in the page (see :func:`alpr.dashboards.server.serve`)."""
    with _LOCK:
        table = _STATE.get("sessions")
    doc = pn.state.curdoc
    context = doc.session_context if doc is not None else None
    request = getattr(getattr(context, "request", None), "_request", None)
    cookies = getattr(request, "cookies", None) or {}
    cookie = cookies.get(SESSION_COOKIE)
    if table is None or cookie is None:
        return None
    return table.get(getattr(cookie, "value", cookie))


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


# What each filter in the address must be: the "bad address" message names the filter and
# its rule, never the value (text from an address is not shown on the page).
FILTER_RULES = {"start": "a date YYYY-MM-DD", "end": "a date YYYY-MM-DD, not before start",
                "camera": "a camera in the store", "unit": "a unit in the store",
                "user": "a user in the store"}


def bad_address(exc: ValueError) -> str:
    """The message for a filter the address got wrong (which one and its rule).

    >>> bad_address(ValueError("camera '<b>x</b>': no such camera in the store"))
    'The address has a camera filter this page cannot use: it must be a camera in the store.'
    """
    key = str(exc).split(" ", 1)[0]
    if key not in FILTER_RULES:
        return "The address has a filter this page cannot use."
    return f"The address has a {key} filter this page cannot use: it must be {FILTER_RULES[key]}."


def _message(title: str, text: str, kind: str = "danger", csrf: str = "") -> pn.Column:
    links = '<a href="/">Back to the dashboards</a> · '
    links += common.sign_out(csrf) if csrf else '<a href="/login">sign in</a>'
    return pn.Column(f"# {title}", pn.pane.Alert(html.escape(text), alert_type=kind),
                     pn.pane.HTML(links))


def page(name: str) -> Any:
    """The servable page ``name`` for the signed-in user, or why it cannot be shown."""
    session = signed_in()
    if session is None:
        # Only reachable when served without the auth provider: never show data then.
        return _message("Sign in required", "Sign in at /login to use the dashboards.")
    gov = governance()
    try:
        actor = actor_for(gov, session.username)
        store = DashboardStore(gov, actor, name, args=_args(), health=_STATE.get("health"))
    except AccessDenied as exc:
        reason = str(exc).split("denied: ", 1)[-1]
        return _message("Not authorised", f"{common.TITLES.get(name, name)}: {reason}. "
                        "This attempt has been recorded.", csrf=session.csrf)
    except ValueError as exc:
        return _message("Bad address", bad_address(exc), "warning", csrf=session.csrf)
    from alpr.dashboards.views import compliance, equipment, misreads, model

    body = {"equipment": equipment.view, "misreads": misreads.view,
            "compliance": compliance.view,
            "model": lambda s: model.view(s, models())}[name](store)
    template = pn.template.BootstrapTemplate(
        title=f"ALPR · {common.TITLES[name]}", header_background="#123456",
        sidebar=[common.filters(store, with_user=name == "compliance")],
        header=[common.nav(store, allowed_pages(actor.role), session.csrf)], main=[body],
        sidebar_width=280)
    common.sync_address(store)  # the filters live in the address: a reload keeps them
    return template


def home() -> Any:
    """The landing page: the pages this user may open."""
    session = signed_in()
    if session is None:
        return _message("Sign in required", "Sign in at /login to use the dashboards.")
    try:
        actor = actor_for(governance(), session.username)
    except AccessDenied as exc:
        return _message("Not authorised", str(exc), csrf=session.csrf)
    args = _args()
    q = html.escape("?" + urlencode(args)) if args else ""
    links = "".join(f'<li><a href="/{p}{q}">{common.TITLES[p]}</a></li>'
                    for p in allowed_pages(actor.role))
    who = html.escape(f"{actor.username} ({actor.role})")
    return pn.Column("# ALPR dashboards", pn.pane.HTML(
        f'<p>Signed in as <strong>{who}</strong>.</p>'
        f'<ul id="pages">{links or "<li>none for this role</li>"}</ul>'
        f'{common.sign_out(session.csrf)}'))
