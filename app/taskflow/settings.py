"""Settings, validated once at startup from the environment.

Every value may also come from a file named by NAME_FILE (Docker secrets, the official
images' convention): the swarm runtime mounts the connection strings that way. Outside
development a SECRET_KEY is required and CORS never allows every origin.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Mapping

ENVIRONMENTS = ("development", "test", "staging", "production")


class SettingsError(ValueError):
    """A setting is missing or invalid; the message names it and what is expected."""


def _read(env: Mapping[str, str], name: str) -> str | None:
    path = env.get(f"{name}_FILE")
    if path:
        try:
            with open(path, encoding="utf-8") as f:
                return f.read().strip()
        except OSError as e:
            raise SettingsError(f"{name}_FILE: cannot read {path} ({e.strerror})") from None
    return env.get(name)


@dataclass(frozen=True)
class Settings:
    environment: str
    database_url: str
    redis_url: str
    secret_key: str
    version: str
    cors_origins: tuple[str, ...] = field(default_factory=tuple)
    log_level: str = "info"


def load_settings(env: Mapping[str, str] | None = None) -> Settings:
    env = os.environ if env is None else env
    problems: list[str] = []
    environment = env.get("TASKFLOW_ENV", "production")
    if environment not in ENVIRONMENTS:
        problems.append(f"TASKFLOW_ENV: got {environment!r}; expected one of {', '.join(ENVIRONMENTS)}")

    database_url = _read(env, "DATABASE_URL") or ""
    if not database_url.startswith(("postgresql://", "postgresql+psycopg2://")):
        problems.append("DATABASE_URL: expected a postgresql:// URL")
    redis_url = _read(env, "REDIS_URL") or ""
    if not redis_url.startswith(("redis://", "rediss://")):
        problems.append("REDIS_URL: expected a redis:// or rediss:// URL")

    secret_key = _read(env, "SECRET_KEY") or ""
    if not secret_key:
        if environment in ("development", "test"):
            secret_key = "development-only-secret"
        else:
            problems.append(f"SECRET_KEY: required when TASKFLOW_ENV is {environment} (no default secret outside development)")
    elif len(secret_key) < 32 and environment not in ("development", "test"):
        problems.append("SECRET_KEY: expected at least 32 characters")

    origins = tuple(o.strip() for o in env.get("CORS_ORIGINS", "").split(",") if o.strip())
    if "*" in origins and environment not in ("development", "test"):
        problems.append("CORS_ORIGINS: '*' is refused outside development; list the allowed origins")
    for origin in origins:
        if origin != "*" and not origin.startswith(("http://", "https://")):
            problems.append(f"CORS_ORIGINS: {origin!r} is not an http(s) origin")

    log_level = env.get("LOG_LEVEL", "info").lower()
    if log_level not in ("debug", "info", "warning", "error"):
        problems.append(f"LOG_LEVEL: got {log_level!r}; expected debug, info, warning or error")

    if problems:
        raise SettingsError("invalid settings:\n  - " + "\n  - ".join(problems))
    return Settings(
        environment=environment,
        database_url=database_url.replace("postgresql://", "postgresql+psycopg2://", 1),
        redis_url=redis_url,
        secret_key=secret_key,
        version=env.get("APP_VERSION", "unknown"),
        cors_origins=origins,
        log_level=log_level,
    )
