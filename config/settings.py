"""MedSafety Hub settings: one module, every value from the environment.

With nothing set the app runs on the embedded default (SQLite under var/, Celery tasks
in process, email written to var/mail/). DJANGO_ENV=production turns on the strict
checks and refuses to start without a secret key, allowed hosts, a real database, a
shared cache and a Celery broker. An unknown DJANGO_ENV refuses to start at all.
"""

from pathlib import Path

import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)  # optional, never committed

DJANGO_ENVIRONMENTS = ("development", "test", "production")
DJANGO_ENV = env.str("DJANGO_ENV", default="development")
if DJANGO_ENV not in DJANGO_ENVIRONMENTS:
    # A typo ("prod", "Production") must not quietly run the development settings.
    raise ImproperlyConfigured(
        f"DJANGO_ENV={DJANGO_ENV!r} is not known: use one of {', '.join(DJANGO_ENVIRONMENTS)}."
    )
PRODUCTION = DJANGO_ENV == "production"
# Debug pages show settings and code: only in development, and only when asked (`make run` asks).
DEBUG = env.bool("DJANGO_DEBUG", default=False)
if DEBUG and DJANGO_ENV != "development":
    raise ImproperlyConfigured(
        f"DJANGO_DEBUG is on with DJANGO_ENV={DJANGO_ENV}: debug pages are for development only."
    )

if PRODUCTION:
    missing = [n for n in ("DJANGO_SECRET_KEY", "DJANGO_ALLOWED_HOSTS", "DATABASE_URL") if not env.str(n, default="")]
    if missing:
        raise ImproperlyConfigured(f"Production settings need {', '.join(missing)} in the environment.")
    if env.str("DATABASE_URL").startswith("sqlite"):
        raise ImproperlyConfigured("Production settings need a real database (PostgreSQL), not SQLite.")

SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="django-insecure-local-development-only-key-not-for-production")
# Earlier keys, while what they signed or sealed (sessions, reset links, unsent outbox secrets) is still in use.
SECRET_KEY_FALLBACKS = env.list("DJANGO_SECRET_KEY_FALLBACKS", default=[])
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=[] if PRODUCTION else ["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_filters",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    # The composition root: the demo command and the navigation context processor, which know every app.
    "config",
    "core",  # no models: its template filters (crispy_cached)
    "users",
    "audit",
    "submissions",
    "notifications",
    "mso_registry",
    "incidents",
    "incidents.lfpse",
    "clinical_safety",
    "board_reports",
    "api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "config.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "config.middleware.ApproverMFAMiddleware",
    "config.middleware.RefusedRequestLogMiddleware",
]
# `make bench` only: /bench/minimal/ and a query-count header (config/bench.py). Never in production use.
BENCH = env.bool("DJANGO_BENCH", default=False)
if BENCH:
    MIDDLEWARE.insert(0, "config.bench.QueryCountMiddleware")

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "config.context_processors.navigation",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'medsafety.sqlite3'}")}
if DATABASES["default"]["ENGINE"] != "django.db.backends.sqlite3":
    # Persistent connections, checked before reuse so a restarted server is survived.
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("connect_timeout", 5)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Take the write lock when a transaction begins, and wait for it: a deferred transaction that
    # reads and then writes fails at once with "database is locked" when another writer holds it.
    DATABASES["default"].setdefault("OPTIONS", {}).update(transaction_mode="IMMEDIATE", timeout=20)
    # The covering indexes (README, "Performance") are PostgreSQL's; SQLite builds them as plain ones.
    SILENCED_SYSTEM_CHECKS = ["models.W040"]

CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://")}
# Sign-in rate limits and the follow-up code throttle count in the cache: in production every
# worker and server must count in the same one, with atomic increments (Redis or Memcached).
SHARED_CACHE_BACKENDS = ("django.core.cache.backends.redis.", "django.core.cache.backends.memcached.")
if PRODUCTION and not CACHES["default"]["BACKEND"].startswith(SHARED_CACHE_BACKENDS):
    raise ImproperlyConfigured(
        "Production settings need CACHE_URL to name a shared cache (e.g. rediscache://host:6379/1): with a "
        f"per-process cache ({CACHES['default']['BACKEND'].rsplit('.', 1)[-1]}) sign-in rate limits and "
        "throttles do not hold across workers and servers."
    )
