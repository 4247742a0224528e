"""Alembic environment: online migrations against DATABASE_URL (or DATABASE_URL_FILE)."""
from alembic import context
from sqlalchemy import create_engine

from taskflow.settings import _read
import os

url = _read(os.environ, "DATABASE_URL") or ""
if not url.startswith(("postgresql://", "postgresql+psycopg2://")):
    raise SystemExit("alembic: DATABASE_URL (or DATABASE_URL_FILE) must be a postgresql:// URL")
url = url.replace("postgresql://", "postgresql+psycopg2://", 1)

engine = create_engine(url, connect_args={"connect_timeout": 5})
with engine.connect() as connection:
    context.configure(connection=connection, transaction_per_migration=True)
    with context.begin_transaction():
        context.run_migrations()
