"""The dashboards' data store: the filters every page shares and cached SQL aggregates, each
fetched through the access-control layer.

A :class:`DashboardStore` belongs to one signed-in user and one page. Opening it authorises
the page view (``dashboards.<page>``), which writes the audit trail or records the denial;
every fetch is authorised and audited again with the filters it used; exports are audited
as ``dashboards.export``. Results are cached for ``cache_seconds`` across sessions, keyed by
database, query and filters, so a page opened by several administrators queries once.
"""

from __future__ import annotations

import datetime as dt
import io
import threading
import time
from collections.abc import Callable
from typing import Any

import pandas as pd
import param
from sqlalchemy import select
from sqlalchemy.orm import Session

from alpr.dashboards import compliance_table
from alpr.dashboards.filters import Filters, parse
from alpr.dashboards.health_source import HealthSource, StoreHealth
from alpr.dashboards.queries import common, equipment, misreads
from alpr.dashboards.queries import compliance as drilldowns
from alpr.governance import compliance, compliance_metrics
from alpr.governance.access import Actor, Governance
from alpr.store.schema import Camera

PAGES = ("equipment", "misreads", "compliance", "model")
ALL = "(all)"

_CACHE: dict[tuple[Any, ...], tuple[float, Any]] = {}
_CACHE_LOCK = threading.Lock()


def clear_cache() -> None:
    """Forget every cached result (and the per-day read statistics)."""
    from alpr.dashboards.daily import DAILY

    with _CACHE_LOCK:
        _CACHE.clear()
    DAILY.clear()


def actor_for(gov: Governance, username: str) -> Actor:
    """The :class:`Actor` for a signed-in user name (the signed session cookie holds only
    the name), issued by the store's governance layer."""
    return gov.signed_in(username)


def allowed_pages(role: str) -> list[str]:
    """Pages the role may open (from the permissions table)."""
    from alpr.governance.permissions import permission

    return [p for p in PAGES if role in permission(f"dashboards.{p}").roles]


