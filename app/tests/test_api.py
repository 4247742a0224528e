from fastapi.testclient import TestClient

from taskflow.main import create_app
from taskflow.settings import load_settings

from conftest import BASE_ENV, alembic


def test_health_is_ok_when_postgres_and_redis_answer(client):
    r = client.get("/health")
    assert r.status_code == 200
    assert r.json() == {"status": "ok"}


def test_health_is_503_and_names_the_dependency_that_is_down(migrated):
    down = {**BASE_ENV, "REDIS_URL": "redis://127.0.0.1:1/0"}
    with TestClient(create_app(load_settings(down))) as c:
        r = c.get("/health")
    assert r.status_code == 503
    assert r.json()["failed"].keys() == {"redis"}
    down = {**BASE_ENV, "DATABASE_URL": "postgresql://x:y@127.0.0.1:1/none"}
    with TestClient(create_app(load_settings(down))) as c:
        r = c.get("/health")
    assert r.status_code == 503
    assert r.json()["failed"].keys() == {"postgres"}


def test_status_reports_the_build_version(client):
    r = client.get("/api/v1/status")
    assert r.status_code == 200
    assert r.json()["version"] == "test-1"


def test_tasks_create_list_get_and_mark_done(client):
    created = client.post("/api/v1/tasks", json={"title": "write the runbook"})
    assert created.status_code == 201
    task = created.json()
    assert task["title"] == "write the runbook" and task["done"] is False
    assert task in client.get("/api/v1/tasks").json()["tasks"]
    assert client.get(f"/api/v1/tasks/{task['id']}").json()["id"] == task["id"]
    done = client.post(f"/api/v1/tasks/{task['id']}/done")
    assert done.status_code == 200 and done.json()["done"] is True
    assert client.get("/api/v1/tasks/999999").status_code == 404


def test_refuses_an_empty_or_oversized_title(client):
    assert client.post("/api/v1/tasks", json={"title": "  "}).status_code == 422
    assert client.post("/api/v1/tasks", json={"title": "x" * 201}).status_code == 422


def test_security_headers_and_request_id_on_every_response(client):
    r = client.get("/api/v1/status", headers={"X-Request-ID": "abc-123"})
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["x-frame-options"] == "DENY"
    assert r.headers["referrer-policy"] == "no-referrer"
    assert r.headers["x-request-id"] == "abc-123"
    assert len(client.get("/health").headers["x-request-id"]) == 32


def test_cors_allows_only_listed_origins(migrated):
    env = {**BASE_ENV, "CORS_ORIGINS": "https://app.example"}
    with TestClient(create_app(load_settings(env))) as c:
        ok = c.get("/api/v1/status", headers={"Origin": "https://app.example"})
        other = c.get("/api/v1/status", headers={"Origin": "https://evil.example"})
    assert ok.headers["access-control-allow-origin"] == "https://app.example"
    assert "access-control-allow-origin" not in other.headers


def test_metrics_count_requests_by_route_template_and_status(client):
    client.get("/api/v1/tasks/424242")
    text = client.get("/metrics").text
    assert 'http_requests_total{method="GET",route="/api/v1/tasks/{task_id}",status="404"}' in text
    assert "http_request_duration_seconds_bucket" in text
    assert "424242" not in text  # the template, not the raw path


def test_migrations_run_from_empty_and_again_change_nothing(migrated):
    assert alembic("current").stdout.strip().startswith("0002")
    again = alembic("upgrade", "head")
    assert again.returncode == 0, again.stderr
    assert "Running upgrade" not in again.stderr


def test_a_response_start_is_sent_together_with_its_first_body_chunk():
    import asyncio

    from taskflow.observability import SingleWriteResponses

    sent = []

    async def app(scope, receive, send):
        await send({"type": "http.response.start", "status": 200, "headers": []})
        sent.append("app yielded")  # other requests may run here under uvicorn
        await send({"type": "http.response.body", "body": b"ok"})

    async def send(message):
        sent.append(message["type"])

    asyncio.run(SingleWriteResponses(app)({"type": "http"}, None, send))
    assert sent == ["app yielded", "http.response.start", "http.response.body"]
