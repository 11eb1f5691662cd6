"""the first day a licence key signed here, for keys their keyring does not date (the key derived from the secret)

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04 16:00:00.000000

`GET /api/v1/public/licence-keys` published `valid_from: null` for the key derived from MEDREG_SECRET, the key of a
deployment configured as the outside contract lists it: it has no keyring file to date it. The deployment now
records the first day it signed with such a key.
"""
from alembic import op
import sqlalchemy as sa


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'licence_key_days',
        sa.Column('kid', sa.String(length=64), nullable=False),
        sa.Column('first_day', sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint('kid', name=op.f('pk_licence_key_days')),
    )


def downgrade() -> None:
    op.drop_table('licence_key_days')
