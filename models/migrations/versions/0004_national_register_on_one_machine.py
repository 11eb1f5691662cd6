"""the national register on one machine: names searched by their grams, ranked and paged in index order;
summaries for the statistics; when each application last entered 待审批, for the workbench's keyset paging

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-03 00:02:41.047148

PostgreSQL only for what SQLite (the embedded demo) has no use for or cannot do: the medreg_grams function and
the GIN indexes on it (models/search.py), and the "C" collation of public_records.name (a prefix is one range of
the index; ranked search pages in code point order, as SQLite compares anyway).
"""
from alembic import op
import sqlalchemy as sa

from models.search import GRAMS_FUNCTION


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

GRAM_INDEXES = (("ix_institutions_name_grams", "institutions"), ("ix_persons_name_grams", "persons"),
                ("ix_public_records_name_grams", "public_records"))


def postgresql() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def upgrade() -> None:
    with op.batch_alter_table('applications', schema=None) as batch_op:
        batch_op.add_column(sa.Column('waiting_since', sa.DateTime(timezone=True), nullable=True))
    # From the history: the last row entering 待审批 from another status (routing's own row stays in it).
    op.execute("""
        UPDATE applications SET waiting_since = entered.since
        FROM (SELECT application_id, max(at) AS since FROM application_events
              WHERE to_status = 'pending_approval' AND (from_status IS NULL OR from_status <> 'pending_approval')
              GROUP BY application_id) AS entered
        WHERE applications.id = entered.application_id
    """)
    op.create_index('ix_applications_status_waiting', 'applications',
                    ['status', sa.literal_column('coalesce(waiting_since, submitted_at)'), 'id'], unique=False)
    op.create_table('register_summary',
    sa.Column('division_code', sa.String(length=6), nullable=False),
    sa.Column('institution_type', sa.String(length=50), nullable=False),
    sa.Column('physicians', sa.Integer(), nullable=False),
    sa.Column('nurses', sa.Integer(), nullable=False),
    sa.Column('institutions', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('division_code', 'institution_type', name=op.f('pk_register_summary'))
    )
    op.create_table('stage_time_histogram',
    sa.Column('province', sa.String(length=2), nullable=False),
    sa.Column('month', sa.String(length=7), nullable=False),
    sa.Column('stage', sa.String(length=20), nullable=False),
    sa.Column('bucket', sa.Integer(), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('province', 'month', 'stage', 'bucket', name=op.f('pk_stage_time_histogram'))
    )
    op.create_table('summary_refreshes',
    sa.Column('name', sa.String(length=40), nullable=False),
    sa.Column('refreshed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('seconds', sa.Double(), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_summary_refreshes'))
    )
    with op.batch_alter_table('public_records', schema=None) as batch_op:
        batch_op.drop_index('ix_public_records_kind_name')
    if postgresql():
        op.alter_column('public_records', 'name', type_=sa.String(200, collation='C'), existing_type=sa.String(200),
                        existing_nullable=False)
        op.execute(GRAMS_FUNCTION)
        for name, table in GRAM_INDEXES:
            op.create_index(name, table, [sa.literal_column('medreg_grams(name)')], unique=False, postgresql_using='gin')
    with op.batch_alter_table('public_records', schema=None) as batch_op:
        batch_op.create_index('ix_public_records_kind_name_identifier', ['kind', 'name', 'identifier'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_applications_status_waiting', table_name='applications')
    with op.batch_alter_table('applications', schema=None) as batch_op:
        batch_op.drop_column('waiting_since')
    op.drop_table('summary_refreshes')
    op.drop_table('stage_time_histogram')
    op.drop_table('register_summary')
    with op.batch_alter_table('public_records', schema=None) as batch_op:
        batch_op.drop_index('ix_public_records_kind_name_identifier')
    if postgresql():
        for name, table in GRAM_INDEXES:
            op.drop_index(name, table_name=table, postgresql_using='gin')
        op.execute("DROP FUNCTION IF EXISTS medreg_grams(text)")
        op.alter_column('public_records', 'name', type_=sa.String(200), existing_type=sa.String(200, collation='C'),
                        existing_nullable=False)
    with op.batch_alter_table('public_records', schema=None) as batch_op:
        batch_op.create_index('ix_public_records_kind_name', ['kind', 'name'], unique=False)
