"""Email addresses as accounts and invitations store them: validated, normalised, lower case."""

from email_validator import EmailNotValidError, validate_email
from flask_babel import gettext as _

from .. import validation as v


def clean_email(value) -> str:
    value = v.text(value, max_len=254, required=True, single_line=True)
    try:
        return validate_email(value, check_deliverability=False).normalized.lower()
    except EmailNotValidError:
        raise v.FieldError(_("Enter a valid email address.")) from None
