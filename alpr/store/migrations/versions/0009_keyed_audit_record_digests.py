"""keyed audit trail: audit rows carry the id of the HMAC key that signed them (NULL for the
legacy unkeyed SHA-256 rows, kept as a verifiable legacy segment), and record_digests holds
the digest of every audited record as it was when audited

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01

record_digests.audit_id names its audit row without a foreign key: the chain, not a
constraint someone with the file can switch off, is what ties them together.
``add_column`` (not a batch rebuild) keeps the append-only triggers on audit_log in place.
A store that already has audit rows gets its key (created beside it when missing, see
alpr.store.audit_key) and a keyed ``audit.rekeyed`` row that seals the legacy rows.
Downgrading drops the key ids: the keyed rows then no longer verify as SHA-256 rows.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0009'
down_revision: str | None = '0008'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column('audit_log', sa.Column('key_id', sa.String(length=16), nullable=True))
    op.create_table('record_digests',
    sa.Column('audit_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('record_id', sa.String(length=64), nullable=False),
    sa.Column('digest', sa.String(length=64), nullable=False),
    sa.CheckConstraint('length(digest) = 64', name='ck_record_digests_digest'),
    sa.PrimaryKeyConstraint('audit_id', 'kind', 'record_id')
    )
    op.create_index('ix_record_digests_record', 'record_digests', ['kind', 'record_id'])
    _append_only('record_digests')
    _seal_legacy_rows()


def _seal_legacy_rows() -> None:
    from sqlalchemy.orm import Session

    from alpr.governance.audit import seal_legacy
    from alpr.store.audit_key import ensure_key

    bind = op.get_bind()
    if not bind.execute(sa.text("SELECT count(*) FROM audit_log")).scalar():
        return
    ensure_key(bind.engine.url.render_as_string(hide_password=False))
    session = Session(bind=bind)
    seal_legacy(session)
    session.flush()


def _append_only(table: str) -> None:
    if op.get_bind().dialect.name == "sqlite":
        for verb in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER {table}_no_{verb.lower()} BEFORE {verb} ON {table} "
                f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END"
            )
    else:
        op.execute(
            f"CREATE FUNCTION {table}_append_only() RETURNS trigger AS $$ BEGIN "
            f"RAISE EXCEPTION '{table} is append-only'; END; $$ LANGUAGE plpgsql"
        )
        op.execute(
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION {table}_append_only()"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS record_digests_no_update")
        op.execute("DROP TRIGGER IF EXISTS record_digests_no_delete")
    else:
        op.execute("DROP TRIGGER IF EXISTS record_digests_append_only ON record_digests")
        op.execute("DROP FUNCTION IF EXISTS record_digests_append_only()")
    op.drop_index('ix_record_digests_record', table_name='record_digests')
    op.drop_table('record_digests')
    op.drop_column('audit_log', 'key_id')
