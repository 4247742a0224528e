"""JSON logs with a request id, and Prometheus metrics by route and status."""
from __future__ import annotations

import json
import logging
import sys
import time
import uuid

from prometheus_client import CollectorRegistry, Counter, Histogram
from starlette.middleware.base import BaseHTTPMiddleware
from starlette.requests import Request

REGISTRY = CollectorRegistry(auto_describe=True)
REQUESTS = Counter("http_requests_total", "HTTP requests by route and status", ["method", "route", "status"], registry=REGISTRY)
LATENCY = Histogram("http_request_duration_seconds", "HTTP request latency by route", ["method", "route"], registry=REGISTRY,
                    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10))

SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {"time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"), "level": record.levelname.lower(), "message": record.getMessage()}
        entry.update(getattr(record, "fields", {}))
        return json.dumps(entry)


def configure_logging(level: str) -> logging.Logger:
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("taskflow")
    logger.handlers[:] = [handler]
    logger.setLevel(level.upper())
    logger.propagate = False
    return logger


def route_of(request: Request) -> str:
    """The route template (/api/v1/tasks/{task_id}), never the raw path: bounded label values."""
    route = request.scope.get("route")
    return getattr(route, "path", "unmatched")


class RequestMiddleware(BaseHTTPMiddleware):
    """Request id in and out, security headers, one JSON log line and metrics per request."""

    def __init__(self, app, logger: logging.Logger):
        super().__init__(app)
        self.logger = logger

    async def dispatch(self, request: Request, call_next):
        incoming = request.headers.get("x-request-id", "")
        request_id = incoming if 0 < len(incoming) <= 128 and incoming.isprintable() else uuid.uuid4().hex
        request.state.request_id = request_id
        start = time.perf_counter()
        response = await call_next(request)
        elapsed = time.perf_counter() - start
        route = route_of(request)
        REQUESTS.labels(request.method, route, str(response.status_code)).inc()
        LATENCY.labels(request.method, route).observe(elapsed)
        response.headers["X-Request-ID"] = request_id
        for name, value in SECURITY_HEADERS.items():
            response.headers[name] = value
        if route not in ("/health", "/metrics"):
            self.logger.info("request", extra={"fields": {
                "request_id": request_id, "method": request.method, "route": route,
                "status": response.status_code, "ms": round(elapsed * 1000, 1),
            }})
        return response


class SingleWriteResponses:
    """Holds a response's start until its first body chunk, then sends both in the same
    event-loop step. uvicorn writes each ASGI message to the socket as it comes; between
    two awaits other requests run, so a replica that dies (SIGKILL, OOM) could leave the
    gateway holding headers without a body: it cannot retry that request and must abort
    the client's connection. Sent back to back, the window is two adjacent write calls.
    Outermost middleware (added last), so it sees what every other layer produced."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        start = None

        async def send_together(message):
            nonlocal start
            if message["type"] == "http.response.start":
                start = message
                return
            if start is not None and message["type"] == "http.response.body":
                held, start = start, None
                await send(held)
            await send(message)

        await self.app(scope, receive, send_together)
