"""the workbench over every status, in waiting order, read from an index instead of sorting the jurisdiction's
applications for each page

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03 17:00:00.000000

One B-tree over the applications (five million for a year of the country: seconds to build).
"""
from alembic import op
import sqlalchemy as sa


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_applications_waiting', 'applications',
                    [sa.text('coalesce(waiting_since, submitted_at)'), 'id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_applications_waiting', table_name='applications')
