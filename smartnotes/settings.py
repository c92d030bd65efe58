"""Smart Notes settings: every value comes from the environment.

Nothing set = the embedded default (SQLite under var/, file cache, a filesystem
Celery broker, a real worker process). Production sets DATABASE_URL, REDIS_URL
and the secrets; `.env.example` documents every variable.
"""

from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
# OS variables win over the optional .env file (read_env does not overwrite).
if (BASE_DIR / ".env").is_file():
    env.read_env(BASE_DIR / ".env")

# ---------------------------------------------------------------------------
# Environment
# ---------------------------------------------------------------------------
SMARTNOTES_ENV = env.str("SMARTNOTES_ENV", default="dev")
if SMARTNOTES_ENV not in {"dev", "test", "production"}:
    raise ImproperlyConfigured(
        f"SMARTNOTES_ENV={SMARTNOTES_ENV!r} is not one of dev, test, production"
    )
IS_PRODUCTION = SMARTNOTES_ENV == "production"

VAR_DIR = Path(env.str("SMARTNOTES_VAR_DIR", default=str(BASE_DIR / "var")))

_REQUIRED_IN_PRODUCTION = (
    "DJANGO_SECRET_KEY",
    "DJANGO_ALLOWED_HOSTS",
    "DATABASE_URL",
    "REDIS_URL",
    "SMARTNOTES_BASE_URL",
    "SMARTNOTES_FIELD_ENCRYPTION_KEY",
)
if IS_PRODUCTION:
    _missing = [name for name in _REQUIRED_IN_PRODUCTION if not env.str(name, default="")]
    if _missing:
        raise ImproperlyConfigured(
            "SMARTNOTES_ENV=production needs these environment variables: "
            + ", ".join(_missing)
            + " (see .env.example)"
        )

DEBUG = env.bool("DJANGO_DEBUG", default=False)
_DEV_SECRET_KEY = "dev-only-insecure-key-never-used-in-production-0123456789abcdef"  # noqa: S105
SECRET_KEY = env.str(
    "DJANGO_SECRET_KEY",
    # Dev/test only; production refuses to start without DJANGO_SECRET_KEY (above).
    default=_DEV_SECRET_KEY,
)
if IS_PRODUCTION:
    # Django's own bar for a strong key (check security.W009), as a hard error: the
    # key signs launch tokens and OAuth state. Generate one with
    #   python -c "import secrets; print(secrets.token_urlsafe(50))"
    _unsafe = []
    if DEBUG:
        _unsafe.append("DJANGO_DEBUG must be off")
    if (
        len(SECRET_KEY) < 50
        or len(set(SECRET_KEY)) < 5
        or SECRET_KEY.startswith("django-insecure-")
        or SECRET_KEY == _DEV_SECRET_KEY
    ):
        _unsafe.append(
            "DJANGO_SECRET_KEY must be at least 50 characters with at least 5 different ones"
        )
    if _unsafe:
        raise ImproperlyConfigured(
            "SMARTNOTES_ENV=production refuses to start: " + "; ".join(_unsafe)
        )
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
# Public origin of this tool (LTI redirect URIs, links in Canvas comments). Off
# production it defaults to the port the dev server listens on (`PORT=8123 make run`;
# smartnotes.devrun passes it on as SMARTNOTES_PORT), so every generated URL matches.
_DEV_PORT = env.str("SMARTNOTES_PORT", default="") or env.str("PORT", default="8000")
SMARTNOTES_BASE_URL = env.str(
    "SMARTNOTES_BASE_URL", default=f"http://127.0.0.1:{_DEV_PORT}"
).rstrip("/")
# The /demo/ page lets anyone run the verifier; it exists only off production.
SMARTNOTES_DEMO_ENABLED = env.bool("SMARTNOTES_DEMO_ENABLED", default=not IS_PRODUCTION)

# ---------------------------------------------------------------------------
# Applications
# ---------------------------------------------------------------------------
INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "ops",
    "lti_tool",
    "verification",
    "analytics",
    "canvas_pipeline",
    "asset_processor",
    "drafts",
]

