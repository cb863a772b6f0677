"""Back office (后台分类审批): assignment of an application to a reviewer, the first-level opinion (审核)
of two-level matters, and the matter attribute `two_level`.

Revision ID: 0010_win_back
Revises: 0009_window
Create Date: 2026-11-30
"""
from alembic import op
import sqlalchemy as sa

revision = "0010_win_back"
down_revision = "0010_consult"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("matter") as batch:
        batch.add_column(sa.Column("two_level", sa.Boolean(), server_default=sa.false(), nullable=False))
    with op.batch_alter_table("application") as batch:
        batch.add_column(sa.Column("assigned_to", sa.String(64), nullable=True))
        batch.add_column(sa.Column("assigned_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("review_opinion", sa.String(20), nullable=True))
        batch.add_column(sa.Column("review_by", sa.String(64), nullable=True))
        batch.add_column(sa.Column("review_reasons", sa.JSON(), server_default="[]", nullable=False))
        batch.add_column(sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=True))
        batch.create_index(batch.f("ix_application_assigned_to"), ["assigned_to"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("application") as batch:
        batch.drop_index(batch.f("ix_application_assigned_to"))
        for column in ("reviewed_at", "review_reasons", "review_by", "review_opinion", "assigned_at", "assigned_to"):
            batch.drop_column(column)
    with op.batch_alter_table("matter") as batch:
        batch.drop_column("two_level")
