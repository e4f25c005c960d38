"""reads get an index of the plate read backwards, so retro-matching a partial plate known at
its end (``*4123``) looks up a range of keys instead of scanning every read

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01

The index is of an expression (``substr(plate, 10, 1) || ... || substr(plate, 1, 1)``, the
plate reversed; SQLite has no ``reverse()``), not of a stored column: the database computes
it at every insert, whichever path inserts (ingest, the simulator, raw SQL), so there is
nothing to fill in, to backfill or to go stale. Building it reads every existing read once.

On PostgreSQL ``reads`` is partitioned by month: an index created on the partitioned table
is created on every partition, and every partition attached later (the months ingestion
creates, ``reads_default``) gets its own. The build holds a lock that blocks writes to
``reads`` until it ends (on SQLite here, 76 s for 10 M reads: docs/benchmarks.md); a store
that cannot pause ingest may create each partition's index ``CONCURRENTLY`` first and then
this one, which attaches them.

SQLite: a later ``batch_alter_table('reads')`` copies the table without expression indexes
(Alembic cannot reflect them); such a migration must create this index again.
``tests/store/test_migration_0011.py`` checks that the head has it.
"""

from collections.abc import Sequence

from alembic import op

revision: str = '0011'
down_revision: str | None = '0010'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# frozen here as it was at this revision (alpr.store.schema.PLATE_REVERSED_SQL): the query
# must spell the expression the same way for the databases to use the index
_REVERSED = " || ".join(f"substr(plate, {i}, 1)" for i in range(10, 0, -1))


def upgrade() -> None:
    op.execute(f"CREATE INDEX ix_reads_plate_reversed ON reads (({_REVERSED}))")


def downgrade() -> None:
    op.execute("DROP INDEX ix_reads_plate_reversed")