MIDDLEWARE = [
    "ops.middleware.RequestContextMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "lti_tool.middleware.LtiLaunchMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # No XFrameOptionsMiddleware: pages render inside Canvas iframes, so framing
    # is governed by CSP frame-ancestors limited to registered platforms.
    "ops.middleware.FrameAncestorsMiddleware",
]

ROOT_URLCONF = "smartnotes.urls"
WSGI_APPLICATION = "smartnotes.wsgi.application"
ASGI_APPLICATION = "smartnotes.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# ---------------------------------------------------------------------------
# Database
# ---------------------------------------------------------------------------
DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'smartnotes.sqlite3'}")
}
_db = DATABASES["default"]
if _db["ENGINE"] == "django.db.backends.postgresql":
    # Django's native psycopg 3 pool; CONN_MAX_AGE must stay 0 with a pool.
    # https://docs.djangoproject.com/en/5.2/ref/databases/#connection-pool
    _db["CONN_MAX_AGE"] = 0
    _db.setdefault("OPTIONS", {})["pool"] = {
        "min_size": env.int("DATABASE_POOL_MIN_SIZE", default=1),
        "max_size": env.int("DATABASE_POOL_MAX_SIZE", default=10),
        "timeout": env.float("DATABASE_POOL_TIMEOUT_S", default=10.0),
    }
    _db["OPTIONS"]["connect_timeout"] = env.int("DATABASE_CONNECT_TIMEOUT_S", default=5)
    # Django's own cursors bind client-side and never prepare; this lets the one
    # statement that asks for it (Live Events intake) be prepared once per pooled
    # connection. Behind PgBouncer in transaction mode set DATABASE_PREPARE=0
    # (or use PgBouncer >= 1.21 with max_prepared_statements).
    _db["OPTIONS"]["prepare_threshold"] = 5 if env.bool("DATABASE_PREPARE", default=True) else None
elif _db["ENGINE"] == "django.db.backends.sqlite3":
    if IS_PRODUCTION:
        raise ImproperlyConfigured("DATABASE_URL must point at PostgreSQL in production")
    # The web server and the worker share this file: wait for locks, use WAL,
    # and take the write lock at BEGIN so two writers never deadlock.
    _db["OPTIONS"] = {
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
    }
if SMARTNOTES_ENV == "test" and _db["ENGINE"] == "django.db.backends.sqlite3":
    # A file, not :memory:, so worker processes started by e2e tests share it.
    _db["TEST"] = {"NAME": str(VAR_DIR / "test-db.sqlite3")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# ---------------------------------------------------------------------------
# Cache (LTI launch state, sessions, claim results) and Celery
# ---------------------------------------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            # Short timeouts so a Redis outage degrades requests instead of hanging them.
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
            "KEY_PREFIX": "sn",
        }
    }
else:
    # Not LocMem: OIDC state must be visible to every web process (STYLE.md §3).
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
        }
    }

BROKER_DIR = VAR_DIR / "broker"
if not IS_PRODUCTION:
    # The embedded default keeps its database, cache and broker here; make them on start.
    for _dir in (VAR_DIR, VAR_DIR / "cache", BROKER_DIR / "queue", BROKER_DIR / "control"):
        _dir.mkdir(parents=True, exist_ok=True)
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL or "filesystem://")
CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, object] = {}
if CELERY_BROKER_URL.startswith("filesystem://"):
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(BROKER_DIR / "queue"),
        "data_folder_out": str(BROKER_DIR / "queue"),
        "control_folder": str(BROKER_DIR / "control"),
        "store_processed": False,
        # An empty queue is looked at again after this long (kombu's default is 1 s,
        # which a single-claim check would wait on every time).
        "polling_interval": 0.05,
    }
elif CELERY_BROKER_URL.startswith(("redis://", "rediss://")):
    # Must exceed the hard task time limit, or a long task is delivered twice.
    # https://docs.celeryq.dev/en/stable/getting-started/backends-and-brokers/redis.html
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": 3600,
        "socket_connect_timeout": 2,
        "socket_timeout": 5,
    }
    # kombu's Redis transport with one publishing client per channel (smartnotes/broker.py).
    CELERY_BROKER_TRANSPORT = "smartnotes.broker:RedisTransport"
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT_S", default=540)
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT_S", default=600)
# A worker that has not written a heartbeat for this long counts as gone.
WORKER_HEARTBEAT_INTERVAL_S = env.int("WORKER_HEARTBEAT_INTERVAL_S", default=10)
WORKER_HEARTBEAT_STALE_S = env.int("WORKER_HEARTBEAT_STALE_S", default=45)

