"""Consultation: the 12345 hotline category a question was routed to (counted for administrators).

Revision ID: 0010_consult
Revises: 0009_window
Create Date: 2026-11-30
"""
from alembic import op
import sqlalchemy as sa


revision = "0010_consult"
down_revision = "0009_window"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("consultation_query", schema=None) as batch_op:
        batch_op.add_column(sa.Column("hotline_category", sa.String(length=40), nullable=True))
        batch_op.create_index(batch_op.f("ix_consultation_query_hotline_category"), ["hotline_category"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("consultation_query", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_consultation_query_hotline_category"))
        batch_op.drop_column("hotline_category")
