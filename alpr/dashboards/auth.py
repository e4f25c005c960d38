"""Sign-in for the dashboards against the records store's own users.

A Panel ``BasicAuthProvider`` whose login handler asks :class:`Governance` (password, lockout
after repeated failures, audited) and then checks ``dashboards.login``: administrators and
auditors with current training and certification only (policy I.A, I.B, II.A). The session
is a signed cookie holding the user name; each page view is authorised again, so a user
whose role, lock or certification changes loses access on the next page.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import tornado.escape
from panel.auth import BasicAuthProvider, BasicLoginHandler, _validate_next_url
from panel.io.state import state

from alpr.governance.access import AccessDenied, Governance

LOGIN_TEMPLATE = Path(__file__).resolve().parent / "templates" / "login.html"
BAD_LOGIN = "Wrong user name or password, or the account is locked."


def check_login(gov: Governance, username: str, password: str) -> str | None:
    """None if ``username`` may use the dashboards, else the reason shown on the login page.

    Both steps are audited: the login itself and the ``dashboards.login`` authorisation."""
    try:
        actor = gov.login(username, password)
    except AccessDenied:
        return BAD_LOGIN  # do not reveal which part was wrong
    try:
        with gov._tx() as s:
            gov.authorize(s, actor, "dashboards.login", "dashboards")
    except AccessDenied as exc:
        reason = str(exc).split("denied: ", 1)[-1]
        return f"Not authorised for the dashboards: {reason}"
    return None


class StoreLoginHandler(BasicLoginHandler):
    """POST /login: check against the store; GET shows the form (with any error)."""

    gov: Governance

    def post(self) -> None:
        username = self.get_argument("username", "").strip()
        password = self.get_argument("password", "")
        reason = check_login(self.gov, username, password)
        if reason is None:
            self.set_current_user(username)
            self.redirect(_validate_next_url(self.get_cookie("next_url", state.base_url)) or "/")
        else:
            self.redirect(f"{self._login_endpoint}?error={tornado.escape.url_escape(reason)}")


class StoreAuthProvider(BasicAuthProvider):
    """Panel auth provider: every page and its websocket need the signed session cookie;
    requests without one are redirected to ``/login``."""

    def __init__(self, gov: Governance, **kwargs: Any) -> None:
        self.gov = gov  # before super().__init__, which validates login_handler
        kwargs.setdefault("login_template", str(LOGIN_TEMPLATE))
        super().__init__(**kwargs)

    @property
    def login_handler(self) -> type[BasicLoginHandler]:
        return type("BoundStoreLoginHandler", (StoreLoginHandler,),
                    {"gov": self.gov, "_login_endpoint": self._login_endpoint,
                     "_login_template": self._login_template})
