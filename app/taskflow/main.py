"""The TaskFlow API: tasks under /api/v1, /health for the deploy's gates, /metrics.

Deploy contract (what the Pulumi program relies on):
- GET /health: 200 {"status": "ok"} only when Postgres and Redis answer; else 503 with
  which one failed.
- GET /api/v1/status: {"version": <APP_VERSION baked at build>, "replica": <hostname>}.
- Settings come from the environment (taskflow/settings.py), *_FILE variants included.
- SIGTERM (gunicorn): stop accepting, finish in-flight requests within graceful_timeout.
"""
from __future__ import annotations

import datetime as dt
import os
import socket

from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic import BaseModel, constr
from sqlalchemy import select

from .db import check_cache, check_database, make_engine, make_redis, make_sessions
from .models import Task
from .observability import REGISTRY, RequestMiddleware, SingleWriteResponses, configure_logging
from .settings import Settings, load_settings


def metrics_registry():
    """Under gunicorn every worker counts on its own: with PROMETHEUS_MULTIPROC_DIR the
    workers' counts are summed from their files; without it (tests) this process's."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import CollectorRegistry, multiprocess
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return registry
    return REGISTRY


class TaskIn(BaseModel):
    title: constr(strip_whitespace=True, min_length=1, max_length=200)  # type: ignore[valid-type]


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or load_settings()
    logger = configure_logging(settings.log_level)
    engine = make_engine(settings)
    sessions = make_sessions(engine)
    cache = make_redis(settings)
    hostname = socket.gethostname()

    app = FastAPI(title="TaskFlow", version=settings.version, docs_url=None if settings.environment == "production" else "/docs",
                  redoc_url=None, openapi_url=None if settings.environment == "production" else "/openapi.json")
    app.add_middleware(RequestMiddleware, logger=logger)
    if settings.cors_origins:
        app.add_middleware(CORSMiddleware, allow_origins=list(settings.cors_origins), allow_methods=["GET", "POST"],
                           allow_headers=["content-type", "x-request-id"], allow_credentials=False)
    app.add_middleware(SingleWriteResponses)

    def db():
        with sessions() as session:
            yield session

    @app.get("/health")
    def health() -> JSONResponse:
        failed = {name: why for name, why in (("postgres", check_database(engine)), ("redis", check_cache(cache))) if why}
        if failed:
            return JSONResponse({"status": "unavailable", "failed": failed}, status_code=503)
        return JSONResponse({"status": "ok"})

    @app.get("/api/v1/status")
    def status() -> dict:
        return {"version": settings.version, "replica": hostname}

    @app.get("/api/v1/tasks")
    def list_tasks(session=Depends(db)) -> dict:
        rows = session.execute(select(Task).order_by(Task.id)).scalars().all()
        return {"tasks": [t.as_dict() for t in rows]}

    @app.post("/api/v1/tasks", status_code=201)
    def create_task(body: TaskIn, session=Depends(db)) -> dict:
        task = Task(title=body.title)
        session.add(task)
        session.commit()
        return task.as_dict()

    def task_or_404(session, task_id: int) -> Task:
        task = session.get(Task, task_id)
        if task is None:
            raise HTTPException(status_code=404, detail="task not found")
        return task

    @app.get("/api/v1/tasks/{task_id}")
    def get_task(task_id: int, session=Depends(db)) -> dict:
        return task_or_404(session, task_id).as_dict()

    @app.post("/api/v1/tasks/{task_id}/done")
    def mark_done(task_id: int, session=Depends(db)) -> dict:
        task = task_or_404(session, task_id)
        if task.done_at is None:
            task.done_at = dt.datetime.now(dt.timezone.utc)
            session.commit()
        return task.as_dict()

    @app.get("/metrics")
    def metrics(request: Request) -> Response:
        return Response(generate_latest(metrics_registry()), media_type=CONTENT_TYPE_LATEST)

    return app