# ---------------------------------------------------------------------------
# Verification engine
# ---------------------------------------------------------------------------
SMARTNOTES_NLI_MODEL = env.str(
    "SMARTNOTES_NLI_MODEL", default=str(BASE_DIR / "models" / "smartnotes-nli-minilm-l6")
)
# "auto" uses CUDA when present and falls back to CPU on GPU errors.
SMARTNOTES_NLI_DEVICE = env.str("SMARTNOTES_NLI_DEVICE", default="auto")
# int8 linear layers on CPU: "auto" follows the model directory's calibration.json.
SMARTNOTES_NLI_CPU_INT8 = env.str("SMARTNOTES_NLI_CPU_INT8", default="auto")
if SMARTNOTES_NLI_CPU_INT8 not in {"auto", "on", "off"}:
    raise ImproperlyConfigured("SMARTNOTES_NLI_CPU_INT8 must be auto, on or off")
# CPU inference precision: "auto" = bfloat16 where the CPU has native bf16
# instructions (AVX-512 BF16 / AMX), else float32. See docs/benchmarks-quality.md.
SMARTNOTES_NLI_CPU_DTYPE = env.str("SMARTNOTES_NLI_CPU_DTYPE", default="auto")
if SMARTNOTES_NLI_CPU_DTYPE not in {"auto", "bf16", "fp32"}:
    raise ImproperlyConfigured("SMARTNOTES_NLI_CPU_DTYPE must be auto, bf16 or fp32")
# torch CPU threads per worker process (0: one per core). The realtime worker runs
# with 1: each check is a small batch, and on a busy machine one thread per check
# keeps its latency steady where several threads fight for the same cores.
SMARTNOTES_NLI_CPU_THREADS = env.int("SMARTNOTES_NLI_CPU_THREADS", default=0)
SMARTNOTES_MAX_CLAIMS = env.int("SMARTNOTES_MAX_CLAIMS", default=60)
SMARTNOTES_CLAIM_CACHE_TTL_S = env.int("SMARTNOTES_CLAIM_CACHE_TTL_S", default=7 * 24 * 3600)
# The instructor's single-claim check waits this long for the realtime worker's
# answer before saying "try again" (verification/claim_check.py).
SMARTNOTES_CLAIM_CHECK_TIMEOUT_S = env.float("SMARTNOTES_CLAIM_CHECK_TIMEOUT_S", default=10.0)
# Limits a user can reach: stated on the upload forms and in `verify --help`,
# enforced with a message that names them, the same in the demo, the CLI and
# Canvas (verification/limits.py; docs/limits.md).
SMARTNOTES_UPLOAD_MAX_BYTES = env.int("SMARTNOTES_UPLOAD_MAX_BYTES", default=20 * 1024 * 1024)
SMARTNOTES_MAX_FILES = env.int("SMARTNOTES_MAX_FILES", default=10)
SMARTNOTES_COURSE_MAX_FILES = env.int("SMARTNOTES_COURSE_MAX_FILES", default=200)
SMARTNOTES_UPLOAD_TOTAL_MAX_BYTES = env.int(
    "SMARTNOTES_UPLOAD_TOTAL_MAX_BYTES", default=50 * 1024 * 1024
)
SMARTNOTES_ESSAY_MAX_CHARS = env.int("SMARTNOTES_ESSAY_MAX_CHARS", default=200_000)
DATA_UPLOAD_MAX_MEMORY_SIZE = SMARTNOTES_UPLOAD_MAX_BYTES
# Django refuses a multipart body with more files than this (RequestDataTooBig).
DATA_UPLOAD_MAX_NUMBER_FILES = SMARTNOTES_MAX_FILES + 1
# The public demo: POSTs per client per minute, and its runs' time limit (they
# run on the low-priority `demo` queue, never on the queues Canvas work uses).
SMARTNOTES_DEMO_RATE_PER_MINUTE = env.int("SMARTNOTES_DEMO_RATE_PER_MINUTE", default=6)
SMARTNOTES_DEMO_TIME_LIMIT_S = env.int("SMARTNOTES_DEMO_TIME_LIMIT_S", default=240)
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# ---------------------------------------------------------------------------
# Security. Smart Notes runs inside a Canvas iframe on another site, so its
# cookies must be SameSite=None; Secure (browsers drop them otherwise).
# ---------------------------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
SESSION_COOKIE_HTTPONLY = True
SMARTNOTES_FRAME_ANCESTORS = env.list("SMARTNOTES_FRAME_ANCESTORS", default=[])
# Bearer token for /metrics and the component details of /health/ready/ (worker
# hosts, PIDs, queue depths, model version). Unset: open on the embedded default,
# closed in production (readiness then answers only its overall status).
SMARTNOTES_OPS_TOKEN = env.str("SMARTNOTES_OPS_TOKEN", default="")
if IS_PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    # The Django session serves only /admin/ (in-frame pages are cookieless, see
    # lti_tool.sessions), so it need not, and does not, travel cross-site.
    SESSION_COOKIE_SAMESITE = "Lax"
    CSRF_COOKIE_SAMESITE = "None"
    SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
    SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env.bool("DJANGO_SECURE_HSTS_PRELOAD", default=True)
    # TLS ends at the load balancer, which sets X-Forwarded-Proto.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_REDIRECT_EXEMPT = [r"^health/"]
    CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[SMARTNOTES_BASE_URL])
