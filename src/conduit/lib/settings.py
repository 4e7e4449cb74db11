"""Settings read from environment variables and validated once, at start-up."""

import os
import secrets
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Literal

Environment = Literal["development", "production", "test"]

PROJECT_ROOT = Path(__file__).resolve().parents[3]
DEFAULT_VAR_DIR = PROJECT_ROOT / "var"
SUPPORTED_DRIVERS = ("sqlite+aiosqlite", "postgresql+asyncpg")
MIN_SECRET_LENGTH = 32


class ImproperlyConfiguredError(Exception):
    """A setting is missing or invalid; the message says which and why."""


@dataclass(frozen=True)
class Settings:
    """Everything Conduit reads from its environment."""

    environment: Environment
    database_url: str
    database_echo: bool
    database_pool_size: int
    database_max_overflow: int
    secret_key: str = field(repr=False)
    token_ttl_seconds: int
    cors_allowed_origins: tuple[str, ...]
    max_request_body_bytes: int
    log_level: str
    session_max_age_seconds: int
    session_cookie_secure: bool
    """Mark the sign-in cookie Secure even on plain HTTP requests (behind a TLS-terminating proxy)."""

    @classmethod
    def from_env(cls, environ: "os._Environ[str] | dict[str, str] | None" = None) -> "Settings":
        """Read and validate settings.

        Args:
            environ: The environment to read; the process environment when omitted.

        Returns:
            Validated settings.

        Raises:
            ImproperlyConfiguredError: A variable has an invalid value, or production mode lacks a secret.
        """
        env = os.environ if environ is None else environ
        environment = env.get("CONDUIT_ENV", "development")
        if environment not in ("development", "production", "test"):
            msg = f"CONDUIT_ENV must be development, production or test, not {environment!r}"
            raise ImproperlyConfiguredError(msg)
        var_dir = Path(env.get("CONDUIT_VAR_DIR", str(DEFAULT_VAR_DIR)))
        database_url = env.get("DATABASE_URL") or f"sqlite+aiosqlite:///{var_dir / 'conduit.sqlite3'}"
        if not database_url.startswith(tuple(f"{driver}://" for driver in SUPPORTED_DRIVERS)):
            msg = f"DATABASE_URL must start with one of {', '.join(d + '://' for d in SUPPORTED_DRIVERS)}"
            raise ImproperlyConfiguredError(msg)
        return cls(
            environment=environment,  # type: ignore[arg-type]
            database_url=database_url,
            database_echo=_bool(env, "DATABASE_ECHO", default=False),
            database_pool_size=_int(env, "DATABASE_POOL_SIZE", default=10, minimum=1),
            database_max_overflow=_int(env, "DATABASE_MAX_OVERFLOW", default=20, minimum=0),
            secret_key=_secret_key(env, environment, var_dir),
            token_ttl_seconds=_int(env, "TOKEN_TTL_SECONDS", default=7 * 24 * 3600, minimum=60),
            cors_allowed_origins=tuple(
                origin.strip() for origin in env.get("CORS_ALLOWED_ORIGINS", "*").split(",") if origin.strip()
            ),
            max_request_body_bytes=_int(env, "MAX_REQUEST_BODY_BYTES", default=1024 * 1024, minimum=1024),
            log_level=_log_level(env),
            session_max_age_seconds=_int(env, "SESSION_MAX_AGE_SECONDS", default=14 * 24 * 3600, minimum=60),
            session_cookie_secure=_bool(env, "SESSION_COOKIE_SECURE", default=environment == "production"),
        )


def _int(env: "os._Environ[str] | dict[str, str]", name: str, *, default: int, minimum: int) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        msg = f"{name} must be an integer, not {raw!r}"
        raise ImproperlyConfiguredError(msg) from None
    if value < minimum:
        msg = f"{name} must be at least {minimum}, not {value}"
        raise ImproperlyConfiguredError(msg)
    return value


def _bool(env: "os._Environ[str] | dict[str, str]", name: str, *, default: bool) -> bool:
    raw = env.get(name, "").strip().lower()
    if raw == "":
        return default
    if raw in ("1", "true", "yes", "on"):
        return True
    if raw in ("0", "false", "no", "off"):
        return False
    msg = f"{name} must be true or false, not {raw!r}"
    raise ImproperlyConfiguredError(msg)


def _log_level(env: "os._Environ[str] | dict[str, str]") -> str:
    level = env.get("LOG_LEVEL", "INFO").upper()
    if level not in ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"):
        msg = f"LOG_LEVEL must be DEBUG, INFO, WARNING, ERROR or CRITICAL, not {level!r}"
        raise ImproperlyConfiguredError(msg)
    return level


def _secret_key(env: "os._Environ[str] | dict[str, str]", environment: str, var_dir: Path) -> str:
    """The configured SECRET_KEY; outside production, a key generated once and kept under the var directory."""
    configured = env.get("SECRET_KEY", "")
    if configured:
        if len(configured) < MIN_SECRET_LENGTH:
            msg = f"SECRET_KEY must be at least {MIN_SECRET_LENGTH} characters long"
            raise ImproperlyConfiguredError(msg)
        return configured
    if environment == "production":
        msg = "SECRET_KEY must be set when CONDUIT_ENV=production"
        raise ImproperlyConfiguredError(msg)
    key_file = var_dir / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    var_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    try:
        fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process generated it first
        return key_file.read_text().strip()
    with os.fdopen(fd, "w") as handle:
        handle.write(key)
    return key


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read on first use."""
    return Settings.from_env()
