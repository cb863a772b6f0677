"""Proactive services, second part: when an offer was first seen (reach), the kiosk's sessions.

Revision ID: 0010_proactive
Revises: 0009_window
Create Date: 2026-11-30
"""
from alembic import op
import sqlalchemy as sa


revision = '0010_proactive'
down_revision = '0010_win_back'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('proactive_offer', schema=None) as batch_op:
        batch_op.add_column(sa.Column('seen_at', sa.DateTime(timezone=True), nullable=True))

    op.create_table('kiosk_session',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('terminal', sa.String(length=40), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('csrf_token', sa.String(length=64), nullable=False),
    sa.Column('locale', sa.String(length=8), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_seen_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_kiosk_session_user_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_kiosk_session'))
    )
    with op.batch_alter_table('kiosk_session', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_kiosk_session_last_seen_at'), ['last_seen_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_kiosk_session_user_id'), ['user_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('kiosk_session', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_kiosk_session_user_id'))
        batch_op.drop_index(batch_op.f('ix_kiosk_session_last_seen_at'))
    op.drop_table('kiosk_session')
    with op.batch_alter_table('proactive_offer', schema=None) as batch_op:
        batch_op.drop_column('seen_at')