# security.W002 asks for X-Frame-Options; CSP frame-ancestors (FrameAncestorsMiddleware)
# replaces it, because X-Frame-Options cannot allow a list of Canvas origins.
SILENCED_SYSTEM_CHECKS = ["security.W002"]

# ---------------------------------------------------------------------------
# LTI. In-frame pages carry a signed launch token instead of relying on cookies
# (docs/decisions/0004-lti-sessions.md); this is its lifetime.
# ---------------------------------------------------------------------------
LTI_SESSION_TOKEN_MAX_AGE_S = env.int("LTI_SESSION_TOKEN_MAX_AGE_S", default=3600)
# Hosts whose openid_configuration /lti/register/ will fetch and register with
# (fnmatch patterns). Anyone can open that URL, so production limits it to Canvas.
# https://www.imsglobal.org/spec/lti-dr/v1p0#security-considerations
LTI_DYNAMIC_REGISTRATION_HOSTS = env.list(
    "LTI_DYNAMIC_REGISTRATION_HOSTS",
    default=["*.instructure.com", "*.canvaslms.com"] if IS_PRODUCTION else ["*"],
)

# ---------------------------------------------------------------------------
# Server-side fetches (ops/outbound.py): registration, JWKS, Canvas API, assets.
# A redirect that leaves the first host must land on one of these (fnmatch
# patterns); Canvas sends file downloads to its storage hosts.
# ---------------------------------------------------------------------------
SMARTNOTES_OUTBOUND_HOSTS = env.list(
    "SMARTNOTES_OUTBOUND_HOSTS",
    default=[
        *LTI_DYNAMIC_REGISTRATION_HOSTS,
        "*.inscloudgate.net",
        "instructure-uploads*.s3.amazonaws.com",
    ]
    if IS_PRODUCTION
    else ["*"],
)
# Private, loopback and link-local addresses are unreachable from server-side
# fetches in production; the embedded default allows them for local test platforms.
SMARTNOTES_OUTBOUND_ALLOW_PRIVATE = env.bool(
    "SMARTNOTES_OUTBOUND_ALLOW_PRIVATE", default=not IS_PRODUCTION
)

