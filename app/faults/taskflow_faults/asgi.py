"""taskflow.asgi with a fault baked in by the build (FAULT):
- never-healthy: /health always answers 503;
- flaky: /health answers 503 from TASKFLOW_APP_UNHEALTHY_AFTER seconds after start (default 8);
- slow-start: the worker takes SLOW_START seconds (default 15) to boot;
- bad-migration: an extra Alembic revision that fails (added at build time);
- errors: /health, /api/v1/status and /metrics answer as the real app, but a share
  (TASKFLOW_APP_ERROR_SHARE, default 0.2) of every other request answers 500: a release
  whose health and version checks pass while real requests fail. Each worker fails
  exactly that share of the requests it sees (counted, not random).
Everything else is the real app."""
import os
import time

from starlette.responses import JSONResponse

from taskflow.main import create_app

FAULT = os.environ.get("FAULT", "")
STARTED = time.monotonic()
ERROR_SHARE = float(os.environ.get("TASKFLOW_APP_ERROR_SHARE", "0.2"))
# What the gates probe answers as the real app does: the fault is in the work.
UNFAULTED_PATHS = ("/health", "/api/v1/status", "/metrics")
_seen = 0

if FAULT == "slow-start":
    time.sleep(float(os.environ.get("SLOW_START", "15")))

app = create_app()


@app.middleware("http")
async def fault(request, call_next):
    if request.url.path == "/health":
        if FAULT == "never-healthy":
            return JSONResponse({"status": "unavailable", "failed": {"fault": "never-healthy"}}, status_code=503)
        if FAULT == "flaky" and time.monotonic() - STARTED > float(os.environ.get("TASKFLOW_APP_UNHEALTHY_AFTER", "8")):
            return JSONResponse({"status": "unavailable", "failed": {"fault": "flaky"}}, status_code=503)
    if FAULT == "errors" and request.url.path not in UNFAULTED_PATHS:
        global _seen
        _seen += 1
        # The n-th request fails when n * share crosses a whole number: exactly the share.
        if int(_seen * ERROR_SHARE) != int((_seen - 1) * ERROR_SHARE):
            return JSONResponse({"detail": "fault: errors"}, status_code=500)
    return await call_next(request)
