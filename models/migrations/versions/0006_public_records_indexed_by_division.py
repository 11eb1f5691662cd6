"""public search within a division: the gram index holds each record's division prefixes, and the ranked name
index ends with the division, so a name searched within a province, city or county reads only that division's
candidates (docs/public-end.md)

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03 07:40:00.000000

The gram index is PostgreSQL only (SQLite has no gram index). Builds two indexes over every public record: on a
national register (11.5 million records) that takes about ten minutes here.
"""
from alembic import op
import sqlalchemy as sa

from models.search import RECORD_GRAMS_FUNCTION


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def postgresql() -> bool:
    return op.get_bind().dialect.name == 'postgresql'


def upgrade() -> None:
    with op.batch_alter_table('public_records', schema=None) as batch_op:
        batch_op.create_index('ix_public_records_kind_name_identifier_division', ['kind', 'name', 'identifier', 'division'],
                              unique=False)
        batch_op.drop_index('ix_public_records_kind_name_identifier')
    if not postgresql():
        return
    op.execute(RECORD_GRAMS_FUNCTION)
    op.create_index('ix_public_records_grams', 'public_records',
                    [sa.literal_column('medreg_record_grams(name, division)')], unique=False, postgresql_using='gin')
    op.drop_index('ix_public_records_name_grams', table_name='public_records', postgresql_using='gin')


def downgrade() -> None:
    with op.batch_alter_table('public_records', schema=None) as batch_op:
        batch_op.create_index('ix_public_records_kind_name_identifier', ['kind', 'name', 'identifier'], unique=False)
        batch_op.drop_index('ix_public_records_kind_name_identifier_division')
    if not postgresql():
        return
    op.create_index('ix_public_records_name_grams', 'public_records', [sa.literal_column('medreg_grams(name)')],
                    unique=False, postgresql_using='gin')
    op.drop_index('ix_public_records_grams', table_name='public_records', postgresql_using='gin')
    op.execute("DROP FUNCTION IF EXISTS medreg_record_grams(text, text)")
