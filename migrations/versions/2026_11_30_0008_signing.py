"""Signing is a deliberate act: one-time signing codes (hashed) and refused second factors.

Revision ID: 0008_signing
Revises: 0007_english_names
Create Date: 2026-11-30
"""
from alembic import op
import sqlalchemy as sa

revision = "0008_signing"
down_revision = "0008_autoapproval"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sign_code",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["application_id"], ["application.id"], ondelete="CASCADE",
                                name=op.f("fk_sign_code_application_id_application")),
        sa.ForeignKeyConstraint(["user_id"], ["user_account.id"], name=op.f("fk_sign_code_user_id_user_account")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sign_code")),
    )
    op.create_index(op.f("ix_sign_code_application_id"), "sign_code", ["application_id"], unique=False)
    op.create_index(op.f("ix_sign_code_created_at"), "sign_code", ["created_at"], unique=False)
    op.create_index(op.f("ix_sign_code_user_id"), "sign_code", ["user_id"], unique=False)
    op.create_table(
        "sign_failure",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("application_number", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["user_account.id"], name=op.f("fk_sign_failure_user_id_user_account")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sign_failure")),
    )
    op.create_index(op.f("ix_sign_failure_at"), "sign_failure", ["at"], unique=False)
    op.create_index(op.f("ix_sign_failure_user_id"), "sign_failure", ["user_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_sign_failure_user_id"), table_name="sign_failure")
    op.drop_index(op.f("ix_sign_failure_at"), table_name="sign_failure")
    op.drop_table("sign_failure")
    op.drop_index(op.f("ix_sign_code_user_id"), table_name="sign_code")
    op.drop_index(op.f("ix_sign_code_created_at"), table_name="sign_code")
    op.drop_index(op.f("ix_sign_code_application_id"), table_name="sign_code")
    op.drop_table("sign_code")
