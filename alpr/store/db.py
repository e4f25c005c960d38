"""Database URLs, engines and migrations.

Embedded default: SQLite in the project's ``data/`` folder (WAL mode, busy timeout, foreign
keys on). ``--db URL`` or ``ALPR_DATABASE_URL`` selects another, e.g. PostgreSQL through
psycopg 3 (``postgresql+psycopg://user@host/db``): the same code runs on both.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

from alpr.paths import DATA
from alpr.store.audit_key import ensure_key

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def default_url() -> str:
    return f"sqlite:///{DATA / 'alpr.db'}"


def resolve_url(url: str | None = None) -> str:
    """``url`` if given, else ``$ALPR_DATABASE_URL``, else the embedded SQLite file."""
    url = url or os.environ.get("ALPR_DATABASE_URL") or default_url()
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    return url


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    # Transactions are begun by us (below), not by the driver.
    dbapi_conn.isolation_level = None
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()


def _begin_immediate(conn: Any) -> None:
    """Take SQLite's write lock at the start of every transaction. A deferred transaction
    that reads and then writes fails at once ("database is locked", no waiting) when another
    process committed in between; an immediate one waits its turn (busy timeout) instead, so
    concurrent writers queue rather than fail."""
    conn.exec_driver_sql("BEGIN IMMEDIATE")


class StoreError(ValueError):
    """A store URL that names no usable store: not a URL, no driver, no such file."""


DRIVERS = {"psycopg": "pip install 'psycopg[binary]' (or the project's [postgres] extra)",
           "psycopg2": "pip install psycopg2-binary", "pg8000": "pip install pg8000",
           "asyncpg": "pip install asyncpg"}


def check_url(url: str) -> Any:
    """``url`` parsed (a SQLAlchemy ``URL``), or a :class:`StoreError` saying what a store
    URL looks like."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        return make_url(url)
    except ArgumentError:
        raise StoreError(f"--db {url!r}: not a database URL; use sqlite:///PATH or "
                         f"postgresql+psycopg://USER:PASSWORD@HOST/DATABASE") from None


def make_engine(url: str | None = None, must_exist: bool = False) -> Engine:
    """An engine for ``url`` (see :func:`resolve_url`); creates the SQLite folder if needed.

    ``must_exist``: an SQLite file that is not there is a :class:`StoreError` (commands that
    read or add to a store must not create an empty one; ``alpr db upgrade`` creates it).
    A string that is not a database URL, or one whose driver is not installed, is a
    :class:`StoreError` naming the fix.
    """
    from sqlalchemy.exc import NoSuchModuleError

    url = resolve_url(url)
    parsed = check_url(url)
    if parsed.get_backend_name() == "sqlite" and url.startswith("sqlite:///"):
        path = Path(url[len("sqlite:///"):])
        if str(path) != ":memory:":
            if must_exist and not path.is_file():
                raise StoreError(f"--db {url}: no store at {path}; create one with "
                                 f"`alpr db upgrade --db {url}`")
            path.parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _begin_immediate)
        return engine
    try:
        return create_engine(url, pool_pre_ping=True)
    except (ModuleNotFoundError, NoSuchModuleError) as exc:
        driver = parsed.get_driver_name() or parsed.get_backend_name()
        hint = DRIVERS.get(driver, f"install the {driver!r} database driver")
        raise StoreError(f"--db {parsed.render_as_string(hide_password=True)}: the database "
                         f"driver {driver!r} is not installed ({hint})") from exc


def sessions(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


def alembic_config(url: str) -> Any:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(url: str | None = None, revision: str = "head") -> str:
    """Apply migrations up to ``revision``, first creating the store's audit key when it
    has none (:mod:`alpr.store.audit_key`); returns the resolved URL."""
    from alembic import command

    url = resolve_url(url)
    make_engine(url).dispose()  # a bad URL or a missing driver: a StoreError, said plainly
    ensure_key(url)  # the audit key lives outside the database; never overwritten
    command.upgrade(alembic_config(url), revision)
    return url


def downgrade(url: str | None = None, revision: str = "base") -> None:
    from alembic import command

    command.downgrade(alembic_config(resolve_url(url)), revision)


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()
