"""hit verifications record the plate and state the officer saw on the vehicle, so a
verified read's crop has its true label even when the read or the hot-list entry was wrong

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0008'
down_revision: str | None = '0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('hit_verifications', schema=None) as batch_op:
        batch_op.add_column(sa.Column('seen_plate', sa.String(length=10), nullable=True))
        batch_op.add_column(sa.Column('seen_state', sa.String(length=3), nullable=True))
        batch_op.create_check_constraint('ck_verifications_seen_plate',
                                         'seen_plate IS NULL OR length(seen_plate) >= 1')


def downgrade() -> None:
    with op.batch_alter_table('hit_verifications', schema=None) as batch_op:
        batch_op.drop_constraint('ck_verifications_seen_plate', type_='check')
        batch_op.drop_column('seen_state')
        batch_op.drop_column('seen_plate')
