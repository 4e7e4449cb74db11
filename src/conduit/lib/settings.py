"""Settings: one frozen value, read from environment variables and checked in one validation pass.

Nothing here runs at import time; ``Settings.from_env()`` is called by the application factory
and by the command line (and tests build ``Settings`` directly).
"""

import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Literal, get_args, get_origin, get_type_hints

import msgspec
from msgspec import Meta, Struct

from conduit.lib.validation import describe_validation_error, located

Environment = Literal["development", "production", "test"]
LogLevel = Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"]
LogFormat = Literal["json", "console"]
SUPPORTED_DRIVERS = ("sqlite+aiosqlite", "postgresql+asyncpg")
REDIS_SCHEMES = ("redis://", "rediss://", "unix://")
SMTP_SCHEMES = ("smtp://", "smtps://")
DEVELOPMENT_URL = "http://127.0.0.1:8000"
MIN_SECRET_LENGTH = 32
Seconds = Annotated[int, Meta(ge=60)]
Limit = Annotated[int, Meta(ge=0)]
"""How many requests a throttle lets through in its window; 0 turns it off."""

ENVIRONMENT_VARIABLES = {
    "environment": "CONDUIT_ENV",
    "var_dir": "CONDUIT_VAR_DIR",
    "database_url": "DATABASE_URL",
    "database_echo": "DATABASE_ECHO",
    "database_pool_size": "DATABASE_POOL_SIZE",
    "database_max_overflow": "DATABASE_MAX_OVERFLOW",
    "database_pool_timeout_seconds": "DATABASE_POOL_TIMEOUT_SECONDS",
    "database_pgbouncer": "DATABASE_PGBOUNCER",
    "database_replica_urls": "DATABASE_REPLICA_URLS",
    "database_replica_max_lag_seconds": "DATABASE_REPLICA_MAX_LAG_SECONDS",
    "redis_url": "REDIS_URL",
    "response_cache_seconds": "RESPONSE_CACHE_SECONDS",
    "secret_key": "SECRET_KEY",
    "token_ttl_seconds": "TOKEN_TTL_SECONDS",
    "cors_allowed_origins": "CORS_ALLOWED_ORIGINS",
    "max_request_body_bytes": "MAX_REQUEST_BODY_BYTES",
    "log_level": "LOG_LEVEL",
    "log_format": "LOG_FORMAT",
    "session_max_age_seconds": "SESSION_MAX_AGE_SECONDS",
    "session_cookie_secure": "SESSION_COOKIE_SECURE",
    "csrf_trusted_origins": "CSRF_TRUSTED_ORIGINS",
    "sign_in_failures_per_account": "SIGN_IN_FAILURES_PER_ACCOUNT",
    "sign_in_failures_per_address": "SIGN_IN_FAILURES_PER_ADDRESS",
    "sign_in_window_seconds": "SIGN_IN_WINDOW_SECONDS",
    "registrations_per_hour": "REGISTRATIONS_PER_HOUR",
    "writes_per_minute": "WRITES_PER_MINUTE",
    "reads_per_minute": "READS_PER_MINUTE",
    "api_docs": "API_DOCS",
    "password_strength_check": "PASSWORD_STRENGTH_CHECK",
    "request_header_timeout_seconds": "REQUEST_HEADER_TIMEOUT_SECONDS",
    "session_purge_interval_seconds": "SESSION_PURGE_INTERVAL_SECONDS",
    "public_url": "PUBLIC_URL",
    "account_mail": "ACCOUNT_MAIL",
    "smtp_url": "SMTP_URL",
    "mail_from": "MAIL_FROM",
    "password_reset_ttl_seconds": "PASSWORD_RESET_TTL_SECONDS",
    "password_resets_per_account": "PASSWORD_RESETS_PER_ACCOUNT",
    "password_resets_per_address": "PASSWORD_RESETS_PER_ADDRESS",
    "require_verified_email": "REQUIRE_VERIFIED_EMAIL",
    "notification_digest_seconds": "NOTIFICATION_DIGEST_SECONDS",
    "jobs_in_app": "JOBS_IN_APP",
    "job_lease_seconds": "JOB_LEASE_SECONDS",
    "job_retry_max_seconds": "JOB_RETRY_MAX_SECONDS",
}
"""Which environment variable sets which setting."""