class DashboardStore(param.Parameterized):
    """Filters and cached, authorised queries for one user's view of one page."""

    start = param.CalendarDate(default=dt.date(2000, 1, 1), doc="first day of the period (UTC)")
    end = param.CalendarDate(default=dt.date(2000, 1, 1), doc="last day of the period (UTC)")
    camera: Any = param.Selector(default=ALL, objects=[ALL], doc="one camera, or all")
    unit: Any = param.Selector(default=ALL, objects=[ALL], doc="one unit, or all")
    user: Any = param.Selector(default=ALL, objects=[ALL], doc="one user (compliance), or all")
    cache_seconds = param.Number(default=60.0, bounds=(0, None))

    def __init__(self, gov: Governance, actor: Actor, page: str,
                 args: dict[str, str] | None = None, health: HealthSource | None = None,
                 today: Callable[[], dt.date] = dt.date.today, **params: Any) -> None:
        if page not in PAGES:
            raise ValueError(f"page {page!r}: must be one of {', '.join(PAGES)}")
        self.gov, self.actor, self.page = gov, actor, page
        self.health: HealthSource = health or StoreHealth()
        with gov.Session() as s:
            menus = common.choices(s)
            latest = common.latest_read_day(s)
        f = parse(args or {}, default_end=latest or today())
        for key in ("camera", "unit", "user"):
            value = getattr(f, key)
            if value is not None and value not in menus[key]:
                raise ValueError(f"{key} {value!r}: no such {key} in the store")
        super().__init__(start=f.start, end=f.end, **params)
        for key in ("camera", "unit", "user"):
            self.param[key].objects = [ALL, *menus[key]]
            setattr(self, key, getattr(f, key) or ALL)
        self.units = self._camera_units()
        self._view()

    def _camera_units(self) -> dict[str, str | None]:
        with self.gov.Session() as s:
            return {name: unit for name, unit in s.execute(select(Camera.name, Camera.unit))}

    def _view(self) -> None:
        """Authorise and audit this page view; raises AccessDenied (recorded) if not allowed."""
        with self.gov._tx() as s:
            self.gov.authorize(s, self.actor, f"dashboards.{self.page}", self.page,
                               {"event": "page view", **self.filters.as_dict()})

    @property
    def filters(self) -> Filters:
        def opt(v: str) -> str | None:
            return None if v == ALL else v

        return Filters(self.start, self.end, opt(self.camera), opt(self.unit), opt(self.user))

    # -- fetching --------------------------------------------------------------------------
    def _fetch(self, name: str, query: Callable[[Session, Filters], Any],
               action: str | None = None) -> Any:
        f = self.filters
        key = (str(self.gov.engine.url), name, f)
        with self.gov._tx() as s:
            self.gov.authorize(s, self.actor, action or f"dashboards.{self.page}",
                               f"{self.page}/{name}", f.as_dict())
            now = time.monotonic()
            with _CACHE_LOCK:
                hit = _CACHE.get(key)
            if hit is not None and now - hit[0] < self.cache_seconds:
                result = hit[1]
            else:
                result = query(s, f)
                with _CACHE_LOCK:
                    _CACHE[key] = (now, result)
        return result.copy() if isinstance(result, pd.DataFrame) else result

    # -- equipment health -----------------------------------------------------------------
    def camera_status(self) -> pd.DataFrame:
        return self._fetch("camera_status", self.health.camera_status)

    def quality_series(self) -> pd.DataFrame:
        return self._fetch("quality_series", self.health.quality_series)

    def fault_events(self) -> pd.DataFrame:
        return self._fetch("fault_events", self.health.fault_events)

    def frames(self, camera: str) -> tuple[equipment.Frame | None, equipment.Frame | None]:
        return self._fetch(f"frames/{camera}",
                           lambda s, f: self.health.frames(s, f, camera))

    def decision_trail(self) -> pd.DataFrame:
        return self._fetch("decision_trail", equipment.decision_trail, action="audit.view")

    def service_history(self) -> pd.DataFrame:
        """Each time a camera was out of service in the period (:func:`~alpr.dashboards.queries.equipment.service_history`)."""
        return self._fetch("service_history", equipment.service_history)

    def checks_overdue(self) -> pd.DataFrame:
        """Cameras overdue for a check or in service despite a failed one, at period end
        (:func:`alpr.governance.compliance.cameras_needing_attention`)."""
        df = compliance.cameras_needing_attention(self.gov, self.actor, self.filters.t1)
        return self._only_cameras(df)

    def _only_cameras(self, df: pd.DataFrame, col: str = "camera") -> pd.DataFrame:
        f = self.filters
        if f.camera:
            df = df[df[col] == f.camera]
        if f.unit:
            df = df[df[col].map(self.units) == f.unit]
        return df.reset_index(drop=True)

    # -- misreads ---------------------------------------------------------------------------
    def verification_rates(self, by: str) -> pd.DataFrame:
        from alpr.dashboards.stats import with_rate

        df = self._fetch(f"verification_rates/{by}",
                         lambda s, f: misreads.verification_rates(s, f, by))
        df = with_rate(df, "misread", "verified", "misread_rate")
        df = with_rate(df, "wrong_state", "verified", "wrong_state_rate")
        # the recognizer's misreads apart from wrong hot-list entries (health.misreads.hit_error)
        df = with_rate(df, "recognizer", "verified", "recognizer_rate")
        return with_rate(df, "wrong_entry", "verified", "wrong_entry_rate")

    def confusions(self) -> pd.DataFrame:
        """Character confusions of the verified hits (:func:`alpr.metrics.char_confusions`)."""
        return self._fetch("confusions", misreads.confusions)

    def rejected_hits(self, limit: int = 12) -> pd.DataFrame:
        return self._fetch(f"rejected_hits/{limit}",
                           lambda s, f: misreads.rejected_hits(s, f, limit))

    def rejected_by_entry(self) -> pd.DataFrame:
        """Rejected hits grouped by cause and hot-list entry, misreads first."""
        return self._fetch("rejected_by_entry", misreads.rejected_by_entry)

    # -- model -------------------------------------------------------------------------------
    def confidence_histogram(self) -> pd.DataFrame:
        from alpr.dashboards.daily import DAILY, histogram

        return self._fetch("confidence_histogram",
                           lambda s, f: histogram(DAILY.for_filters(s, f)))

    # -- compliance -------------------------------------------------------------------------
    def drilldown(self, key: str) -> pd.DataFrame:
        """The records behind one metric's figure (who, when), filtered like the page; time
        windows as :func:`alpr.governance.compliance.summary` takes them."""
        if key not in compliance_metrics.metric_keys():
            raise ValueError(f"metric {key!r}: must be one of "
                             f"{', '.join(compliance_metrics.metric_keys())}")
        f = self.filters
        if key == "certified_users":
            df = compliance.certified_users(self.gov, self.actor, compliance.last_day(f.t1))
            df = df.rename(columns={"username": "user", "compliant": "ok"})
            df = df[df["user"] == f.user].reset_index(drop=True) if f.user else df
            return compliance_table.failing_first(df)
        if key == "cameras_attention":
            return self.checks_overdue()
        if key == "past_retention":  # per month: the reads themselves are what purge removes
            return compliance.exceptions(self.gov, self.actor, "past_retention", f.t0, f.t1)
        if key == "patrol_time":  # short shifts first, then exempt, then compliant
            df = compliance.patrol_time(self.gov, self.actor, f.t0, f.t1)
            if f.unit:
                df = df[df["unit"] == f.unit]
            if f.user:
                df = df[df["operator"] == f.user]
            return df.reset_index(drop=True)
        query = {"searches_with_case": drilldowns.searches, "current_hotlist": drilldowns.shifts,
                 "hotlist_age": drilldowns.shifts, "verified_before_action": drilldowns.actions,
                 "unverified_hits": drilldowns.unverified_hits,
                 "misread_rate": drilldowns.verified_in_period,
                 "wrong_entry_rate": drilldowns.verified_in_period,
                 "acted_documented": drilldowns.acted_hits,
                 "manual_past_expiry": drilldowns.overdue_manual_entries,
                 "approved_shares": drilldowns.shares}[key]
        return compliance_table.failing_first(self._fetch(f"drilldown/{query.__name__}", query))

    def retention_past(self) -> int | None:
        """Reads past retention and not held at period end (compliance.summary's figure);
        None: no data (nothing stored by then)."""
        got = self._fetch("past_retention", drilldowns.past_retention)
        return None if got is None else int(got)

    def compliance(self) -> pd.DataFrame:
        """One row per metric: clause, value for the period (NaN: no data), target, status,
        records."""
        f = self.filters
        records = {key: self.drilldown(key) for key in compliance_metrics.metric_keys()
                   if key != "past_retention"}
        existing = self._fetch("cameras_existing",
                               lambda s, f: compliance.cameras_existing(s, f.t1))
        cameras = sum(1 for name, unit in self.units.items() if name in existing
                      and (not f.camera or name == f.camera) and (not f.unit or unit == f.unit))
        attention = records["cameras_attention"]
        records["cameras_attention"] = attention[attention["camera"].isin(existing)]
        return compliance_table.table(records, {"past_retention": self.retention_past()},
                                      {"cameras_attention": cameras})

    def export_csv(self, name: str, df: pd.DataFrame) -> str:
        """``df`` as CSV text, audited as an export (who, what, filters, rows)."""
        with self.gov._tx() as s:
            self.gov.authorize(s, self.actor, "dashboards.export", f"{self.page}/{name}",
                               {**self.filters.as_dict(), "rows": len(df)})
        buf = io.StringIO()
        df.to_csv(buf, index=False)
        return buf.getvalue()
