"""Reviews (好差评), rectification tickets, appeals; failed jobs of the task queue.

Revision ID: 0008_reviews
Revises: 0007_english_names
Create Date: 2026-11-30
"""
from alembic import op
import sqlalchemy as sa


revision = "0008_reviews"
down_revision = "0008_access"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('job_failure',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('task_name', sa.String(length=200), nullable=False),
    sa.Column('task_id', sa.String(length=64), nullable=False),
    sa.Column('error', sa.String(length=500), nullable=False),
    sa.Column('detail', sa.Text(), nullable=False),
    sa.Column('failed_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_job_failure'))
    )
    with op.batch_alter_table('job_failure', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_job_failure_failed_at'), ['failed_at'], unique=False)

    op.create_table('review',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('application_number', sa.String(length=32), nullable=False),
    sa.Column('matter_code', sa.String(length=80), nullable=False),
    sa.Column('department_code', sa.String(length=40), nullable=False),
    sa.Column('window_code', sa.String(length=40), nullable=True),
    sa.Column('officer_username', sa.String(length=64), nullable=True),
    sa.Column('responsibility', sa.Enum('back_office', 'front_desk', 'both', name='responsibility', native_enum=False, length=40), nullable=False),
    sa.Column('channel', sa.Enum('online', 'window_pad', 'terminal', 'mobile', 'hotline', name='reviewchannel', native_enum=False, length=40), nullable=False),
    sa.Column('score', sa.Integer(), nullable=False),
    sa.Column('indicators', sa.JSON(), nullable=False),
    sa.Column('tags', sa.JSON(), nullable=False),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.Column('anonymous', sa.Boolean(), nullable=False),
    sa.Column('reviewer_user_id', sa.Integer(), nullable=False),
    sa.Column('reviewer_name', sa.String(length=120), nullable=False),
    sa.Column('ip', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('follow_up', sa.Text(), nullable=True),
    sa.Column('follow_up_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('flag', sa.String(length=200), nullable=True),
    sa.Column('excluded', sa.Boolean(), nullable=False),
    sa.CheckConstraint('score BETWEEN 1 AND 5', name=op.f('ck_review_score_range')),
    sa.ForeignKeyConstraint(['application_id'], ['application.id'], name=op.f('fk_review_application_id_application')),
    sa.ForeignKeyConstraint(['reviewer_user_id'], ['user_account.id'], name=op.f('fk_review_reviewer_user_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_review')),
    sa.UniqueConstraint('application_id', name=op.f('uq_review_application_id'))
    )
    with op.batch_alter_table('review', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_review_channel'), ['channel'], unique=False)
        batch_op.create_index(batch_op.f('ix_review_department_code'), ['department_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_review_matter_code'), ['matter_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_review_officer_username'), ['officer_username'], unique=False)
        batch_op.create_index(batch_op.f('ix_review_reviewer_user_id'), ['reviewer_user_id'], unique=False)
        batch_op.create_index('ix_review_stats', ['created_at', 'department_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_review_window_code'), ['window_code'], unique=False)

    op.create_table('rectification',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('review_id', sa.Integer(), nullable=False),
    sa.Column('department_code', sa.String(length=40), nullable=False),
    sa.Column('status', sa.Enum('awaiting_contact', 'verified', 'rectifying', 'answered', 'closed', name='ticketstatus', native_enum=False, length=40), nullable=False),
    sa.Column('opened_on', sa.Date(), nullable=False),
    sa.Column('contact_due', sa.Date(), nullable=False),
    sa.Column('rectify_due', sa.Date(), nullable=False),
    sa.Column('complexity', sa.Enum('simple', 'complex', name='complexity', native_enum=False, length=40), nullable=False),
    sa.Column('verdict', sa.Enum('reasonable', 'unreasonable', 'malicious', name='verdict', native_enum=False, length=40), nullable=True),
    sa.Column('contact_note', sa.Text(), nullable=False),
    sa.Column('contacted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('contacted_by', sa.String(length=64), nullable=True),
    sa.Column('answer', sa.Text(), nullable=False),
    sa.Column('answered_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('answered_by', sa.String(length=64), nullable=True),
    sa.Column('answered_on_time', sa.Boolean(), nullable=True),
    sa.Column('answer_rating', sa.Enum('satisfied', 'basically_satisfied', 'unsatisfied', name='answerrating', native_enum=False, length=40), nullable=True),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('overdue', sa.Boolean(), nullable=False),
    sa.Column('escalated_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['review_id'], ['review.id'], name=op.f('fk_rectification_review_id_review')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rectification')),
    sa.UniqueConstraint('review_id', name=op.f('uq_rectification_review_id'))
    )
    with op.batch_alter_table('rectification', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_rectification_department_code'), ['department_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_rectification_overdue'), ['overdue'], unique=False)
        batch_op.create_index(batch_op.f('ix_rectification_status'), ['status'], unique=False)

    op.create_table('review_appeal',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('review_id', sa.Integer(), nullable=False),
    sa.Column('department_code', sa.String(length=40), nullable=False),
    sa.Column('reason', sa.Enum('mistaken', 'malicious', name='appealreason', native_enum=False, length=40), nullable=False),
    sa.Column('evidence', sa.Text(), nullable=False),
    sa.Column('status', sa.Enum('pending', 'upheld', 'rejected', name='appealstatus', native_enum=False, length=40), nullable=False),
    sa.Column('filed_by', sa.String(length=64), nullable=False),
    sa.Column('filed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('decide_due', sa.Date(), nullable=False),
    sa.Column('decided_by', sa.String(length=64), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('decision_note', sa.Text(), nullable=False),
    sa.Column('overdue', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['review_id'], ['review.id'], name=op.f('fk_review_appeal_review_id_review')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_review_appeal')),
    sa.UniqueConstraint('review_id', name=op.f('uq_review_appeal_review_id'))
    )
    with op.batch_alter_table('review_appeal', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_review_appeal_department_code'), ['department_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_review_appeal_status'), ['status'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('review_appeal', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_review_appeal_status'))
        batch_op.drop_index(batch_op.f('ix_review_appeal_department_code'))

    op.drop_table('review_appeal')
    with op.batch_alter_table('rectification', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_rectification_status'))
        batch_op.drop_index(batch_op.f('ix_rectification_overdue'))
        batch_op.drop_index(batch_op.f('ix_rectification_department_code'))

    op.drop_table('rectification')
    with op.batch_alter_table('review', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_review_window_code'))
        batch_op.drop_index('ix_review_stats')
        batch_op.drop_index(batch_op.f('ix_review_reviewer_user_id'))
        batch_op.drop_index(batch_op.f('ix_review_officer_username'))
        batch_op.drop_index(batch_op.f('ix_review_matter_code'))
        batch_op.drop_index(batch_op.f('ix_review_department_code'))
        batch_op.drop_index(batch_op.f('ix_review_channel'))

    op.drop_table('review')
    with op.batch_alter_table('job_failure', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_job_failure_failed_at'))

    op.drop_table('job_failure')
