"""Database and cache connections, created once per worker process."""
from __future__ import annotations

import redis
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import sessionmaker

from .settings import Settings


def make_engine(settings: Settings) -> Engine:
    # pool_pre_ping: a connection Postgres closed (restart, replacement) is replaced
    # instead of failing the request that picks it up.
    return create_engine(settings.database_url, pool_pre_ping=True, pool_size=5, max_overflow=5,
                         connect_args={"connect_timeout": 3})


def make_sessions(engine: Engine) -> sessionmaker:
    return sessionmaker(bind=engine, expire_on_commit=False)


def make_redis(settings: Settings) -> redis.Redis:
    return redis.Redis.from_url(settings.redis_url, socket_timeout=2, socket_connect_timeout=2)


def check_database(engine: Engine) -> str | None:
    """None when Postgres answers, else why not (no secret in it)."""
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        return None
    except Exception as e:  # any failure means "not ready"
        return type(e).__name__


def check_cache(client: redis.Redis) -> str | None:
    try:
        client.ping()
        return None
    except Exception as e:
        return type(e).__name__
