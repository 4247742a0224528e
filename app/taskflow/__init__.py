"""TaskFlow: a small task API (FastAPI, SQLAlchemy, Alembic, Redis)."""
