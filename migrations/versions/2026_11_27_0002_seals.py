"""E-seal platform: credentials (encrypted keys + certificates), seals, sealed documents, licences.

Revision ID: 0002_seals
Revises: 0001_foundation
Create Date: 2026-11-27
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002_seals"
down_revision = "0001_foundation"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "seal_credential",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("slot", sa.String(20), nullable=True),
        sa.Column("owner_code", sa.String(64), nullable=False),
        sa.Column("common_name", sa.String(200), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("serial", sa.String(40), nullable=False),
        sa.Column("issuer_serial", sa.String(40), nullable=True),
        sa.Column("key_algorithm", sa.String(20), nullable=False),
        sa.Column("not_before", TS, nullable=False),
        sa.Column("not_after", TS, nullable=False),
        sa.Column("cert_der", sa.LargeBinary(), nullable=False),
        sa.Column("key_encrypted", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("revoked_at", TS, nullable=True),
        sa.Column("revocation_reason", sa.String(200), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_seal_credential"),
        sa.UniqueConstraint("slot", name="uq_seal_credential_slot"),
        sa.UniqueConstraint("serial", name="uq_seal_credential_serial"),
    )
    op.create_index("ix_seal_credential_kind", "seal_credential", ["kind"])
    op.create_index("ix_seal_credential_owner_code", "seal_credential", ["owner_code"])

    op.create_table(
        "seal",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("number", sa.String(32), nullable=False),
        sa.Column("owner_type", sa.String(20), nullable=False),
        sa.Column("owner_code", sa.String(64), nullable=False),
        sa.Column("owner_name", sa.String(200), nullable=False),
        sa.Column("owner_name_en", sa.String(200), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("credential_id", sa.Integer(), nullable=True),
        sa.Column("image_sha256", sa.String(64), nullable=True),
        sa.Column("replaces_id", sa.Integer(), nullable=True),
        sa.Column("applied_by", sa.String(120), nullable=False),
        sa.Column("applied_at", TS, nullable=False),
        sa.Column("made_at", TS, nullable=True),
        sa.Column("filed_at", TS, nullable=True),
        sa.Column("activated_at", TS, nullable=True),
        sa.Column("changed_at", TS, nullable=True),
        sa.Column("revoked_at", TS, nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_seal"),
        sa.UniqueConstraint("number", name="uq_seal_number"),
        sa.ForeignKeyConstraint(["credential_id"], ["seal_credential.id"],
                                name="fk_seal_credential_id_seal_credential"),
        sa.ForeignKeyConstraint(["replaces_id"], ["seal.id"], name="fk_seal_replaces_id_seal"),
    )
    op.create_index("ix_seal_owner_status", "seal", ["owner_code", "status"])

    op.create_table(
        "sealed_document",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("application_number", sa.String(40), nullable=False),
        sa.Column("matter_code", sa.String(80), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("result_type", sa.String(20), nullable=False),
        sa.Column("holder_key", sa.String(64), nullable=False),
        sa.Column("seal_id", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("blob_sha256", sa.String(64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("issued_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_sealed_document"),
        sa.ForeignKeyConstraint(["seal_id"], ["seal.id"], name="fk_sealed_document_seal_id_seal"),
    )
    op.create_index("ix_sealed_document_application_number", "sealed_document", ["application_number"])
    op.create_index("ix_sealed_document_holder_key", "sealed_document", ["holder_key"])
    op.create_index("ix_sealed_document_seal_id", "sealed_document", ["seal_id"])
    op.create_index("ix_sealed_document_sha256", "sealed_document", ["sha256"])

    op.create_table(
        "licence",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("holder_key", sa.String(64), nullable=False),
        sa.Column("holder_name", sa.String(200), nullable=False),
        sa.Column("licence_type", sa.String(60), nullable=False),
        sa.Column("licence_name", sa.String(120), nullable=False),
        sa.Column("number", sa.String(40), nullable=False),
        sa.Column("issuer_code", sa.String(40), nullable=False),
        sa.Column("issuer_name", sa.String(200), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_to", sa.Date(), nullable=True),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("sealed_document_id", sa.String(32), nullable=True),
        sa.Column("application_number", sa.String(40), nullable=False),
        sa.Column("download_count", sa.Integer(), nullable=False),
        sa.Column("last_downloaded_at", TS, nullable=True),
        sa.Column("issued_at", TS, nullable=False),
        sa.Column("revoked_at", TS, nullable=True),
        sa.Column("revocation_reason", sa.String(200), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_licence"),
        sa.UniqueConstraint("number", name="uq_licence_number"),
        sa.ForeignKeyConstraint(["sealed_document_id"], ["sealed_document.id"],
                                name="fk_licence_sealed_document_id_sealed_document"),
    )
    op.create_index("ix_licence_holder_type_status", "licence", ["holder_key", "licence_type", "status"])


def downgrade() -> None:
    op.drop_index("ix_licence_holder_type_status", table_name="licence")
    op.drop_table("licence")
    for name in ("sha256", "seal_id", "holder_key", "application_number"):
        op.drop_index(f"ix_sealed_document_{name}", table_name="sealed_document")
    op.drop_table("sealed_document")
    op.drop_index("ix_seal_owner_status", table_name="seal")
    op.drop_table("seal")
    op.drop_index("ix_seal_credential_owner_code", table_name="seal_credential")
    op.drop_index("ix_seal_credential_kind", table_name="seal_credential")
    op.drop_table("seal_credential")