# Rendered fragments that are the same for every reader with the same key (the navigation for a set of roles,
# a filter form for a query, charts and heat maps under the hash of what they show): kept in each process,
# as a miss costs one drawing and a hit then costs no round trip to the shared cache.
CACHES["fragments"] = {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "fragments",
                       "OPTIONS": {"MAX_ENTRIES": 2000}}

# --- Users and sign-in ------------------------------------------------------------------
AUTH_USER_MODEL = "users.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"

ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "mandatory" if PRODUCTION else env.str("ACCOUNT_EMAIL_VERIFICATION", default="optional")
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_ADAPTER = "users.adapters.AccountAdapter"
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[MedSafety Hub] "
ACCOUNT_SESSION_REMEMBER = False
SIGNUP_OPEN = env.bool("SIGNUP_OPEN", default=not PRODUCTION)
# allauth's own throttles, stated here so that they are visible and tested.
ACCOUNT_RATE_LIMITS = {
    "login": "30/m/ip",
    "login_failed": "10/m/ip,5/5m/key",
    "signup": "20/m/ip",
    "confirm_email": "1/3m/key",
    "reset_password": "20/m/ip,5/m/key",
    "reset_password_from_key": "20/m/ip",
    "change_password": "5/m/user",
}
# The client's address for these limits and the follow-up code throttle (core.throttle): REMOTE_ADDR,
# unless our own proxies are declared. X-Forwarded-For is ignored until TRUSTED_PROXY_COUNT says
# how many of its entries our proxies appended; a client could write the rest.
ALLAUTH_TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
ALLAUTH_TRUSTED_CLIENT_IP_HEADER = env.str("TRUSTED_CLIENT_IP_HEADER", default="") or None
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "MedSafety Hub"
MFA_RECOVERY_CODE_COUNT = 10
# Those who approve or sign off (CSO, governance, registry administrator) must set up an
# authenticator app before they can do anything else (config.middleware.ApproverMFAMiddleware).
MFA_REQUIRED_FOR_APPROVERS = env.bool("MFA_REQUIRED_FOR_APPROVERS", default=PRODUCTION)

# Idle timeout: the session ends after this many seconds without activity. Activity is recorded
# (the session row's expiry pushed back) at most once a minute, not on every request
# (config.middleware.SessionMiddleware): the session ends 29 to 30 minutes after the last request.
SESSION_COOKIE_AGE = env.int("SESSION_IDLE_TIMEOUT", default=30 * 60)
SESSION_SAVE_EVERY_REQUEST = False
SESSION_ACTIVITY_INTERVAL = 60
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

# --- Internationalisation --------------------------------------------------------------
LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

# --- Static files -------------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# --- Email ----------------------------------------------------------------------------------
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="MedSafety Hub <no-reply@medsafety.example>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
EMAIL_MESSAGE_ID_DOMAIN = env.str("EMAIL_MESSAGE_ID_DOMAIN", default="medsafety.example")
if env.str("EMAIL_URL", default=""):
    vars().update(env.email_url("EMAIL_URL"))
else:
    # Embedded default: every email is written to var/mail/ and printed.
    EMAIL_BACKEND = "notifications.backends.FileAndConsoleEmailBackend"
    EMAIL_FILE_PATH = env.str("EMAIL_FILE_PATH", default=str(VAR_DIR / "mail"))
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=10)

