"""totp: the second factor of staff accounts — the encrypted secret, the last accepted time-step, a pending secret

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03 03:55:00.000000

Existing accounts get no secret and log in with their password as before (docs/security.md).
"""
from alembic import op
import sqlalchemy as sa


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('accounts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('totp_secret_encrypted', sa.String(length=300), nullable=True))
        batch_op.add_column(sa.Column('totp_last_step', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('totp_last_client', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('totp_pending_encrypted', sa.String(length=300), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('accounts', schema=None) as batch_op:
        batch_op.drop_column('totp_pending_encrypted')
        batch_op.drop_column('totp_last_client')
        batch_op.drop_column('totp_last_step')
        batch_op.drop_column('totp_secret_encrypted')
