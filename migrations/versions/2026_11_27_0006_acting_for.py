"""A person's browser session may act for an enterprise (legal representative or authorised employee).

Revision ID: 0006_acting_for
Revises: 0005_applications
Create Date: 2026-11-27
"""
from alembic import op
import sqlalchemy as sa

revision = "0006_acting_for"
down_revision = "0005_applications"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("web_session") as batch:
        batch.add_column(sa.Column("acting_for_user_id", sa.Integer(), nullable=True))
        batch.create_foreign_key("fk_web_session_acting_for_user_id_user_account", "user_account",
                                 ["acting_for_user_id"], ["id"])
    with op.batch_alter_table("enterprise_agent") as batch:
        batch.create_unique_constraint("uq_enterprise_agent_enterprise_user_id", ["enterprise_user_id",
                                                                                 "person_user_id"])


def downgrade() -> None:
    with op.batch_alter_table("enterprise_agent") as batch:
        batch.drop_constraint("uq_enterprise_agent_enterprise_user_id", type_="unique")
    with op.batch_alter_table("web_session") as batch:
        batch.drop_constraint("fk_web_session_acting_for_user_id_user_account", type_="foreignkey")
        batch.drop_column("acting_for_user_id")