class ImproperlyConfiguredError(Exception):
    """A setting is missing or invalid; the message says which and why."""


class Settings(Struct, frozen=True, kw_only=True, rename=ENVIRONMENT_VARIABLES):
    """Everything Conduit reads from its environment; the defaults are those of a development machine."""

    environment: Environment = "development"
    var_dir: str = "var"
    """Where the default SQLite database and the generated development secret live (relative paths: to the
    working directory)."""
    database_url: str = ""
    """Empty means the SQLite file ``conduit.sqlite3`` in ``var_dir``."""
    database_echo: bool = False
    database_pool_size: Annotated[int, Meta(ge=1)] = 20
    database_max_overflow: Annotated[int, Meta(ge=0)] = 0
    """Connections opened beyond the pool are closed again as soon as they are given back, so under sustained
    load they are opened and closed per request (a TLS attempt, type introspection and statement preparation
    each time): waiting for a pooled one is cheaper."""
    database_pool_timeout_seconds: Annotated[float, Meta(gt=0)] = 5.0
    """How long a request waits for a free connection before it is answered with a retryable 503."""
    database_pgbouncer: bool = False
    """PostgreSQL is reached through PgBouncer in transaction mode: no client-side pool, no reused prepared
    statements."""
    database_replica_urls: tuple[str, ...] = ()
    """PostgreSQL streaming replicas of ``database_url`` that serve reads (``conduit.lib.replicas``)."""
    database_replica_max_lag_seconds: Annotated[float, Meta(gt=0)] = 5.0
    """A replica further behind the primary than this gets no reads."""
    redis_url: str = ""
    """Redis shared by every instance (``redis://host:6379/0``): throttling counters, and readiness checks it.
    Empty means none: counters in this process's memory."""
    response_cache_seconds: Annotated[int, Meta(ge=0)] = 60
    """How long an anonymous API read stays in the response cache (``conduit.lib.caching``); 0 turns it off. Writes
    made by a request are seen at once; those of ``conduit`` commands once the entries expire."""
    secret_key: str = ""
    """Signs tokens and CSRF cookies; empty means generated once into ``var_dir`` (refused in production)."""
    token_ttl_seconds: Seconds = 24 * 3600
    cors_allowed_origins: tuple[str, ...] = ("*",)
    max_request_body_bytes: Annotated[int, Meta(ge=1024)] = 1024 * 1024
    log_level: LogLevel = "INFO"
    log_format: LogFormat | None = None
    """``json`` (one object per line) or ``console`` (readable); unset means JSON in production only."""
    session_max_age_seconds: Seconds = 14 * 24 * 3600
    session_cookie_secure: bool | None = None
    """Mark sign-in and CSRF cookies Secure on every response (and send HSTS); unset means only in production."""
    csrf_trusted_origins: tuple[str, ...] = ()
    """Origins besides the request's own that may post the web forms (``https://conduit.example``)."""
    sign_in_failures_per_account: Limit = 10
    sign_in_failures_per_address: Limit = 50
    sign_in_window_seconds: Seconds = 15 * 60
    """The window both sign-in limits count failures in."""
    registrations_per_hour: Limit = 20
    """Per client address."""
    writes_per_minute: Limit = 300
    """POST, PUT, PATCH and DELETE requests per client address."""
    reads_per_minute: Limit = 0
    """GET requests per client address; off by default."""
    api_docs: bool | None = None
    """Serve the OpenAPI schema and Swagger UI under ``/api/docs``; unset means everywhere but production."""
    password_strength_check: bool = True
    """Refuse the most common passwords (besides those shorter than the minimum length, always refused)."""
    request_header_timeout_seconds: Annotated[float, Meta(gt=0, le=60)] = 10.0
    """How long the server waits for a request's headers (on a kept-alive connection: for the next request) before
    closing the connection."""
    session_purge_interval_seconds: Annotated[int, Meta(ge=1)] = 3600
    """How often expired browser sessions are purged, by one process of all those sharing the database."""
    public_url: str = ""
    """Where people reach this Conduit (``https://conduit.example``): the links in its mails start with it, never with
    a request's ``Host``. Empty means ``http://127.0.0.1:8000`` (refused in production while ``account_mail`` is on)."""
    account_mail: bool = True
    """Password reset, address verification and notifications, which all send mail."""
    smtp_url: str = ""
    """The mail server (``smtp://user:password@host:587``, STARTTLS where offered; ``smtps://`` for TLS from the
    start). Empty means mails are written to files under ``var_dir/mail`` (refused in production)."""
    mail_from: str = "Conduit <conduit@localhost>"
    password_reset_ttl_seconds: Seconds = 3600
    """How long a password reset link works."""
    password_resets_per_account: Limit = 5
    """Password reset asks per hour for one address typed in."""
    password_resets_per_address: Limit = 20
    """Password reset asks per hour from one client address."""
    require_verified_email: bool = False
    """Only accounts whose address is confirmed may publish, and a changed address takes effect once confirmed. Off,
    RealWorld clients work as the spec says: a new address is the account's at once (and is sent a confirmation)."""
    notification_digest_seconds: Annotated[int, Meta(ge=1)] = 600
    """At most one notification mail of each kind per account in this time: what happens meanwhile is one mail."""
    jobs_in_app: bool = True
    """Every server process also works the job queue (mail). Set false where ``conduit workers`` does it."""
    job_lease_seconds: Annotated[int, Meta(ge=1)] = 300
    """How long a worker may take over one job before it is handed to another (a worker killed mid-job)."""
    job_retry_max_seconds: Annotated[int, Meta(ge=1)] = 300
    """The longest wait between two tries of a failing job (the waits double up to it)."""

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> "Settings":
        """Read and check the settings, filling in the defaults that depend on other settings.

        Args:
            environ: The environment to read; the process environment when omitted.

        Returns:
            Settings ready for ``create_app``; the development secret is generated on first use.

        Raises:
            ImproperlyConfiguredError: A variable has an invalid value, or production lacks a secret.
        """
        env = os.environ if environ is None else environ
        raw: dict[str, object] = {
            name: env[name].strip() for name in ENVIRONMENT_VARIABLES.values() if env.get(name, "").strip()
        }
        for name in ("CORS_ALLOWED_ORIGINS", "CSRF_TRUSTED_ORIGINS", "DATABASE_REPLICA_URLS"):
            if origins := raw.get(name):
                raw[name] = [origin.strip() for origin in str(origins).split(",") if origin.strip()]
        if "LOG_LEVEL" in raw:
            raw["LOG_LEVEL"] = str(raw["LOG_LEVEL"]).upper()
        for name in (
            "DATABASE_ECHO",
            "DATABASE_PGBOUNCER",
            "SESSION_COOKIE_SECURE",
            "API_DOCS",
            "PASSWORD_STRENGTH_CHECK",
            "LOG_FORMAT",
            "ACCOUNT_MAIL",
            "REQUIRE_VERIFIED_EMAIL",
            "JOBS_IN_APP",
        ):
            if name in raw:
                raw[name] = str(raw[name]).lower()
        try:
            settings = msgspec.convert(raw, cls, strict=False)
        except msgspec.ValidationError as exc:
            raise ImproperlyConfiguredError(_describe(*located(exc))) from None
        return settings.completed()

    def completed(self) -> "Settings":
        """These settings with the defaults that depend on others filled in, and checked as a whole.

        Raises:
            ImproperlyConfiguredError: The database or Redis URL is not supported, or production lacks a secret.
        """
        var_dir = Path(self.var_dir)
        database_url = self.database_url or f"sqlite+aiosqlite:///{var_dir.absolute() / 'conduit.sqlite3'}"
        if not database_url.startswith(tuple(f"{driver}://" for driver in SUPPORTED_DRIVERS)):
            msg = f"DATABASE_URL must start with one of {', '.join(d + '://' for d in SUPPORTED_DRIVERS)}"
            raise ImproperlyConfiguredError(msg)
        if self.database_pgbouncer and not database_url.startswith("postgresql+asyncpg://"):
            msg = "DATABASE_PGBOUNCER=true needs a postgresql+asyncpg:// DATABASE_URL"
            raise ImproperlyConfiguredError(msg)
        if self.database_replica_urls and not all(
            url.startswith("postgresql+asyncpg://") for url in (database_url, *self.database_replica_urls)
        ):
            msg = "DATABASE_REPLICA_URLS needs postgresql+asyncpg:// URLs, for replicas of a PostgreSQL DATABASE_URL"
            raise ImproperlyConfiguredError(msg)
        if self.redis_url and not self.redis_url.startswith(REDIS_SCHEMES):
            msg = f"REDIS_URL must start with one of {', '.join(REDIS_SCHEMES)}"
            raise ImproperlyConfiguredError(msg)
        secret_key = self._secret_key(var_dir)
        if self.smtp_url and not self.smtp_url.startswith(SMTP_SCHEMES):
            msg = f"SMTP_URL must start with one of {', '.join(SMTP_SCHEMES)}"
            raise ImproperlyConfiguredError(msg)
        if self.public_url and not self.public_url.startswith(("http://", "https://")):
            msg = "PUBLIC_URL must start with http:// or https://"
            raise ImproperlyConfiguredError(msg)
        if self.production and self.account_mail and not (self.smtp_url and self.public_url):
            msg = (
                "SMTP_URL and PUBLIC_URL must be set when CONDUIT_ENV=production, for password reset, address "
                "verification and notifications (or ACCOUNT_MAIL=false turns those off)"
            )
            raise ImproperlyConfiguredError(msg)
        return msgspec.structs.replace(
            self,
            database_url=database_url,
            public_url=(self.public_url or DEVELOPMENT_URL).rstrip("/"),
            secret_key=secret_key,
            session_cookie_secure=self.production if self.session_cookie_secure is None else self.session_cookie_secure,
            api_docs=not self.production if self.api_docs is None else self.api_docs,
            log_format=self.log_format or ("json" if self.production else "console"),
        )

    def __repr__(self) -> str:
        fields = {name: getattr(self, name) for name in self.__struct_fields__}
        fields["secret_key"] = "***" if self.secret_key else ""
        return f"Settings({', '.join(f'{name}={value!r}' for name, value in fields.items())})"

    @property
    def production(self) -> bool:
        return self.environment == "production"

    @property
    def cookies_secure(self) -> bool:
        """Whether every sign-in and CSRF cookie is marked Secure."""
        return bool(self.session_cookie_secure)

    def _secret_key(self, var_dir: Path) -> str:
        """The configured secret; outside production, one generated once and kept in ``var_dir``."""
        if self.secret_key:
            if len(self.secret_key) < MIN_SECRET_LENGTH:
                msg = f"SECRET_KEY must be at least {MIN_SECRET_LENGTH} characters long"
                raise ImproperlyConfiguredError(msg)
            return self.secret_key
        if self.production:
            msg = "SECRET_KEY must be set when CONDUIT_ENV=production"
            raise ImproperlyConfiguredError(msg)
        key_file = var_dir / "secret_key"
        if key_file.exists():
            return key_file.read_text().strip()
        var_dir.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process generated it first
            return key_file.read_text().strip()
        key = secrets.token_urlsafe(48)
        with os.fdopen(fd, "w") as handle:
            handle.write(key)
        return key


def _describe(variable: str, message: str) -> str:
    """What is wrong with ``variable``, in the words an operator expects."""
    field = next(name for name, env_name in ENVIRONMENT_VARIABLES.items() if env_name == variable)
    choices = _choices(get_type_hints(Settings)[field])
    if choices:
        return f"{variable} must be {', '.join(choices[:-1])} or {choices[-1]}"
    if message.startswith("Expected `int`, got"):
        return f"{variable} must be an integer"
    if message.startswith(("Expected `bool`", "Expected `bool | null`")):
        return f"{variable} must be true or false"
    if message.startswith("Expected `float` > 0"):
        return f"{variable} must be a number above 0"
    return " ".join(describe_validation_error(variable, message))


def _choices(hint: object) -> tuple[str, ...]:
    """The values a ``Literal`` setting (possibly optional) accepts; empty for any other type."""
    if get_origin(hint) is Literal:
        return tuple(str(choice) for choice in get_args(hint))
    return tuple(choice for argument in get_args(hint) for choice in _choices(argument))
