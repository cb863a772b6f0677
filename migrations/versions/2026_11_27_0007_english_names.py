"""English names for catalogue materials and licence types.

Revision ID: 0007_english_names
Revises: 0006_acting_for
Create Date: 2026-11-27
"""
from alembic import op
import sqlalchemy as sa

revision = "0007_english_names"
down_revision = "0006_acting_for"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("material") as batch:
        batch.add_column(sa.Column("name_en", sa.String(300), server_default="", nullable=False))
    with op.batch_alter_table("licence_type") as batch:
        batch.add_column(sa.Column("name_en", sa.String(300), server_default="", nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("licence_type") as batch:
        batch.drop_column("name_en")
    with op.batch_alter_table("material") as batch:
        batch.drop_column("name_en")
