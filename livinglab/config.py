"""Defaults; `create_app` overrides them from instance/config.py, then the environment."""

from datetime import timedelta


class Config:
    SECRET_KEY = None  # LIVINGLAB_SECRET_KEY, else a random key kept in instance/secret_key
    SQLALCHEMY_DATABASE_URI = None  # set in create_app: DATABASE_URL, else instance/livinglab.sqlite3
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    PERMANENT_SESSION_LIFETIME = timedelta(hours=8)  # a session ends after this long without activity
    SESSION_ABSOLUTE_LIFETIME = timedelta(days=7)  # ...and this long after signing in, however active
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = None  # None: decided by create_app (secure_cookie_rule); true or false to force
    BASE_URL = None  # the app's public address, e.g. https://livinglab.example: links given to others
    TRUSTED_PROXIES = 0  # reverse proxies in front of the app whose X-Forwarded-For/-Proto are believed
    WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the session
    PASSWORD_HASH_METHOD = "scrypt"  # werkzeug's strongest; tests use a fast one
    API_TOKEN_LIFETIME = timedelta(days=30)
    RATELIMIT_ENABLED = True
    RATELIMIT_STORAGE_URI = "memory://"
    RATELIMIT_HEADERS_ENABLED = True
    SIGNIN_RATE_LIMIT = "10 per minute;50 per hour"
    REGISTER_RATE_LIMIT = "10 per hour"  # per client address
    REGISTER_EMAIL_RATE_LIMIT = "5 per hour"  # per email, counting the answers that say it is taken
    ENROL_RATE_LIMIT = "20 per minute"
    ANSWER_RATE_LIMIT = "30 per minute"  # per API token, on POST .../surveys/<key>/responses
    ANSWER_ADDRESS_RATE_LIMIT = "300 per minute"  # per client address, the same endpoint
    # LIVINGLAB_AUDIT_KEY: the audit chain's HMAC key, never stored in the database. Required when
    # LIVINGLAB_PRODUCTION=true; otherwise a random key is kept in instance/audit_key.
    AUDIT_KEY = None
    AUDIT_CHECKPOINTS = None  # folder of the signed checkpoints; default instance/audit-checkpoints
    PRODUCTION = False
    BABEL_DEFAULT_LOCALE = "en"
    LANGUAGES = ("en", "fr")
    MAX_CONTENT_LENGTH = 2 * 1024 * 1024
    JSON_SORT_KEYS = False
