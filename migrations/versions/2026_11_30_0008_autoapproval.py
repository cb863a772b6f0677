"""Auto-approval: versioned decision models, per-matter safety settings, automatic decisions.

Revision ID: 0008_autoapproval
Revises: 0007_english_names
Create Date: 2026-11-30
"""
from alembic import op
import sqlalchemy as sa

revision = "0008_autoapproval"
down_revision = "0008_audit"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "approval_model",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("matter_code", sa.String(80), sa.ForeignKey("matter.code", name="fk_approval_model_matter_code_matter"),
                  nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("content", sa.JSON(), nullable=False),
        sa.Column("note", sa.String(500), nullable=False),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("activated_by", sa.String(64), nullable=True),
        sa.Column("activated_at", sa.DateTime(timezone=True), nullable=True),
        sa.UniqueConstraint("matter_code", "version", name="uq_approval_model_matter_version"),
    )
    op.create_index("ix_approval_model_matter_code", "approval_model", ["matter_code"])
    op.create_table(
        "approval_setting",
        sa.Column("matter_code", sa.String(80),
                  sa.ForeignKey("matter.code", name="fk_approval_setting_matter_code_matter"), primary_key=True),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("daily_cap", sa.Integer(), nullable=False),
        sa.Column("sample_rate", sa.Float(), nullable=False),
        sa.Column("updated_by", sa.String(64), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "approval_decision",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("application_id", sa.Integer(),
                  sa.ForeignKey("application.id", ondelete="CASCADE", name="fk_approval_decision_application_id_application"),
                  nullable=False),
        sa.Column("application_number", sa.String(32), nullable=False),
        sa.Column("matter_code", sa.String(80), nullable=False),
        sa.Column("model_id", sa.Integer(),
                  sa.ForeignKey("approval_model.id", name="fk_approval_decision_model_id_approval_model"), nullable=True),
        sa.Column("model_version", sa.Integer(), nullable=True),
        sa.Column("model_outcome", sa.String(20), nullable=False),
        sa.Column("outcome", sa.String(20), nullable=False),
        sa.Column("definitive", sa.Boolean(), nullable=False),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.Column("facts", sa.JSON(), nullable=False),
        sa.Column("fired", sa.JSON(), nullable=False),
        sa.Column("trace", sa.JSON(), nullable=False),
        sa.Column("duration_ms", sa.Float(), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sampled", sa.Boolean(), nullable=False),
        sa.Column("check_status", sa.String(20), nullable=True),
        sa.Column("checked_by", sa.String(64), nullable=True),
        sa.Column("checked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("check_note", sa.String(500), nullable=False),
        sa.UniqueConstraint("application_id", name="uq_approval_decision_application_id"),
    )
    op.create_index("ix_approval_decision_application_number", "approval_decision", ["application_number"])
    op.create_index("ix_approval_decision_matter_code", "approval_decision", ["matter_code"])
    op.create_index("ix_approval_decision_outcome", "approval_decision", ["outcome"])
    op.create_index("ix_approval_decision_decided_at", "approval_decision", ["decided_at"])


def downgrade() -> None:
    op.drop_table("approval_decision")
    op.drop_table("approval_setting")
    op.drop_index("ix_approval_model_matter_code", table_name="approval_model")
    op.drop_table("approval_model")
