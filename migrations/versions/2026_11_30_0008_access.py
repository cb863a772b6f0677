"""Intake deadline; system texts stored in Chinese and English apart.

Revision ID: 0008_access
Revises: 0007_english_names
Create Date: 2026-11-30
"""
from alembic import op
import sqlalchemy as sa

revision = "0008_access"
down_revision = "0008_db_edge"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("application") as batch:
        batch.add_column(sa.Column("intake_due_date", sa.Date(), nullable=True))
    with op.batch_alter_table("application_event") as batch:
        batch.add_column(sa.Column("note_en", sa.Text(), nullable=True))
    with op.batch_alter_table("inbox_message") as batch:
        batch.add_column(sa.Column("title_en", sa.String(200), nullable=True))
        batch.add_column(sa.Column("body_en", sa.Text(), nullable=True))
    # Inbox titles were always written by the system as "中文 / English": move the English half
    # into its own column. Bodies and event notes may hold what a person typed: left whole.
    inbox = sa.table("inbox_message", sa.column("id", sa.Integer), sa.column("title", sa.String),
                     sa.column("title_en", sa.String))
    conn = op.get_bind()
    for row in conn.execute(sa.select(inbox.c.id, inbox.c.title).where(inbox.c.title.like("% / %"))).all():
        zh, _sep, en = row.title.partition(" / ")
        conn.execute(inbox.update().where(inbox.c.id == row.id).values(title=zh, title_en=en))


def downgrade() -> None:
    inbox = sa.table("inbox_message", sa.column("id", sa.Integer), sa.column("title", sa.String),
                     sa.column("title_en", sa.String))
    conn = op.get_bind()
    for row in conn.execute(sa.select(inbox.c.id, inbox.c.title, inbox.c.title_en)
                            .where(inbox.c.title_en.is_not(None))).all():
        conn.execute(inbox.update().where(inbox.c.id == row.id)
                     .values(title=f"{row.title} / {row.title_en}"[:200]))
    with op.batch_alter_table("inbox_message") as batch:
        batch.drop_column("body_en")
        batch.drop_column("title_en")
    with op.batch_alter_table("application_event") as batch:
        batch.drop_column("note_en")
    with op.batch_alter_table("application") as batch:
        batch.drop_column("intake_due_date")
