# gunicorn with uvicorn workers. The numbers, and why:
# - graceful_timeout (GRACEFUL_TIMEOUT, default 20 s) stays below the container's stop
#   timeout (the program's api.destroyGraceSeconds, default 30 s; dev 10 s, where the
#   program passes GRACEFUL_TIMEOUT=5): on SIGTERM the workers stop accepting, finish
#   what they have, and exit before Docker's SIGKILL.
# - keepalive (75 s) is longer than the gateway's idle timeout for upstream connections
#   (Caddy transport `keepalive 30s`, components/caddyfile.ts): the gateway always closes
#   an idle connection first, so it never sends a request on one the API is closing.
#   (The uvicorn worker takes gunicorn's keepalive as its timeout_keep_alive.)
import os
import shutil

bind = f"0.0.0.0:{os.environ.get('PORT', '8000')}"
worker_class = "uvicorn.workers.UvicornWorker"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
graceful_timeout = int(os.environ.get("GRACEFUL_TIMEOUT", "20"))
timeout = 30
keepalive = 75
# The root filesystem is read-only; /tmp is a tmpfs.
worker_tmp_dir = "/tmp"
accesslog = None  # the app logs one JSON line per request itself
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info")


def on_starting(server):
    # Prometheus multiprocess mode: each worker writes its counts here; start empty.
    path = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if path:
        shutil.rmtree(path, ignore_errors=True)
        os.makedirs(path, exist_ok=True)


def child_exit(server, worker):
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess
        multiprocess.mark_process_dead(worker.pid)