# ---------------------------------------------------------------------------
# Canvas submission pipeline (docs/canvas-setup.md, docs/decisions/0005-canvas-pipeline.md)
# ---------------------------------------------------------------------------
# Fernet key(s) for Canvas tokens at rest, comma-separated, newest first (MultiFernet
# rotation). Generate one with:
#   python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"
# Off production an empty value derives a dev-only key from DJANGO_SECRET_KEY.
SMARTNOTES_FIELD_ENCRYPTION_KEY = env.str("SMARTNOTES_FIELD_ENCRYPTION_KEY", default="")
# Largest Live Events body accepted (Canvas truncates submission bodies to 8 KiB).
CANVAS_EVENT_MAX_BYTES = env.int("CANVAS_EVENT_MAX_BYTES", default=64 * 1024)
# Events whose event_time is older than this are ignored (Canvas retries for ~20 min).
CANVAS_EVENT_MAX_AGE_S = env.int("CANVAS_EVENT_MAX_AGE_S", default=6 * 3600)
# Stored events are deleted nightly after this many days. Jobs are kept: a late
# duplicate of an attempt meets the attempt's job, not its event.
CANVAS_EVENT_RETENTION_DAYS = env.int("CANVAS_EVENT_RETENTION_DAYS", default=30)
if CANVAS_EVENT_RETENTION_DAYS * 86400 <= CANVAS_EVENT_MAX_AGE_S:
    raise ImproperlyConfigured(
        "CANVAS_EVENT_RETENTION_DAYS must outlast CANVAS_EVENT_MAX_AGE_S: an event is "
        "kept at least as long as its retries are accepted"
    )
# Live Events JWKS used when an installation sets none (Canvas Data Services shows it).
# https://canvas.instructure.com/doc/api/file.data_service_introduction.html
CANVAS_LIVE_EVENTS_JWKS_URL = env.str("CANVAS_LIVE_EVENTS_JWKS_URL", default="")
CANVAS_HTTP_TIMEOUT_S = env.float("CANVAS_HTTP_TIMEOUT_S", default=15.0)
CANVAS_ATTACHMENT_MAX_BYTES = env.int("CANVAS_ATTACHMENT_MAX_BYTES", default=20 * 1024 * 1024)
CANVAS_USER_AGENT = env.str(
    "CANVAS_USER_AGENT", default="SmartNotes/0.1 (+https://github.com/smartnotes; canvas pipeline)"
)
# Nightly reconciliation looks this far back for attempts that never arrived.
CANVAS_RECONCILE_LOOKBACK_H = env.int("CANVAS_RECONCILE_LOOKBACK_H", default=48)

# ---------------------------------------------------------------------------
# Static files
# ---------------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if IS_PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
MEDIA_ROOT = VAR_DIR / "media"
if not IS_PRODUCTION:
    # Serve app static files straight from their folders; no collectstatic needed.
    WHITENOISE_USE_FINDERS = True
    WHITENOISE_AUTOREFRESH = True
    STATIC_ROOT.mkdir(exist_ok=True)

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# ---------------------------------------------------------------------------
# Logging: structured events through structlog. JSON lines in production,
# readable console lines when SMARTNOTES_LOG_FORMAT=console (make run).
# ---------------------------------------------------------------------------
SMARTNOTES_LOG_FORMAT = env.str(
    "SMARTNOTES_LOG_FORMAT", default="json" if IS_PRODUCTION else "console"
)
LOG_LEVEL = env.str("LOG_LEVEL", default="INFO")
LOGGING_CONFIG = None  # ops.logging.configure() sets up stdlib + structlog below.

from ops.logging import configure as _configure_logging  # noqa: E402

_configure_logging(fmt=SMARTNOTES_LOG_FORMAT, level=LOG_LEVEL)

# ---------------------------------------------------------------------------
# Sentry: only when SENTRY_DSN is set.
# ---------------------------------------------------------------------------
SENTRY_DSN = env.str("SENTRY_DSN", default="")
if SENTRY_DSN:
    import sentry_sdk
    from sentry_sdk.integrations.celery import CeleryIntegration
    from sentry_sdk.integrations.django import DjangoIntegration

    from ops.logging import sentry_event_scrub

    sentry_sdk.init(
        dsn=SENTRY_DSN,
        # Launch tokens and OAuth codes travel in query strings; Sentry never gets them.
        before_send=sentry_event_scrub,
        before_breadcrumb=sentry_event_scrub,
        environment=SMARTNOTES_ENV,
        integrations=[DjangoIntegration(), CeleryIntegration()],
        send_default_pii=False,
        traces_sample_rate=env.float("SENTRY_TRACES_SAMPLE_RATE", default=0.0),
    )
