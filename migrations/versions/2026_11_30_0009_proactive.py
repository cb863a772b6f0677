"""Proactive services: offers and grants, the scan cursor, policy pushes, service points.

Revision ID: 0009_proactive
Revises: 0008_reviews
Create Date: 2026-11-30
"""
from alembic import op
import sqlalchemy as sa


revision = '0009_proactive'
down_revision = '0008_reviews'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('policy_push',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('uscc', sa.String(length=18), nullable=False),
    sa.Column('policy_code', sa.String(length=40), nullable=False),
    sa.Column('pushed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('read_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_policy_push')),
    sa.UniqueConstraint('uscc', 'policy_code', name='uq_policy_push_uscc_policy')
    )
    with op.batch_alter_table('policy_push', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_policy_push_policy_code'), ['policy_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_policy_push_uscc'), ['uscc'], unique=False)

    op.create_table('proactive_cursor',
    sa.Column('name', sa.String(length=40), nullable=False),
    sa.Column('last_record_id', sa.Integer(), nullable=False),
    sa.Column('passes', sa.Integer(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_proactive_cursor'))
    )
    op.create_table('proactive_offer',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('subject_key', sa.String(length=18), nullable=False),
    sa.Column('matter_code', sa.String(length=80), nullable=False),
    sa.Column('kind', sa.Enum('offer', 'grant', name='offerkind', native_enum=False, length=40), nullable=False),
    sa.Column('status', sa.Enum('offered', 'applied', 'granted', 'declined', 'objected', name='offerstatus', native_enum=False, length=40), nullable=False),
    sa.Column('reasons', sa.JSON(), nullable=False),
    sa.Column('sources', sa.JSON(), nullable=False),
    sa.Column('model_version', sa.Integer(), nullable=False),
    sa.Column('application_number', sa.String(length=32), nullable=True),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_proactive_offer')),
    sa.UniqueConstraint('subject_key', 'matter_code', name='uq_proactive_offer_subject_matter')
    )
    with op.batch_alter_table('proactive_offer', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_proactive_offer_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_proactive_offer_matter_code'), ['matter_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_proactive_offer_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_proactive_offer_subject_key'), ['subject_key'], unique=False)

    op.create_table('service_point',
    sa.Column('id', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('name_en', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('place', sa.String(length=20), nullable=False),
    sa.Column('subdistrict', sa.String(length=40), nullable=False),
    sa.Column('address', sa.String(length=200), nullable=False),
    sa.Column('address_en', sa.String(length=300), nullable=False),
    sa.Column('lat', sa.Float(), nullable=False),
    sa.Column('lng', sa.Float(), nullable=False),
    sa.Column('hours', sa.String(length=120), nullable=False),
    sa.Column('hours_en', sa.String(length=200), nullable=False),
    sa.Column('open_24h', sa.Boolean(), nullable=False),
    sa.Column('matters', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_service_point'))
    )
    with op.batch_alter_table('service_point', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_service_point_kind'), ['kind'], unique=False)




def downgrade() -> None:
    with op.batch_alter_table('service_point', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_service_point_kind'))

    op.drop_table('service_point')
    with op.batch_alter_table('proactive_offer', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_proactive_offer_subject_key'))
        batch_op.drop_index(batch_op.f('ix_proactive_offer_status'))
        batch_op.drop_index(batch_op.f('ix_proactive_offer_matter_code'))
        batch_op.drop_index(batch_op.f('ix_proactive_offer_created_at'))

    op.drop_table('proactive_offer')
    op.drop_table('proactive_cursor')
    with op.batch_alter_table('policy_push', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_policy_push_uscc'))
        batch_op.drop_index(batch_op.f('ix_policy_push_policy_code'))

    op.drop_table('policy_push')

