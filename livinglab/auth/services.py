"""Accounts: registration, sign-in with lock-out, API tokens, organisation membership."""
import hashlib
import secrets
from datetime import timedelta

from email_validator import EmailNotValidError, validate_email
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select
from werkzeug.security import check_password_hash, generate_password_hash

from .. import audit
from .. import validation as v
from ..errors import Conflict, NotFound, Unauthorized
from ..extensions import db
from ..timeutil import aware, utcnow
from .models import ApiToken, Organisation, Role, User

PASSWORD_MIN, PASSWORD_MAX = 10, 128
LOCK_AFTER, LOCK_FOR = 5, timedelta(minutes=15)
# Compared against when the email is unknown, so a wrong email costs as long as a wrong password.
_DUMMY_HASH = generate_password_hash("not-a-real-password")


def clean_email(value) -> str:
    value = v.text(value, max_len=254, required=True, single_line=True)
    try:
        return validate_email(value, check_deliverability=False).normalized.lower()
    except EmailNotValidError:
        raise v.FieldError(_("Enter a valid email address.")) from None


def clean_password(value) -> str:
    if not isinstance(value, str):
        raise v.FieldError(_("Must be text."), 400)
    if len(value) < PASSWORD_MIN:
        raise v.FieldError(_("At least %(n)d characters.", n=PASSWORD_MIN))
    if len(value) > PASSWORD_MAX:
        raise v.FieldError(_("At most %(n)d characters.", n=PASSWORD_MAX))
    return value


def find_user(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == email))


def find_organisation(name: str) -> Organisation | None:
    """Names compare without case, alike on SQLite (whose lower() folds ASCII only) and PostgreSQL."""
    wanted = name.casefold()
    return next((o for o in db.session.scalars(select(Organisation)) if o.name.casefold() == wanted), None)


def register(data, *, allowed_roles=(Role.STARTUP, Role.PARTICIPANT), actor=None) -> User:
    """Create an account; a startup account comes with its new organisation."""
    if not isinstance(data, dict):
        v.raise_for({"body": v.FieldError(_("Send a JSON object."), 400)})
    checks = {
        "email": clean_email,
        "password": clean_password,
        "name": lambda x: v.text(x, max_len=200, required=True, single_line=True),
        "role": lambda x: v.choice(x, allowed_roles),
        "organisation": lambda x: v.text(x, max_len=200, single_line=True),
    }
    clean, errors = v.gather(checks, data)
    for name in ("email", "password", "name", "role"):
        if name not in data:
            errors[name] = v.FieldError(_("This field is required."))
    if clean.get("role") == Role.STARTUP and not clean.get("organisation") and "organisation" not in errors:
        errors["organisation"] = v.FieldError(_("A startup account needs its organisation."))
    v.raise_for(errors)
    if find_user(clean["email"]):
        raise Conflict(_("An account with this email already exists."), code="email_taken",
                       fields={"email": _("Already registered.")})
    organisation = None
    if clean["role"] == Role.STARTUP:
        if find_organisation(clean["organisation"]):
            raise Conflict(_("This organisation already has an account: ask one of its members to add you."),
                           code="organisation_taken", fields={"organisation": _("Already registered.")})
        organisation = Organisation(name=clean["organisation"])
        db.session.add(organisation)
    password_hash = generate_password_hash(clean["password"], method=current_app.config["PASSWORD_HASH_METHOD"])
    user = User(email=clean["email"], name=clean["name"], role=Role(clean["role"]), password_hash=password_hash,
                organisation=organisation)
    db.session.add(user)
    db.session.flush()
    audit.record(actor or user, "account.create", role=str(user.role), user_id=user.id)
    return user


def authenticate(email, password) -> User:
    """The account for these credentials; repeated failures lock it for a while, silently."""
    if not isinstance(email, str) or not isinstance(password, str):
        v.raise_for({"email": v.FieldError(_("Must be text."), 400)})
    now = utcnow()
    # A NUL byte can be in no stored email (PostgreSQL refuses it outright): treat it as unknown.
    user = None if "\x00" in email or len(email) > 254 else find_user(email.strip().lower())
    if user is None:
        check_password_hash(_DUMMY_HASH, password)
    elif aware(user.locked_until) and aware(user.locked_until) > now:
        check_password_hash(_DUMMY_HASH, password)
    elif check_password_hash(user.password_hash, password):
        user.failed_signins = 0
        user.locked_until = None
        return user
    else:
        user.failed_signins += 1
        if user.failed_signins >= LOCK_AFTER:
            user.failed_signins = 0
            user.locked_until = now + LOCK_FOR
            audit.record(None, "account.locked", user_id=user.id)
        db.session.commit()  # the failure count must survive the error answer
    raise Unauthorized(_("The email or the password is wrong, or the account is locked for a while."),
                       code="invalid_credentials")


def _hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def create_token(user: User) -> tuple[str, ApiToken]:
    """A new bearer token; only its hash is stored."""
    raw = secrets.token_urlsafe(32)
    token = ApiToken(user=user, token_hash=_hash_token(raw),
                     expires_at=utcnow() + current_app.config["API_TOKEN_LIFETIME"])
    db.session.add(token)
    audit.record(user, "token.create")
    return raw, token


def user_for_token(raw: str) -> User | None:
    token = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == _hash_token(raw)))
    if token is None or aware(token.expires_at) <= utcnow():
        return None
    return token.user


def add_member(actor: User, email) -> User:
    """Bring an existing startup account into the actor's organisation."""
    try:
        email = clean_email(email)
    except v.FieldError as err:
        v.raise_for({"email": err})
    colleague = find_user(email)
    if colleague is None or colleague.role != Role.STARTUP:
        raise NotFound(_("There is no startup account with this email. Ask your colleague to register first."),
                       code="no_such_startup_account")
    if colleague.organisation_id == actor.organisation_id:
        raise Conflict(_("%(name)s is already a member.", name=colleague.name), code="already_member")
    previous = colleague.organisation_id
    colleague.organisation_id = actor.organisation_id
    audit.record(actor, "organisation.add_member", user_id=colleague.id, organisation_id=actor.organisation_id,
                 previous_organisation_id=previous)
    return colleague


def create_user(email, password, name, role, organisation=None, actor=None) -> User:
    """Used by the CLI and by coordinators: any role, coordinators included."""
    return register({"email": email, "password": password, "name": name, "role": role,
                     "organisation": organisation}, allowed_roles=tuple(Role), actor=actor)


def coordinators() -> list[User]:
    return list(db.session.scalars(select(User).where(User.role == Role.COORDINATOR).order_by(User.name)))


def user_dict(user: User) -> dict:
    return {"id": user.id, "email": user.email, "name": user.name, "role": str(user.role),
            "organisation": {"id": user.organisation.id, "name": user.organisation.name}
            if user.organisation else None}


