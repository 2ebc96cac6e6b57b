"""LivingLab: run health-innovation living labs."""

import os
import secrets
from pathlib import Path

from flask import Flask, has_request_context, request, session
from flask_login import current_user
from werkzeug.middleware.proxy_fix import ProxyFix

from .config import Config
from .extensions import babel, csrf, db, limiter, login_manager, migrate

MIGRATIONS = str(Path(__file__).parent / "migrations")


def create_app(test_config: dict | None = None) -> Flask:
    app = Flask(__name__, instance_relative_config=True)
    from .auth.passwords import prepare_stand_in

    configure(app, test_config)
    prepare_stand_in(app)
    register_extensions(app)
    register_blueprints(app)
    register_errorhandlers(app)
    register_request_hooks(app)
    register_template_helpers(app)
    register_commands(app)
    return app


def configure(app: Flask, test_config: dict | None) -> None:
    app.config.from_object(Config)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    app.config.from_pyfile("config.py", silent=True)
    app.config.from_prefixed_env("LIVINGLAB")
    if os.environ.get("DATABASE_URL"):
        app.config["SQLALCHEMY_DATABASE_URI"] = normalise_database_url(os.environ["DATABASE_URL"])
    for name in ("AUDIT_KEY", "AUDIT_CHECKPOINTS"):  # as written: never parsed as JSON (a key of digits)
        if os.environ.get(f"LIVINGLAB_{name}"):
            app.config[name] = os.environ[f"LIVINGLAB_{name}"]
    if test_config:
        app.config.update(test_config)
    configure_audit(app)
    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        app.config["SQLALCHEMY_DATABASE_URI"] = "sqlite:///" + os.path.join(app.instance_path, "livinglab.sqlite3")
    if not app.config.get("SECRET_KEY") or app.config["SECRET_KEY"] in PUBLIC_SECRET_KEYS:
        app.config["SECRET_KEY"] = instance_secret(app)  # whatever TESTING says: a known key forges sessions
    app.config["SESSION_COOKIE_SECURE"] = secure_cookie_rule(app)
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {"connect_args": {"timeout": 30}}


# Keys that are public (an old default of this code): never sign a session with them.
PUBLIC_SECRET_KEYS = {"dev-only-change-me"}


def secure_cookie_rule(app: Flask) -> bool:
    """The session cookie travels over HTTPS only, unless told otherwise: an explicit
    LIVINGLAB_SESSION_COOKIE_SECURE decides; else a LIVINGLAB_BASE_URL on plain http:// turns it off
    (./run.sh serves http://127.0.0.1 so); else it is off only for Flask's debug server."""
    explicit = app.config.get("SESSION_COOKIE_SECURE")
    if explicit is not None:
        return explicit if isinstance(explicit, bool) else str(explicit).strip().lower() in ("1", "true", "yes", "on")
    base_url = app.config.get("BASE_URL")
    if base_url:
        return not str(base_url).strip().lower().startswith("http://")
    return not app.debug


