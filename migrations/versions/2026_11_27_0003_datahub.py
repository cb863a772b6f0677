"""Datahub: shared government data records, source availability and the access log.

Revision ID: 0003_datahub
Revises: 0001_foundation
Create Date: 2026-11-27
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = "0003_datahub"
down_revision = "0001_foundation"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "datahub_record",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(40), nullable=False),
        sa.Column("subject_key", sa.String(200), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_datahub_record"),
        sa.UniqueConstraint("source", "subject_key", name="uq_datahub_record_source_subject"),
    )
    op.create_table(
        "datahub_source_status",
        sa.Column("source", sa.String(40), nullable=False),
        sa.Column("available", sa.Boolean(), nullable=False),
        sa.Column("note", sa.String(200), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("source", name="pk_datahub_source_status"),
    )
    op.create_table(
        "datahub_access_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("source", sa.String(40), nullable=False),
        sa.Column("subject_key", sa.String(200), nullable=False),
        sa.Column("application_number", sa.String(40), nullable=True),
        sa.Column("outcome", sa.String(20), nullable=False),
        sa.Column("purpose", sa.String(200), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_datahub_access_log"),
    )
    op.create_index("ix_datahub_access_log_at", "datahub_access_log", ["at"])
    op.create_index("ix_datahub_access_log_application_number", "datahub_access_log", ["application_number"])
    op.create_index("ix_datahub_access_log_subject", "datahub_access_log", ["source", "subject_key"])


def downgrade() -> None:
    op.drop_index("ix_datahub_access_log_subject", table_name="datahub_access_log")
    op.drop_index("ix_datahub_access_log_application_number", table_name="datahub_access_log")
    op.drop_index("ix_datahub_access_log_at", table_name="datahub_access_log")
    op.drop_table("datahub_access_log")
    op.drop_table("datahub_source_status")
    op.drop_table("datahub_record")