# --- Celery ---------------------------------------------------------------------------------
# Without a broker the tasks run in process, so a laptop needs no Redis.
CELERY_TASK_ALWAYS_EAGER = not env.str("CELERY_BROKER_URL", default="")
if PRODUCTION and (CELERY_TASK_ALWAYS_EAGER or env.str("CELERY_BROKER_URL").startswith("memory")):
    raise ImproperlyConfigured(
        "Production settings need CELERY_BROKER_URL (e.g. redis://host:6379/0): without a broker Celery beat "
        "never runs, so the outbox sweep and every reminder silently stop."
    )
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="memory://")
CELERY_TASK_EAGER_PROPAGATES = False
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = TIME_ZONE
CELERY_BROKER_CONNECTION_TIMEOUT = 3
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A Redis that is down or stalled must not hang a request: short socket timeouts, and a
# publish is tried once (the periodic sweep sends whatever could not be queued).
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "socket_timeout": 3,
    "socket_connect_timeout": 3,
    "max_retries": 0,
    "visibility_timeout": 3600,
}
CELERY_BEAT_SCHEDULE = {
    "notifications-sweep": {"task": "notifications.tasks.sweep_pending_notifications", "schedule": 60.0},
    # What sent emails said is kept NOTIFICATION_CONTEXT_RETENTION_DAYS; a daily run is enough.
    "notifications-purge-context": {"task": "notifications.tasks.purge_sent_notification_context", "schedule": 86400.0},
    # Hourly, so a new vacancy or overdue item is told within the hour; the outbox keys send each once.
    "registry-reminders": {"task": "mso_registry.tasks.send_registry_reminders", "schedule": 3600.0},
    # Each overdue escalation is chased once (outbox keys), so an hourly run is safe.
    "incidents-chase-escalations": {"task": "incidents.tasks.chase_overdue_escalations", "schedule": 3600.0},
    # An overdue action is chased once to its owner, then once to the MSO team (recorded on the row).
    "incidents-chase-actions": {"task": "incidents.tasks.chase_overdue_actions", "schedule": 3600.0},
    # Overdue duty of candour: once to the MSO team, then once to the board director (record + step keys).
    "incidents-chase-candour": {"task": "incidents.tasks.chase_overdue_candour", "schedule": 3600.0},
    # A hazard past its review date is told to its owner and CSO once per date (outbox keys).
    "clinical-safety-hazard-reviews": {"task": "clinical_safety.tasks.send_hazard_review_reminders", "schedule": 3600.0},
    # The national incidents dashboard reads a summary rebuilt from every incident (a few seconds at 2M).
    "incidents-national-summary": {"task": "incidents.tasks.refresh_national_summary", "schedule": 3600.0},
    # National communications past their deadline: a reminder, then the board director; each copy records when.
    "communication-reminders": {"task": "mso_registry.tasks.send_communication_reminders", "schedule": 3600.0},
    # LFPSE submissions are sent on commit; this sweep sends what is due again and what a lost task left.
    "lfpse-sweep": {"task": "incidents.lfpse.tasks.sweep_lfpse_submissions", "schedule": 60.0},
    # Audit events are sealed on commit; this sweep seals what a lost task or a busy sealer left.
    "audit-seal": {"task": "audit.tasks.seal_audit_chains", "schedule": 60.0},
    # Each chain's head, emailed and logged, so that a rewritten tail is caught (outbox keys: once per head).
    "audit-anchor": {"task": "config.tasks.anchor_audit_chains", "schedule": 3600.0},
    # The monthly medication safety report: daily, making last month's drafts from the first working day
    # (England's bank holidays); one draft per organisation and month, one email each (outbox keys).
    "board-reports-prepare": {"task": "board_reports.tasks.prepare_monthly_board_reports",
                              "schedule": crontab(hour=6, minute=30)},
    # One reminder for a draft not issued within 10 working days (reminded_at and outbox keys: once).
    "board-reports-remind": {"task": "board_reports.tasks.remind_unissued_board_reports",
                             "schedule": crontab(hour=9, minute=0)},
}

