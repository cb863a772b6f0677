"""Review rollups (statistics kept on write), the window transaction a pad review rates, an index on flags.

Revision ID: 0010_reviews
Revises: 0009_window
Create Date: 2026-11-30
"""
from alembic import op
import sqlalchemy as sa


revision = "0010_reviews"
down_revision = "0010_proactive"
branch_labels = None
depends_on = None

KEYS = "department_code, matter_code, channel, window_code, officer_username"
FULL = "r.department_code, r.matter_code, r.channel, coalesce(r.window_code, ''), coalesce(r.officer_username, '')"
COUNTS = "reviews, good, bad, score_sum, tickets, contacted, rectified, on_time"


def _fill() -> None:
    """The rollups of the reviews already there (the same GROUP BY as app.evaluation.rollups.rebuild)."""
    if op.get_bind().dialect.name == "postgresql":
        local = "timezone('Asia/Shanghai', r.created_at)"
        periods = {"d": f"CAST({local} AS DATE)", "m": f"CAST(date_trunc('month', {local}) AS DATE)"}
    else:
        local = "datetime(r.created_at, '+8 hours')"
        periods = {"d": f"date({local})", "m": f"strftime('%Y-%m-01', {local})"}
    narrow = "r.department_code, '', r.channel, '', ''"
    for grain, period, keys, groups in (
            ("d", periods["d"], FULL, FULL), ("m", periods["m"], FULL, FULL),
            ("D", periods["d"], narrow, "r.department_code, r.channel"),
            ("M", periods["m"], narrow, "r.department_code, r.channel")):
        op.execute(f"""
            INSERT INTO review_rollup (grain, period, {KEYS}, {COUNTS})
            SELECT '{grain}', {period}, {keys}, count(r.id),
                   sum(CASE WHEN r.score >= 4 THEN 1 ELSE 0 END), sum(CASE WHEN r.score <= 2 THEN 1 ELSE 0 END),
                   sum(r.score), sum(CASE WHEN t.id IS NOT NULL THEN 1 ELSE 0 END),
                   sum(CASE WHEN t.contacted_at IS NOT NULL THEN 1 ELSE 0 END),
                   sum(CASE WHEN t.answered_at IS NOT NULL THEN 1 ELSE 0 END),
                   sum(CASE WHEN t.answered_on_time THEN 1 ELSE 0 END)
            FROM review r LEFT OUTER JOIN rectification t ON t.review_id = r.id
            WHERE NOT r.excluded
            GROUP BY {period}, {groups}""")


def upgrade() -> None:
    op.create_table('review_rollup',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('grain', sa.String(length=1), nullable=False),
    sa.Column('period', sa.Date(), nullable=False),
    sa.Column('department_code', sa.String(length=40), nullable=False),
    sa.Column('matter_code', sa.String(length=80), nullable=False),
    sa.Column('channel', sa.String(length=20), nullable=False),
    sa.Column('window_code', sa.String(length=40), nullable=False),
    sa.Column('officer_username', sa.String(length=64), nullable=False),
    sa.Column('reviews', sa.Integer(), nullable=False),
    sa.Column('good', sa.Integer(), nullable=False),
    sa.Column('bad', sa.Integer(), nullable=False),
    sa.Column('score_sum', sa.Integer(), nullable=False),
    sa.Column('tickets', sa.Integer(), nullable=False),
    sa.Column('contacted', sa.Integer(), nullable=False),
    sa.Column('rectified', sa.Integer(), nullable=False),
    sa.Column('on_time', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_review_rollup')),
    sa.UniqueConstraint('grain', 'period', 'department_code', 'matter_code', 'channel', 'window_code',
                        'officer_username', name=op.f('uq_review_rollup_grain'))
    )
    with op.batch_alter_table('review_rollup', schema=None) as batch_op:
        batch_op.create_index('ix_review_rollup_matter', ['grain', 'matter_code', 'period'], unique=False)
    with op.batch_alter_table('review', schema=None) as batch_op:
        batch_op.add_column(sa.Column('intake_id', sa.Integer(), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_review_intake_id'), ['intake_id'])
        batch_op.create_foreign_key(batch_op.f('fk_review_intake_id_window_intake'), 'window_intake',
                                    ['intake_id'], ['id'])
        batch_op.create_index(batch_op.f('ix_review_flag'), ['flag'], unique=False)
    _fill()


def downgrade() -> None:
    with op.batch_alter_table('review', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_review_flag'))
        batch_op.drop_constraint(batch_op.f('fk_review_intake_id_window_intake'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('uq_review_intake_id'), type_='unique')
        batch_op.drop_column('intake_id')
    op.drop_table('review_rollup')
