"""The forms of the accounts' mail: forgotten password, new password from a link, email change."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, HiddenField, PasswordField
from wtforms.validators import DataRequired, InputRequired, Length

from .forms import PASSWORD_HINT
from .passwords import PASSWORD_MAX


class ForgotForm(FlaskForm):
    email = EmailField(
        _l("Email"),
        validators=[DataRequired(), Length(max=254)],
        description=_l("The address of your LivingLab account."),
    )


class ResetForm(FlaskForm):
    token = HiddenField(validators=[Length(max=600)])
    new_password = PasswordField(
        _l("New password"), validators=[InputRequired(), Length(max=PASSWORD_MAX)], description=PASSWORD_HINT
    )


class EmailChangeForm(FlaskForm):
    email = EmailField(
        _l("New email address"),
        validators=[DataRequired(), Length(max=254)],
        description=_l("We send a link to this address; your address changes when you open it."),
    )
    password = PasswordField(_l("Current password"), validators=[DataRequired(), Length(max=PASSWORD_MAX)])
