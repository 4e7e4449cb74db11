from pathlib import Path

import pytest

from conduit.lib.settings import ImproperlyConfiguredError, Settings

PRODUCTION_MAIL = {"SMTP_URL": "smtp://mail.example:587", "PUBLIC_URL": "https://conduit.example"}


def test_defaults_use_sqlite_under_the_var_directory(tmp_path: Path) -> None:
    settings = Settings.from_env({"CONDUIT_VAR_DIR": str(tmp_path)})

    assert settings.database_url == f"sqlite+aiosqlite:///{tmp_path / 'conduit.sqlite3'}"
    assert settings.environment == "development"
    assert settings.cors_allowed_origins == ("*",)


def test_development_secret_is_generated_once_and_kept(tmp_path: Path) -> None:
    first = Settings.from_env({"CONDUIT_VAR_DIR": str(tmp_path)})
    second = Settings.from_env({"CONDUIT_VAR_DIR": str(tmp_path)})

    assert len(first.secret_key) >= 32
    assert first.secret_key == second.secret_key
    assert (tmp_path / "secret_key").stat().st_mode & 0o777 == 0o600


def test_production_refuses_to_start_without_a_secret(tmp_path: Path) -> None:
    with pytest.raises(ImproperlyConfiguredError, match="SECRET_KEY must be set when CONDUIT_ENV=production"):
        Settings.from_env({"CONDUIT_ENV": "production", "CONDUIT_VAR_DIR": str(tmp_path)})
    assert not (tmp_path / "secret_key").exists()


def test_production_uses_the_configured_secret(tmp_path: Path) -> None:
    secret = "s" * 40

    settings = Settings.from_env(
        {"CONDUIT_ENV": "production", "SECRET_KEY": secret, "CONDUIT_VAR_DIR": str(tmp_path), **PRODUCTION_MAIL}
    )

    assert settings.secret_key == secret


def test_operations_settings_are_read(tmp_path: Path) -> None:
    settings = Settings.from_env(
        {
            "CONDUIT_VAR_DIR": str(tmp_path),
            "DATABASE_URL": "postgresql+asyncpg://conduit@pgbouncer:6432/conduit",
            "DATABASE_PGBOUNCER": "TRUE",
            "REDIS_URL": "redis://redis:6379/0",
            "LOG_FORMAT": "JSON",
            "SESSION_PURGE_INTERVAL_SECONDS": "600",
        }
    )

    assert (settings.database_pgbouncer, settings.redis_url) == (True, "redis://redis:6379/0")
    assert (settings.log_format, settings.session_purge_interval_seconds) == ("json", 600)


def test_postgres_url_and_origins_are_read(tmp_path: Path) -> None:
    settings = Settings.from_env(
        {
            "CONDUIT_VAR_DIR": str(tmp_path),
            "DATABASE_URL": "postgresql+asyncpg://postgres@127.0.0.1:5432/conduit",
            "CORS_ALLOWED_ORIGINS": "https://a.example, https://b.example",
        }
    )

    assert settings.database_url == "postgresql+asyncpg://postgres@127.0.0.1:5432/conduit"
    assert settings.cors_allowed_origins == ("https://a.example", "https://b.example")


def test_security_settings_are_read_with_safe_defaults(tmp_path: Path) -> None:
    development = Settings.from_env({"CONDUIT_VAR_DIR": str(tmp_path)})
    production = Settings.from_env(
        {"CONDUIT_ENV": "production", "SECRET_KEY": "s" * 40, "CONDUIT_VAR_DIR": str(tmp_path), **PRODUCTION_MAIL}
    )
    configured = Settings.from_env(
        {
            "CONDUIT_VAR_DIR": str(tmp_path),
            "API_DOCS": "False",
            "REDIS_URL": "redis://127.0.0.1:6379/2",
            "CSRF_TRUSTED_ORIGINS": "https://a.example, https://b.example",
            "SIGN_IN_FAILURES_PER_ACCOUNT": "5",
            "WRITES_PER_MINUTE": "0",
            "REQUEST_HEADER_TIMEOUT_SECONDS": "2.5",
        }
    )

    assert (development.api_docs, development.cookies_secure, development.token_ttl_seconds) == (True, False, 86400)
    assert (development.sign_in_failures_per_account, development.sign_in_window_seconds) == (10, 900)
    assert (development.writes_per_minute, development.reads_per_minute, development.redis_url) == (300, 0, "")
    assert (production.api_docs, production.cookies_secure) == (False, True)
    assert configured.api_docs is False
    assert configured.redis_url == "redis://127.0.0.1:6379/2"
    assert configured.csrf_trusted_origins == ("https://a.example", "https://b.example")
    assert (configured.sign_in_failures_per_account, configured.writes_per_minute) == (5, 0)
    assert configured.request_header_timeout_seconds == 2.5


