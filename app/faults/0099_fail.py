"""A migration that fails (the bad-migration fault tag only).

Revision ID: 0099
"""
from alembic import op

revision = "0099"
down_revision = "0002"


def upgrade():
    op.execute("SELECT * FROM relation_that_does_not_exist")


def downgrade():
    pass
