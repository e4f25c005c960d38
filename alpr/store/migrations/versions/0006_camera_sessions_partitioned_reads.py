"""camera sessions (patrol time with ALPR active); hits carry their read's time; on
PostgreSQL, reads become a table partitioned by month

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-28

On PostgreSQL the keys of a partitioned table must include the partition key, so ``reads``
gets the primary key ``(id, read_at)`` and ``hits`` refers to a read by ``(read_id,
read_at)``. Existing rows are copied into the partitioned table; the id sequence is kept.
SQLite has no partitioning: there the migration only adds the new table and column.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0006'
down_revision: str | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_READS_INDEXES = (
    "CREATE INDEX ix_reads_camera_time ON reads (camera_id, read_at)",
    "CREATE INDEX ix_reads_plate ON reads (plate)",
    "CREATE INDEX ix_reads_read_at ON reads (read_at)",
)


def upgrade() -> None:
    op.create_table(
        'camera_sessions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('camera_id', sa.Integer(), nullable=False),
        sa.Column('shift_id', sa.Integer(), nullable=True),
        sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('recorded_by', sa.Integer(), nullable=False),
        sa.CheckConstraint('ended_at IS NULL OR ended_at >= started_at',
                           name='ck_camera_sessions_times'),
        sa.ForeignKeyConstraint(['camera_id'], ['cameras.id'], ondelete='RESTRICT'),
        sa.ForeignKeyConstraint(['shift_id'], ['shifts.id'], ondelete='RESTRICT'),
        sa.ForeignKeyConstraint(['recorded_by'], ['users.id'], ondelete='RESTRICT'),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_camera_sessions_camera_time', 'camera_sessions',
                    ['camera_id', 'started_at'])
    op.create_index('ix_camera_sessions_shift_id', 'camera_sessions', ['shift_id'])
    op.add_column('hits', sa.Column('read_at', sa.DateTime(timezone=True), nullable=True))
    op.execute("UPDATE hits SET read_at = (SELECT r.read_at FROM reads r WHERE r.id = hits.read_id)")
    if op.get_bind().dialect.name == 'postgresql':
        _partition_reads()


def _partition_reads() -> None:
    from alpr.store.partitions import DEFAULT, create_partition, month_of

    conn = op.get_bind()
    op.execute("ALTER TABLE hits DROP CONSTRAINT IF EXISTS hits_read_id_fkey")
    op.execute("ALTER TABLE hits ALTER COLUMN read_at SET NOT NULL")
    op.execute("ALTER TABLE reads RENAME TO reads_unpartitioned")
    op.execute("ALTER INDEX reads_pkey RENAME TO reads_unpartitioned_pkey")
    for name in ("ix_reads_camera_time", "ix_reads_plate", "ix_reads_read_at"):
        op.execute(f"DROP INDEX IF EXISTS {name}")
    op.execute("CREATE TABLE reads (LIKE reads_unpartitioned INCLUDING DEFAULTS "
               "INCLUDING CONSTRAINTS) PARTITION BY RANGE (read_at)")
    op.execute("ALTER TABLE reads ADD CONSTRAINT reads_pkey PRIMARY KEY (id, read_at)")
    op.execute(f"CREATE TABLE {DEFAULT} PARTITION OF reads DEFAULT")
    lo, hi = conn.execute(sa.text("SELECT min(read_at), max(read_at) FROM reads_unpartitioned")).one()
    if lo is not None:
        part = month_of(lo)
        while part.start <= hi:
            create_partition(conn, part)
            part = month_of(part.end)
    op.execute("INSERT INTO reads SELECT * FROM reads_unpartitioned")
    op.execute("ALTER SEQUENCE reads_id_seq OWNED BY NONE")
    op.execute("DROP TABLE reads_unpartitioned")
    op.execute("ALTER SEQUENCE reads_id_seq OWNED BY reads.id")
    for ddl in _READS_INDEXES:
        op.execute(ddl)
    op.execute("ALTER TABLE reads ADD CONSTRAINT reads_camera_id_fkey FOREIGN KEY (camera_id) "
               "REFERENCES cameras (id) ON DELETE RESTRICT")
    op.execute("ALTER TABLE reads ADD CONSTRAINT reads_ingested_by_fkey FOREIGN KEY "
               "(ingested_by) REFERENCES users (id) ON DELETE RESTRICT")
    op.execute("ALTER TABLE hits ADD CONSTRAINT hits_read_fkey FOREIGN KEY (read_id, read_at) "
               "REFERENCES reads (id, read_at) ON DELETE RESTRICT")


def _unpartition_reads() -> None:
    op.execute("ALTER TABLE hits DROP CONSTRAINT IF EXISTS hits_read_fkey")
    op.execute("ALTER TABLE reads RENAME TO reads_partitioned")
    op.execute("ALTER INDEX reads_pkey RENAME TO reads_partitioned_pkey")
    for name in ("ix_reads_camera_time", "ix_reads_plate", "ix_reads_read_at"):
        op.execute(f"DROP INDEX IF EXISTS {name}")
    op.execute("CREATE TABLE reads (LIKE reads_partitioned INCLUDING DEFAULTS "
               "INCLUDING CONSTRAINTS)")
    op.execute("ALTER TABLE reads ADD CONSTRAINT reads_pkey PRIMARY KEY (id)")
    op.execute("INSERT INTO reads SELECT * FROM reads_partitioned")
    op.execute("ALTER SEQUENCE reads_id_seq OWNED BY NONE")
    op.execute("DROP TABLE reads_partitioned CASCADE")
    op.execute("ALTER SEQUENCE reads_id_seq OWNED BY reads.id")
    for ddl in _READS_INDEXES:
        op.execute(ddl)
    op.execute("ALTER TABLE reads ADD CONSTRAINT reads_camera_id_fkey FOREIGN KEY (camera_id) "
               "REFERENCES cameras (id) ON DELETE RESTRICT")
    op.execute("ALTER TABLE reads ADD CONSTRAINT reads_ingested_by_fkey FOREIGN KEY "
               "(ingested_by) REFERENCES users (id) ON DELETE RESTRICT")
    op.execute("ALTER TABLE hits ADD CONSTRAINT hits_read_id_fkey FOREIGN KEY (read_id) "
               "REFERENCES reads (id) ON DELETE RESTRICT")


def downgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        _unpartition_reads()
    with op.batch_alter_table('hits') as batch_op:
        batch_op.drop_column('read_at')
    op.drop_index('ix_camera_sessions_shift_id', table_name='camera_sessions')
    op.drop_index('ix_camera_sessions_camera_time', table_name='camera_sessions')
    op.drop_table('camera_sessions')
