"""deliveries of an import wait as a backlog that lanes of messages drain, not as a message each; the relay reads
only unsent outbox rows

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03 19:00:00.000000

A national import makes about twenty million deliveries. Queued as a message each, they stood in the `publish`
queue ahead of every registration published after them, and their outbox rows, once sent, made each of the relay's
reads walk millions of rows. publisher/backlog.py says how the lanes work.
"""
from alembic import op
import sqlalchemy as sa


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'delivery_lanes',
        sa.Column('lane', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('generation', sa.BigInteger(), nullable=False),
        sa.Column('step', sa.BigInteger(), nullable=False),
        sa.Column('running', sa.Boolean(), nullable=False),
        sa.Column('beat_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('lane', name=op.f('pk_delivery_lanes')),
    )
    op.create_index('ix_outbox_pending', 'outbox', ['id'], unique=False,
                    postgresql_where=sa.text('sent_at IS NULL'), sqlite_where=sa.text('sent_at IS NULL'))


def downgrade() -> None:
    op.drop_index('ix_outbox_pending', table_name='outbox',
                  postgresql_where=sa.text('sent_at IS NULL'), sqlite_where=sa.text('sent_at IS NULL'))
    op.drop_table('delivery_lanes')
