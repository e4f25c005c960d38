"""Shared set-up for the store tests: a bootstrapped department with certified users."""

import datetime as dt
from pathlib import Path

from alpr.governance.access import Actor, Governance
from alpr.store.db import make_engine, upgrade

PW = "correct horse battery"


TODAY = dt.date(2026, 6, 1)


def department(url: str, today: dt.date = TODAY) -> tuple[Governance, Actor]:
    """Governance over a migrated, empty store, with administrator 'chief' certified until
    2027; ``gov.engine.dispose()`` when done."""
    gov = Governance(make_engine(url), today=lambda: today)
    admin = gov.bootstrap_admin("chief", "A. Chief", PW, certified_until=dt.date(2027, 1, 1))
    return gov, admin


def certify(gov: Governance, admin: Actor, name: str, until: dt.date = dt.date(2027, 1, 1),
            since: dt.date = dt.date(2026, 1, 1)) -> None:
    """Current ALPR training and SLED/NCIC certification for ``name``."""
    for kind in ("alpr_training", "sled_ncic"):
        gov.record_certification(admin, name, kind, since, until)


def add_user(gov: Governance, admin: Actor, name: str, role: str = "operator",
             certified: bool = True) -> Actor:
    actor = gov.create_user(admin, name, name.upper(), role, PW)
    if certified:
        certify(gov, admin, name)
    return actor


def cli_store(tmp_path: Path) -> str:
    """A migrated SQLite store with administrator 'chief' (password PW) and camera CAM-1."""
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    upgrade(url)
    return bootstrap_store(url)


def bootstrap_store(url: str) -> str:
    """Administrator 'chief' (password PW) and camera CAM-1 in a migrated, empty store."""
    engine = make_engine(url)
    gov = Governance(engine)
    admin = gov.bootstrap_admin("chief", "A. Chief", PW,
                                certified_until=dt.date.today() + dt.timedelta(days=30))
    gov.add_camera(admin, "CAM-1", "stationary")
    engine.dispose()
    return url