# --- Audit trail (README, "Architecture", audit/; SECURITY.md, "Audit trail") ---------------------
# The key of the chains' HMAC. It must live outside the database (environment, secret store): whoever
# holds it and can write to the database can rewrite history; whoever holds only the database cannot.
AUDIT_HMAC_KEY = env.str("AUDIT_HMAC_KEY", default="" if PRODUCTION else "medsafety-development-audit-key-not-for-production")
if PRODUCTION and len(AUDIT_HMAC_KEY) < 32:
    raise ImproperlyConfigured(
        "Production settings need AUDIT_HMAC_KEY in the environment: at least 32 random characters, kept "
        "outside the database. It keys the audit trail's hashes, so that an edited record is detected."
    )
# Where each chain's head is emailed on every anchoring run, to be kept out of the database's reach.
AUDIT_ANCHOR_EMAIL = env.str("AUDIT_ANCHOR_EMAIL", default="audit.anchor@medsafety.example")
# An event still unsealed after this long means the sealer is not running (verify_audit fails).
AUDIT_SEAL_OVERDUE_SECONDS = env.int("AUDIT_SEAL_OVERDUE_SECONDS", default=15 * 60)

# Where change-of-details requests and vacancy alerts for the national MSO list go.
NATIONAL_REGISTRY_EMAIL = env.str("NATIONAL_REGISTRY_EMAIL", default="mso.registry@medsafety.example")
# Working days a board director has to acknowledge an escalation before it is chased.
INCIDENT_ESCALATION_ACKNOWLEDGE_WORKING_DAYS = env.int("INCIDENT_ESCALATION_ACKNOWLEDGE_WORKING_DAYS", default=2)
# Working days after an overdue action's owner was chased before the MSO team is told.
INCIDENT_ACTION_MSO_CHASE_AFTER_WORKING_DAYS = env.int("INCIDENT_ACTION_MSO_CHASE_AFTER_WORKING_DAYS", default=5)
# Overdue duty of candour goes to the MSO team the day after it was due, and to the board director
# when still not done this many working days after it was due.
CANDOUR_DIRECTOR_CHASE_AFTER_WORKING_DAYS = env.int("CANDOUR_DIRECTOR_CHASE_AFTER_WORKING_DAYS", default=5)
# Days from commissioning a PSIRF learning response to its due date, per type. PSIRF's guide: a PSII
# normally within one to three months (never more than six); the others are the local plan's to set.
PSIRF_RESPONSE_DUE_DAYS = {
    "psii": env.int("PSIRF_PSII_DUE_DAYS", default=90),
    "aar": env.int("PSIRF_AAR_DUE_DAYS", default=30),
    "swarm": env.int("PSIRF_SWARM_DUE_DAYS", default=7),
    "mdt": env.int("PSIRF_MDT_DUE_DAYS", default=30),
    "thematic": env.int("PSIRF_THEMATIC_DUE_DAYS", default=90),
}
NOTIFICATION_MAX_ATTEMPTS = env.int("NOTIFICATION_MAX_ATTEMPTS", default=10)
# The sweep leaves a new row this long to its own on-commit task before sending it itself.
NOTIFICATION_SWEEP_GRACE_SECONDS = env.int("NOTIFICATION_SWEEP_GRACE_SECONDS", default=60)
# A row "sending" for longer than this was interrupted (the worker died mid-send) and is sent
# again with the same Message-ID. Longer than any send: EMAIL_TIMEOUT bounds each SMTP step.
NOTIFICATION_IN_DOUBT_AFTER_SECONDS = env.int("NOTIFICATION_IN_DOUBT_AFTER_SECONDS", default=600)
# Days the context (what the email said) of a sent email is kept before it is emptied.
NOTIFICATION_CONTEXT_RETENTION_DAYS = env.int("NOTIFICATION_CONTEXT_RETENTION_DAYS", default=90)
# --- LFPSE, the national patient safety events service (README, "Reporting to LFPSE") ---------------
# Off when LFPSE_API_URL is empty: nothing is queued and the pages say so. The URL is the service's
# host; submissions go to <LFPSE_API_URL>/adverse-event/fhir/AdverseEvent.
LFPSE_API_URL = env.str("LFPSE_API_URL", default="")
LFPSE_API_KEY = env.str("LFPSE_API_KEY", default="")
# When an incident becomes due: when it is reported ("submitted") or when the MSO team confirms its grade ("graded").
LFPSE_SUBMIT_ON = env.str("LFPSE_SUBMIT_ON", default="graded")
if LFPSE_SUBMIT_ON not in ("submitted", "graded"):
    raise ImproperlyConfigured("LFPSE_SUBMIT_ON must be 'submitted' or 'graded'.")
