"""Add tasks.done_at (expand: a nullable column, so the release before it keeps working).

Revision ID: 0002
"""
from alembic import op
import sqlalchemy as sa

revision = "0002"
down_revision = "0001"


def upgrade():
    op.add_column("tasks", sa.Column("done_at", sa.DateTime(timezone=True), nullable=True))


def downgrade():
    op.drop_column("tasks", "done_at")