@pytest.mark.parametrize(
    ("variables", "message"),
    [
        ({"DATABASE_URL": "mysql://root@localhost/conduit"}, "DATABASE_URL must start with one of"),
        ({"DATABASE_URL": "postgresql://postgres@localhost/conduit"}, "DATABASE_URL must start with one of"),
        ({"CONDUIT_ENV": "staging"}, "CONDUIT_ENV must be development, production or test"),
        ({"SECRET_KEY": "short"}, "SECRET_KEY must be at least 32 characters long"),
        ({"TOKEN_TTL_SECONDS": "forever"}, "TOKEN_TTL_SECONDS must be an integer"),
        ({"TOKEN_TTL_SECONDS": "5"}, "TOKEN_TTL_SECONDS must be at least 60"),
        ({"DATABASE_POOL_SIZE": "0"}, "DATABASE_POOL_SIZE must be at least 1"),
        ({"MAX_REQUEST_BODY_BYTES": "1"}, "MAX_REQUEST_BODY_BYTES must be at least 1024"),
        ({"DATABASE_ECHO": "maybe"}, "DATABASE_ECHO must be true or false"),
        ({"LOG_LEVEL": "LOUD"}, "LOG_LEVEL must be DEBUG, INFO, WARNING, ERROR or CRITICAL"),
        ({"REDIS_URL": "memcached://localhost"}, "REDIS_URL must start with one of redis://, rediss://, unix://"),
        ({"WRITES_PER_MINUTE": "-1"}, "WRITES_PER_MINUTE must be at least 0"),
        ({"API_DOCS": "sometimes"}, "API_DOCS must be true or false"),
        ({"REQUEST_HEADER_TIMEOUT_SECONDS": "0"}, "REQUEST_HEADER_TIMEOUT_SECONDS must be a number above 0"),
        ({"SESSION_COOKIE_SECURE": "perhaps"}, "SESSION_COOKIE_SECURE must be true or false"),
        ({"LOG_FORMAT": "xml"}, "LOG_FORMAT must be json or console"),
        ({"DATABASE_PGBOUNCER": "yes please"}, "DATABASE_PGBOUNCER must be true or false"),
        ({"DATABASE_PGBOUNCER": "true"}, "DATABASE_PGBOUNCER=true needs a postgresql\\+asyncpg:// DATABASE_URL"),
        ({"SESSION_PURGE_INTERVAL_SECONDS": "0"}, "SESSION_PURGE_INTERVAL_SECONDS must be at least 1"),
        ({"DATABASE_REPLICA_URLS": "postgresql+asyncpg://replica/conduit"}, "DATABASE_REPLICA_URLS needs postgresql"),
        (
            {"DATABASE_URL": "postgresql+asyncpg://primary/c", "DATABASE_REPLICA_URLS": "mysql://replica/c"},
            "DATABASE_REPLICA_URLS needs postgresql",
        ),
        ({"DATABASE_REPLICA_MAX_LAG_SECONDS": "0"}, "DATABASE_REPLICA_MAX_LAG_SECONDS must be a number above 0"),
    ],
)
def test_invalid_settings_are_refused_with_a_clear_message(
    tmp_path: Path, variables: dict[str, str], message: str
) -> None:
    with pytest.raises(ImproperlyConfiguredError, match=message):
        Settings.from_env({"CONDUIT_VAR_DIR": str(tmp_path), **variables})


def test_replicas_are_a_comma_separated_list(tmp_path: Path) -> None:
    settings = Settings.from_env(
        {
            "CONDUIT_VAR_DIR": str(tmp_path),
            "DATABASE_URL": "postgresql+asyncpg://primary/conduit",
            "DATABASE_REPLICA_URLS": " postgresql+asyncpg://one/conduit, postgresql+asyncpg://two/conduit ,",
            "DATABASE_REPLICA_MAX_LAG_SECONDS": "2.5",
        }
    )

    assert settings.database_replica_urls == ("postgresql+asyncpg://one/conduit", "postgresql+asyncpg://two/conduit")
    assert settings.database_replica_max_lag_seconds == 2.5


@pytest.mark.parametrize("missing", ["SMTP_URL", "PUBLIC_URL"])
def test_production_refuses_to_start_without_a_mail_server_or_public_address(tmp_path: Path, missing: str) -> None:
    environ = {"CONDUIT_ENV": "production", "SECRET_KEY": "s" * 40, "CONDUIT_VAR_DIR": str(tmp_path), **PRODUCTION_MAIL}
    del environ[missing]

    with pytest.raises(ImproperlyConfiguredError, match="SMTP_URL and PUBLIC_URL must be set"):
        Settings.from_env(environ)
    assert Settings.from_env({**environ, "ACCOUNT_MAIL": "false"}).account_mail is False


def test_mail_settings_are_checked_and_development_links_point_at_the_local_server(tmp_path: Path) -> None:
    development = Settings.from_env({"CONDUIT_VAR_DIR": str(tmp_path)})

    assert (development.public_url, development.smtp_url, development.account_mail) == (
        "http://127.0.0.1:8000",
        "",
        True,
    )
    with pytest.raises(ImproperlyConfiguredError, match="SMTP_URL must start with one of smtp://, smtps://"):
        Settings.from_env({"CONDUIT_VAR_DIR": str(tmp_path), "SMTP_URL": "mail.example:25"})
    with pytest.raises(ImproperlyConfiguredError, match="PUBLIC_URL must start with http:// or https://"):
        Settings.from_env({"CONDUIT_VAR_DIR": str(tmp_path), "PUBLIC_URL": "conduit.example"})