# Where LFPSE's profile and extensions are defined (meta.profile and extension URLs). The public
# taxonomy shows its UAT address; confirm production's with LFPSE before go-live.
LFPSE_TAXONOMY_BASE = env.str("LFPSE_TAXONOMY_BASE", default="https://psims-uat.azure-api.net/taxonomy/fhir")
# The identifier system of our references (MI-2026-000123) in AdverseEvent.identifier.
LFPSE_IDENTIFIER_SYSTEM = env.str("LFPSE_IDENTIFIER_SYSTEM", default=SITE_URL.rstrip("/") + "/incidents/reference")
LFPSE_TIMEOUT_SECONDS = env.float("LFPSE_TIMEOUT_SECONDS", default=20.0)
# Timeouts and 5xx are tried again with backoff (1 min doubling, at most 6 h): 20 tries span about 4 days.
LFPSE_MAX_ATTEMPTS = env.int("LFPSE_MAX_ATTEMPTS", default=20)
LFPSE_RETRY_AFTER_SECONDS = env.int("LFPSE_RETRY_AFTER_SECONDS", default=60)
# A new row is left this long to its own on-commit task before the sweep sends it.
LFPSE_SWEEP_GRACE_SECONDS = env.int("LFPSE_SWEEP_GRACE_SECONDS", default=60)
# A send still "sending" after this long was interrupted; it is sent again (a create as a conditional create).
LFPSE_IN_DOUBT_AFTER_SECONDS = env.int("LFPSE_IN_DOUBT_AFTER_SECONDS", default=300)
HEALTH_MAX_PENDING_AGE_SECONDS = env.int("HEALTH_MAX_PENDING_AGE_SECONDS", default=15 * 60)

# --- The API (README, "API") -----------------------------------------------------------------------
# Tokens only: a browser's session does not call the API, so no CSRF question arises for it.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["api.authentication.ApiClientAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["api.scopes.HasScope"],
    "DEFAULT_THROTTLE_CLASSES": ["api.throttling.ApiClientRateThrottle"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_SCHEMA_CLASS": "api.schema.ProblemAutoSchema",
    "EXCEPTION_HANDLER": "api.problems.problem_exception_handler",
    "UNAUTHENTICATED_USER": None,
}
# Calls per client, counted in the shared cache: "<n>/<second|minute|hour|day>".
API_RATE_LIMIT = env.str("API_RATE_LIMIT", default="120/minute")
SPECTACULAR_SETTINGS = {
    "TITLE": "MedSafety Hub API",
    "DESCRIPTION": "Report medication incidents from an EPMA or EPR, read an organisation's incidents, hazard logs "
    "and monthly counts, and the national MSO list. Every error is RFC 9457 problem details.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
    # Swagger UI from our own static files (api/docs.html, drf-spectacular-sidecar): no CDN, no inline script.
    "SWAGGER_UI_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {},
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "api.schema.string_enum_query_parameters",
    ],
}

# --- Security -------------------------------------------------------------------------------
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],  # Bootstrap's form icons and the TOTP QR code are data: images
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000 if PRODUCTION else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = PRODUCTION
SECURE_HSTS_PRELOAD = PRODUCTION
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=PRODUCTION)
SECURE_REDIRECT_EXEMPT = [r"^health/$"]  # the load balancer probes over plain HTTP
SESSION_COOKIE_SECURE = PRODUCTION
CSRF_COOKIE_SECURE = PRODUCTION
if PRODUCTION:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}, "celery.app.trace": {"level": "WARNING"}},
}
