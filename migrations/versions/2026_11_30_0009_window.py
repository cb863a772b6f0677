"""Service centres and windows, queue tickets, appointments, window intake records.

Revision ID: 0009_window
Revises: 0008_reviews
Create Date: 2026-11-30
"""
from alembic import op
import sqlalchemy as sa


revision = "0009_window"
down_revision = "0009_proactive"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('service_centre',
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('name_en', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('address', sa.String(length=200), nullable=False),
    sa.Column('address_en', sa.String(length=300), nullable=False),
    sa.Column('hours', sa.String(length=120), nullable=False),
    sa.Column('hours_en', sa.String(length=200), nullable=False),
    sa.Column('lat', sa.Float(), nullable=False),
    sa.Column('lng', sa.Float(), nullable=False),
    sa.Column('slot_capacity', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_service_centre'))
    )
    op.create_table('appointment_slot',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('centre_code', sa.String(length=40), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('start', sa.String(length=5), nullable=False),
    sa.Column('capacity', sa.Integer(), nullable=False),
    sa.Column('booked', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['centre_code'], ['service_centre.code'], name=op.f('fk_appointment_slot_centre_code_service_centre')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_appointment_slot')),
    sa.UniqueConstraint('centre_code', 'day', 'start', name=op.f('uq_appointment_slot_centre_code'))
    )
    with op.batch_alter_table('appointment_slot', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_appointment_slot_centre_code'), ['centre_code'], unique=False)

    op.create_table('service_window',
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('centre_code', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('name_en', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.Enum('comprehensive', 'dedicated', name='windowkind', native_enum=False, length=40), nullable=False),
    sa.Column('departments', sa.JSON(), nullable=False),
    sa.Column('matters', sa.JSON(), nullable=False),
    sa.Column('handout', sa.Boolean(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['centre_code'], ['service_centre.code'], name=op.f('fk_service_window_centre_code_service_centre')),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_service_window'))
    )
    with op.batch_alter_table('service_window', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_service_window_centre_code'), ['centre_code'], unique=False)

    op.create_table('appointment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slot_id', sa.Integer(), nullable=False),
    sa.Column('centre_code', sa.String(length=40), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('start', sa.String(length=5), nullable=False),
    sa.Column('matter_code', sa.String(length=80), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('booked', 'cancelled', 'attended', 'no_show', name='appointmentstatus', native_enum=False, length=40), nullable=False),
    sa.Column('active_key', sa.String(length=40), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('cancelled_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['matter_code'], ['matter.code'], name=op.f('fk_appointment_matter_code_matter')),
    sa.ForeignKeyConstraint(['slot_id'], ['appointment_slot.id'], name=op.f('fk_appointment_slot_id_appointment_slot')),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_appointment_user_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_appointment')),
    sa.UniqueConstraint('active_key', name=op.f('uq_appointment_active_key'))
    )
    with op.batch_alter_table('appointment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_appointment_centre_code'), ['centre_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_appointment_day'), ['day'], unique=False)
        batch_op.create_index(batch_op.f('ix_appointment_slot_id'), ['slot_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_appointment_user_id'), ['user_id'], unique=False)

    op.create_table('queue_ticket',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('centre_code', sa.String(length=40), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('number', sa.String(length=10), nullable=False),
    sa.Column('group', sa.String(length=40), nullable=False),
    sa.Column('appointment_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.Enum('waiting', 'called', 'served', 'no_show', name='ticketstatus', native_enum=False, length=40), nullable=False),
    sa.Column('window_code', sa.String(length=40), nullable=True),
    sa.Column('officer', sa.String(length=64), nullable=True),
    sa.Column('taken_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('called_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('served_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['appointment_id'], ['appointment.id'], name=op.f('fk_queue_ticket_appointment_id_appointment')),
    sa.ForeignKeyConstraint(['centre_code'], ['service_centre.code'], name=op.f('fk_queue_ticket_centre_code_service_centre')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_queue_ticket')),
    sa.UniqueConstraint('centre_code', 'day', 'number', name=op.f('uq_queue_ticket_centre_code'))
    )
    with op.batch_alter_table('queue_ticket', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_queue_ticket_centre_code'), ['centre_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_queue_ticket_day'), ['day'], unique=False)
        batch_op.create_index(batch_op.f('ix_queue_ticket_status'), ['status'], unique=False)

    op.create_table('window_intake',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('application_number', sa.String(length=32), nullable=False),
    sa.Column('window_code', sa.String(length=40), nullable=False),
    sa.Column('officer', sa.String(length=64), nullable=False),
    sa.Column('department_code', sa.String(length=40), nullable=False),
    sa.Column('on_the_spot_matter', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('accepted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('returned', sa.String(length=20), nullable=True),
    sa.Column('returned_by', sa.String(length=64), nullable=True),
    sa.Column('completed_on_spot', sa.Boolean(), nullable=False),
    sa.Column('notice_blob', sa.String(length=64), nullable=True),
    sa.Column('handed_out_by', sa.String(length=64), nullable=True),
    sa.Column('handed_out_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('collected_by', sa.String(length=120), nullable=True),
    sa.ForeignKeyConstraint(['application_id'], ['application.id'], name=op.f('fk_window_intake_application_id_application'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_window_intake')),
    sa.UniqueConstraint('application_id', name=op.f('uq_window_intake_application_id'))
    )
    with op.batch_alter_table('window_intake', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_window_intake_department_code'), ['department_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_window_intake_window_code'), ['window_code'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('window_intake', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_window_intake_window_code'))
        batch_op.drop_index(batch_op.f('ix_window_intake_department_code'))

    op.drop_table('window_intake')
    with op.batch_alter_table('queue_ticket', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_queue_ticket_status'))
        batch_op.drop_index(batch_op.f('ix_queue_ticket_day'))
        batch_op.drop_index(batch_op.f('ix_queue_ticket_centre_code'))

    op.drop_table('queue_ticket')
    with op.batch_alter_table('appointment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_appointment_user_id'))
        batch_op.drop_index(batch_op.f('ix_appointment_slot_id'))
        batch_op.drop_index(batch_op.f('ix_appointment_day'))
        batch_op.drop_index(batch_op.f('ix_appointment_centre_code'))

    op.drop_table('appointment')
    with op.batch_alter_table('service_window', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_service_window_centre_code'))

    op.drop_table('service_window')
    with op.batch_alter_table('appointment_slot', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_appointment_slot_centre_code'))

    op.drop_table('appointment_slot')
    op.drop_table('service_centre')
