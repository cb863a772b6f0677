"""The consultation log's `ref`: the id a client is told, chosen before the row is written.

Revision ID: 0008_db_edge
Revises: 0007_english_names
Create Date: 2026-11-30
"""
from alembic import op
import sqlalchemy as sa

revision = "0008_db_edge"
down_revision = "0008_signing"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("consultation_query") as batch:
        batch.add_column(sa.Column("ref", sa.String(32), nullable=True))
        batch.create_index("ix_consultation_query_ref", ["ref"], unique=True)


def downgrade() -> None:
    with op.batch_alter_table("consultation_query") as batch:
        batch.drop_index("ix_consultation_query_ref")
        batch.drop_column("ref")
