"""taskflow.asgi with a fault baked in by the build (FAULT):
- never-healthy: /health always answers 503;
- flaky: /health answers 503 from TASKFLOW_APP_UNHEALTHY_AFTER seconds after start (default 8);
- slow-start: the worker takes SLOW_START seconds (default 15) to boot;
- bad-migration: an extra Alembic revision that fails (added at build time).
Everything else is the real app."""
import os
import time

from starlette.responses import JSONResponse

from taskflow.main import create_app

FAULT = os.environ.get("FAULT", "")
STARTED = time.monotonic()

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
    return await call_next(request)
