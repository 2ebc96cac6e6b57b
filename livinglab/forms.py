"""What every page form shares: CSRF-only forms and showing service errors beside fields."""

from flask import flash
from flask_wtf import FlaskForm

from .errors import DomainError


class EmptyForm(FlaskForm):
    """CSRF protection for POST-only buttons."""


def show_errors(form, err: DomainError, aliases: dict | None = None) -> None:
    """Show a service's field errors beside the form's fields, and its message as a flash.

    `aliases` maps a service field name to a form field name when they differ."""
    aliases = aliases or {}
    for name, message in err.fields.items():
        name = aliases.get(name, name)
        field = getattr(form, name, None) or getattr(form, name.split(".")[0], None)
        if field is not None and hasattr(field, "errors"):
            field.errors = [*field.errors, message]
    flash(err.message, "error")
