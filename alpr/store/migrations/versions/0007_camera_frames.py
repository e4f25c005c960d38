"""camera frames: each camera's reference frame (taken at installation) and its periodic
snapshots, stored as image files the store references by path and SHA-256, for the image
alignment and focus diagnostics (policy II.B: check equipment for function and alignment)

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-28
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0007'
down_revision: str | None = '0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'camera_frames',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('camera_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=12), nullable=False),
        sa.Column('taken_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('path', sa.Text(), nullable=False),
        sa.Column('sha256', sa.String(length=64), nullable=False),
        sa.Column('recorded_by', sa.Integer(), nullable=False),
        sa.CheckConstraint("kind IN ('reference', 'snapshot')", name='ck_camera_frames_kind'),
        sa.CheckConstraint('length(sha256) = 64', name='ck_camera_frames_sha256'),
        sa.ForeignKeyConstraint(['camera_id'], ['cameras.id'], ondelete='RESTRICT'),
        sa.ForeignKeyConstraint(['recorded_by'], ['users.id'], ondelete='RESTRICT'),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_camera_frames_camera_time', 'camera_frames', ['camera_id', 'taken_at'])


def downgrade() -> None:
    op.drop_index('ix_camera_frames_camera_time', table_name='camera_frames')
    op.drop_table('camera_frames')