def normalise_database_url(url: str) -> str:
    """Accept the postgres:// and postgresql:// URLs hosts hand out; we speak psycopg 3."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def instance_secret(app: Flask) -> str:
    """A random key kept in instance/, so sessions survive restarts without a key in git."""
    return kept_secret(Path(app.instance_path) / "secret_key")


def kept_secret(path: Path) -> str:
    """The random key in `path`, made once. Workers starting together on a fresh instance all get the
    same key: the file appears whole (written aside, then linked in place), and never replaces one that
    another process made first (a second key would split sessions, or the audit chains, between them)."""
    if not path.exists():
        aside = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
        aside.write_text(secrets.token_hex(32))
        aside.chmod(0o600)
        try:
            os.link(aside, path)  # atomic, and fails if the file exists
        except FileExistsError:
            pass  # another worker made it first: theirs is the key
        finally:
            aside.unlink()
    return path.read_text().strip()


def configure_audit(app: Flask) -> None:
    """The audit key comes from the environment; outside production a random one is kept in instance/."""
    key = app.config.get("AUDIT_KEY")
    if not key:
        if app.config.get("PRODUCTION"):
            raise RuntimeError(
                "LIVINGLAB_AUDIT_KEY is required in production (at least 32 characters, "
                "kept outside the database and its backups)."
            )
        key = kept_secret(Path(app.instance_path) / "audit_key")
    if len(str(key)) < 32:
        raise RuntimeError("LIVINGLAB_AUDIT_KEY must have at least 32 characters.")
    app.config["AUDIT_KEY"] = str(key)
    if not app.config.get("AUDIT_CHECKPOINTS"):
        app.config["AUDIT_CHECKPOINTS"] = os.path.join(app.instance_path, "audit-checkpoints")


def register_extensions(app: Flask) -> None:
    from . import models  # noqa: F401  (every model registered before mappers configure)
    from .auth.sessions import SessionCookies, load_user

    db.init_app(app)
    migrate.init_app(app, db, directory=MIGRATIONS, render_as_batch=True, compare_type=True)
    csrf.init_app(app)
    limiter.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    login_manager.init_app(app)
    login_manager.login_view = "auth.signin"
    login_manager.login_message_category = "info"
    from flask_babel import lazy_gettext

    login_manager.login_message = lazy_gettext("Please sign in to see this page.")
    login_manager.user_loader(load_user)
    app.session_interface = SessionCookies()
    hops = int(app.config.get("TRUSTED_PROXIES") or 0)
    if hops < 0:
        raise ValueError("TRUSTED_PROXIES is a number of proxies, 0 or more")
    if hops:  # request.remote_addr and request.scheme become the real client's, as the proxies saw them
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)  # type: ignore[method-assign]  # Flask's documented way to wrap the WSGI app

    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        with app.app_context():
            configure_sqlite(db.engine)


def configure_sqlite(engine) -> None:
    """Foreign keys on, WAL, a busy timeout; transactions begin deferred and take the write lock at
    their first write (see `transactions.install_sqlite_locking`), so that reads never wait and
    concurrent writers queue for as long as their writes last, instead of failing on a stale snapshot."""
    from sqlalchemy import event

    from .transactions import install_sqlite_locking

    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves (transactions.py)
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA secure_delete=ON")  # erased rows are overwritten, not merely unlinked
        cursor.close()

    install_sqlite_locking(engine)


def select_locale() -> str:
    languages = Config.LANGUAGES
    if not has_request_context():  # the CLI and scripts speak English
        return "en"
    chosen = session.get("lang")
    if chosen in languages:
        return chosen
    if current_user and getattr(current_user, "is_authenticated", False) and current_user.locale in languages:
        return current_user.locale
    return request.accept_languages.best_match(languages) or "en"


def register_blueprints(app: Flask) -> None:
    from .urls import IdConverter

    app.url_map.converters["int"] = IdConverter
    from .api import bp as api_bp
    from .audit_views import bp as audit_bp
    from .auth.account_views import bp as account_bp
    from .auth.mail_views import bp as account_mail_bp
    from .auth.organisation_views import bp as organisation_bp
    from .auth.views import bp as auth_bp
    from .main import bp as main_bp
    from .notifications.mailbox import bp as mailbox_bp
    from .notifications.views import bp as notifications_bp
    from .notifications.webhook_views import bp as webhooks_bp
    from .observatory.views import bp as observatory_bp
    from .participants.report_views import bp as reports_bp
    from .participants.staff_views import bp as recruitment_bp
    from .participants.views import bp as participants_bp
    from .quality.views import bp as quality_bp
    from .results.exports_views import bp as exports_bp
    from .results.views import bp as results_bp
    from .studies.amendment_editing import bp as amendment_editing_bp
    from .studies.amendment_views import bp as amendments_bp
    from .studies.letter_views import bp as letters_bp
    from .studies.retention_views import bp as retention_bp
    from .studies.translation_views import bp as translations_bp
    from .studies.views import bp as studies_bp
    from .surveys.reuse_views import bp as survey_reuse_bp
    from .surveys.views import bp as surveys_bp

    app.register_blueprint(main_bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(account_bp)
    app.register_blueprint(account_mail_bp)
    app.register_blueprint(organisation_bp)
    app.register_blueprint(studies_bp)
    app.register_blueprint(amendments_bp)
    app.register_blueprint(amendment_editing_bp)
    app.register_blueprint(translations_bp)
    app.register_blueprint(retention_bp)
    app.register_blueprint(letters_bp)
    app.register_blueprint(exports_bp)
    app.register_blueprint(surveys_bp)
    app.register_blueprint(survey_reuse_bp)
    app.register_blueprint(participants_bp)
    app.register_blueprint(recruitment_bp)
    app.register_blueprint(reports_bp)
    app.register_blueprint(results_bp)
    app.register_blueprint(quality_bp)
    app.register_blueprint(observatory_bp)
    app.register_blueprint(audit_bp)
    app.register_blueprint(notifications_bp)
    app.register_blueprint(mailbox_bp)
    app.register_blueprint(webhooks_bp)
    app.register_blueprint(api_bp)
    for name, blueprint in app.blueprints.items():
        if name.split(".")[0] == "api":
            csrf.exempt(blueprint)  # the API takes no cookies, so it needs no CSRF token


def register_errorhandlers(app: Flask) -> None:
    from .errors import register_errorhandlers as register

    register(app)


def register_request_hooks(app: Flask) -> None:
    @app.after_request
    def security_headers(response):
        headers = response.headers
        headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
            "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'",
        )
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Referrer-Policy", "same-origin")
        if request.is_secure:
            headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        if request.endpoint != "static":
            # Every dynamic answer may be personal (a bearer token's data, a flash in a cookie, a token just
            # created for an anonymous caller): no browser or proxy keeps it. Static files stay cacheable.
            headers.setdefault("Cache-Control", "no-store")
        return response

    @app.before_request
    def keep_session_fresh():
        if (
            request.endpoint != "static" and session and not request.path.startswith("/api/")
        ):  # no cookie for the API or a mere visit
            session.permanent = True  # expires after PERMANENT_SESSION_LIFETIME of inactivity


def register_template_helpers(app: Flask) -> None:
    from flask_babel import get_locale

    from . import policy
    from .studies import retention, workflow

    # A global, not a context value: macros imported without context read it too. The pages say when the
    # retention job writes its notice.
    app.jinja_env.globals["retention_notice_days"] = retention.NOTICE_DAYS

    @app.context_processor
    def helpers():
        return {
            **policy.template_helpers(),
            **workflow.template_helpers(),
            "status_label": lambda status: workflow.STATUS_LABELS.get(status, status),
            "current_locale": str(get_locale()),
            "retention_of": retention.describe,  # a pilot's retention rule with its dates
        }


def register_commands(app: Flask) -> None:
    from .cli import register

    register(app)
