"""The app's tests run against a real Postgres and Redis (DATABASE_URL, REDIS_URL),
started beside this container by the project's test (tests/rehearsal/app.test.ts)."""
import os
import subprocess

import pytest
from fastapi.testclient import TestClient

from taskflow.main import create_app
from taskflow.settings import load_settings

BASE_ENV = {
    "TASKFLOW_ENV": "test",
    "DATABASE_URL": os.environ["DATABASE_URL"],
    "REDIS_URL": os.environ["REDIS_URL"],
    "APP_VERSION": "test-1",
}


def alembic(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["alembic", *args], cwd="/app", env={**os.environ, **BASE_ENV}, capture_output=True, text=True)


@pytest.fixture(scope="session")
def migrated():
    result = alembic("upgrade", "head")
    assert result.returncode == 0, result.stderr
    return result


@pytest.fixture()
def client(migrated):
    with TestClient(create_app(load_settings(BASE_ENV))) as c:
        yield c
