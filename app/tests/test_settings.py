import pytest

from taskflow.settings import SettingsError, load_settings

GOOD = {"DATABASE_URL": "postgresql://u:p@db/x", "REDIS_URL": "redis://cache:6379/0", "SECRET_KEY": "k" * 40}


def test_production_refuses_to_start_without_a_secret_key():
    env = {k: v for k, v in GOOD.items() if k != "SECRET_KEY"}
    with pytest.raises(SettingsError, match="SECRET_KEY: required when TASKFLOW_ENV is production"):
        load_settings(env)


def test_production_refuses_cors_for_every_origin():
    with pytest.raises(SettingsError, match="CORS_ORIGINS: '\\*' is refused outside development"):
        load_settings({**GOOD, "CORS_ORIGINS": "*"})


def test_every_problem_is_named_at_once():
    with pytest.raises(SettingsError) as e:
        load_settings({"TASKFLOW_ENV": "prod", "DATABASE_URL": "mysql://x", "REDIS_URL": ""})
    message = str(e.value)
    for key in ("TASKFLOW_ENV", "DATABASE_URL", "REDIS_URL", "SECRET_KEY"):
        assert f"{key}:" in message
    assert "mysql://x" not in message  # a URL may hold a password: never echoed


def test_reads_connection_strings_from_docker_secret_files(tmp_path):
    (tmp_path / "db").write_text("postgresql://u:p@db/x\n")
    settings = load_settings({**GOOD, "DATABASE_URL": "", "DATABASE_URL_FILE": str(tmp_path / "db")})
    assert settings.database_url == "postgresql+psycopg2://u:p@db/x"


def test_development_gets_a_default_secret_and_explicit_origins():
    settings = load_settings({
        **GOOD, "SECRET_KEY": "", "TASKFLOW_ENV": "development", "CORS_ORIGINS": "https://a.example, https://b.example",
    })
    assert settings.secret_key == "development-only-secret"
    assert settings.cors_origins == ("https://a.example", "https://b.example")
