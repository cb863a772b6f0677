"""Keyed audit chain: each record says how its hash was made; checkpoints of the chain's head.

Rows written before this migration keep `algo = 'sha256'` (a migration cannot know the audit
key); `portal audit verify` checks each row by its own algorithm (see docs/audit.md).

Revision ID: 0008_audit
Revises: 0007_english_names
Create Date: 2026-11-30
"""
from alembic import op
import sqlalchemy as sa

revision = "0008_audit"
down_revision = "0007_english_names"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("audit_record") as batch:
        batch.add_column(sa.Column("algo", sa.String(16), server_default="sha256", nullable=False))
        batch.add_column(sa.Column("key_id", sa.String(16), server_default="", nullable=False))
    op.create_table(
        "audit_checkpoint",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("head_id", sa.Integer(), nullable=False),
        sa.Column("head_hash", sa.String(64), nullable=False),
        sa.Column("record_count", sa.Integer(), nullable=False),
        sa.Column("key_id", sa.String(16), nullable=False),
        sa.Column("mac", sa.String(64), nullable=False),
        sa.Column("timestamp_token", sa.LargeBinary(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_checkpoint")),
    )


def downgrade() -> None:
    op.drop_table("audit_checkpoint")
    with op.batch_alter_table("audit_record") as batch:
        batch.drop_column("key_id")
        batch.drop_column("algo")
