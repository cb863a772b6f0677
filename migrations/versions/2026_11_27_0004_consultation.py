"""Consultation: question log with feedback, administrators' lexicon entries.

Revision ID: 0004_consultation
Revises: 0001_foundation
Create Date: 2026-11-27
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_consultation"
down_revision = "0001_foundation"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "consultation_query",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("question", sa.String(500), nullable=False),
        sa.Column("top_codes", sa.String(400), nullable=False),
        sa.Column("not_found", sa.Boolean(), nullable=False),
        sa.Column("clarified", sa.Boolean(), nullable=False),
        sa.Column("channel", sa.String(10), nullable=False),
        sa.Column("helpful", sa.Boolean(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("feedback_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_consultation_query"),
    )
    op.create_index("ix_consultation_query_created_at", "consultation_query", ["created_at"])
    op.create_index("ix_consultation_query_helpful", "consultation_query", ["helpful"])
    op.create_table(
        "consultation_lexicon_entry",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("term", sa.String(100), nullable=False),
        sa.Column("expansion", sa.String(200), nullable=True),
        sa.Column("target_matter_code", sa.String(64), nullable=True),
        sa.Column("added_by", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_consultation_lexicon_entry"),
    )
    op.create_index("ix_consultation_lexicon_entry_term", "consultation_lexicon_entry", ["term"])


def downgrade() -> None:
    op.drop_index("ix_consultation_lexicon_entry_term", table_name="consultation_lexicon_entry")
    op.drop_table("consultation_lexicon_entry")
    op.drop_index("ix_consultation_query_helpful", table_name="consultation_query")
    op.drop_index("ix_consultation_query_created_at", table_name="consultation_query")
    op.drop_table("consultation_query")
