"""reads get a natural key (camera, time, read_key) so a re-run or a resumed ingest stores
nothing twice; column lengths become checks, which SQLite (that ignores VARCHAR lengths)
enforces as PostgreSQL does

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01

Converting an existing store:

* ``read_key`` of every existing read is ``plate:<plate>`` (files before this revision had
  no reader's read id).
* Duplicates: reads with the same camera, time and plate are one read stored more than once.
  The one with the smallest id is kept; the hits of the others move to it, and where the kept
  read already has a hit on the same entry, the duplicate hit's verifications move to that
  hit and the duplicate hit is deleted. Then the duplicate reads are deleted. Nothing else
  changes (a hold or a retention cutoff covers the kept read exactly as it covered them).
* Values longer than their column (only SQLite could hold them) are cut to the column's
  length; an image path over 1024 characters or character confidences over 2000, which
  cannot be real, become NULL.

On PostgreSQL ``reads`` is partitioned by month: the unique key includes ``read_at``, the
partition key, as PostgreSQL requires. The downgrade drops the key and the checks; removed
duplicates do not come back.
"""

import logging
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0010'
down_revision: str | None = '0009'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_READ_CHECKS = {
    'ck_reads_state': 'state IS NULL OR length(state) <= 3',
    'ck_reads_model_version': 'model_version IS NULL OR length(model_version) <= 100',
    'ck_reads_image_path': 'image_path IS NULL OR length(image_path) <= 1024',
    'ck_reads_char_confidences': 'char_confidences IS NULL OR length(char_confidences) <= 2000',
    'ck_reads_read_key': 'length(read_key) BETWEEN 1 AND 120',
}
_OTHER_CHECKS = {
    'historical_searches': {
        'ck_searches_case_number': 'case_number IS NULL OR length(case_number) <= 64'},
    'retention_holds': {
        'ck_holds_case_number': 'length(case_number) BETWEEN 1 AND 64',
        'ck_holds_plate': 'plate IS NULL OR length(plate) BETWEEN 1 AND 10'},
    'hotlist_versions': {
        'ck_hotlist_versions_source': 'length(source) BETWEEN 1 AND 200 AND length(format) <= 10'},
    'hotlist_entries': {
        'ck_entries_lengths': 'length(category) <= 40 AND (reference IS NULL OR '
                              'length(reference) <= 200) AND (case_number IS NULL OR '
                              'length(case_number) <= 64)'},
}
_CUT = [  # (table, column, length): cut to the column's length
    ('reads', 'model_version', 100), ('reads', 'state', 3),
    ('historical_searches', 'case_number', 64), ('retention_holds', 'case_number', 64),
    ('hotlist_versions', 'source', 200), ('hotlist_entries', 'reference', 200),
    ('hotlist_entries', 'case_number', 64), ('hotlist_entries', 'category', 40),
]


def _dedupe(conn: sa.Connection) -> int:
    """Remove reads stored twice (see the module docstring); returns how many."""
    pairs = conn.execute(sa.text(
        "SELECT r.id, k.keep FROM reads r JOIN (SELECT camera_id, read_at, read_key, "
        "min(id) AS keep FROM reads GROUP BY camera_id, read_at, read_key "
        "HAVING count(*) > 1) k ON r.camera_id = k.camera_id AND r.read_at = k.read_at "
        "AND r.read_key = k.read_key WHERE r.id <> k.keep")).all()
    for dup, keep in pairs:
        kept_hits: dict[int, int] = dict(conn.execute(sa.text(
            "SELECT entry_id, id FROM hits WHERE read_id = :k"), {"k": keep}).all())
        for hit_id, entry_id in conn.execute(sa.text(
                "SELECT id, entry_id FROM hits WHERE read_id = :d"), {"d": dup}).all():
            if entry_id in kept_hits:
                conn.execute(sa.text("UPDATE hit_verifications SET hit_id = :to "
                                     "WHERE hit_id = :h"), {"to": kept_hits[entry_id], "h": hit_id})
                conn.execute(sa.text("DELETE FROM hits WHERE id = :h"), {"h": hit_id})
            else:
                conn.execute(sa.text("UPDATE hits SET read_id = :k WHERE id = :h"),
                             {"k": keep, "h": hit_id})
                kept_hits[entry_id] = hit_id
        conn.execute(sa.text("DELETE FROM reads WHERE id = :d"), {"d": dup})
    return len(pairs)


def upgrade() -> None:
    conn = op.get_bind()
    for table, column, n in _CUT:
        conn.execute(sa.text(f"UPDATE {table} SET {column} = substr({column}, 1, {n}) "
                             f"WHERE length({column}) > {n}"))
    conn.execute(sa.text("UPDATE reads SET image_path = NULL WHERE length(image_path) > 1024"))
    conn.execute(sa.text("UPDATE reads SET char_confidences = NULL "
                         "WHERE length(char_confidences) > 2000"))
    op.add_column('reads', sa.Column('read_key', sa.String(length=120), nullable=True))
    conn.execute(sa.text("UPDATE reads SET read_key = 'plate:' || plate"))
    removed = _dedupe(conn)
    if removed:
        logging.getLogger("alembic.runtime.migration").warning(
            "0010: removed %d read(s) stored more than once (same camera, time and plate); "
            "their hits now point at the read kept", removed)
    with op.batch_alter_table('reads') as batch_op:
        batch_op.alter_column('read_key', existing_type=sa.String(length=120), nullable=False)
        for name, sql in _READ_CHECKS.items():
            batch_op.create_check_constraint(name, sql)
        batch_op.create_unique_constraint('uq_reads_natural_key',
                                          ['camera_id', 'read_at', 'read_key'])
    for table, checks in _OTHER_CHECKS.items():
        with op.batch_alter_table(table) as batch_op:
            for name, sql in checks.items():
                batch_op.create_check_constraint(name, sql)


def downgrade() -> None:
    for table, checks in _OTHER_CHECKS.items():
        with op.batch_alter_table(table) as batch_op:
            for name in checks:
                batch_op.drop_constraint(name, type_='check')
    with op.batch_alter_table('reads') as batch_op:
        batch_op.drop_constraint('uq_reads_natural_key', type_='unique')
        for name in _READ_CHECKS:
            batch_op.drop_constraint(name, type_='check')
        batch_op.drop_column('read_key')
