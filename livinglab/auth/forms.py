from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, HiddenField, PasswordField, RadioField, SelectChoice, StringField
from wtforms.validators import DataRequired, InputRequired, Length

from .passwords import PASSWORD_MAX, PASSWORD_MIN

PASSWORD_HINT = _l(
    "At least %(n)d characters; no other rule. A few words you will remember make a good password; "
    "common passwords are refused.",
    n=PASSWORD_MIN,
)


class SignInForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=PASSWORD_MAX)])


class RegisterForm(FlaskForm):
    role = RadioField(
        _l("I am"),
        choices=[
            SelectChoice("participant", _l("A citizen who wants to take part in pilots")),
            SelectChoice("startup", _l("A startup that wants to run a pilot")),
        ],
        default="participant",
        validators=[DataRequired()],
    )
    name = StringField(_l("Your name"), validators=[DataRequired(), Length(max=200)])
    email = EmailField(_l("Email"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(
        _l("Password"), validators=[InputRequired(), Length(max=PASSWORD_MAX)], description=PASSWORD_HINT
    )
    organisation = StringField(_l("Organisation (startups)"), validators=[Length(max=200)])
    invitation = HiddenField(validators=[Length(max=200)])


class InviteForm(FlaskForm):
    email = EmailField(
        _l("Colleague's email"),
        validators=[DataRequired(), Length(max=254)],
        description=_l("You get a link to send them; it works for this email only, for 14 days."),
    )


class NewCoordinatorForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    email = EmailField(_l("Email"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(
        _l("Initial password"),
        validators=[InputRequired(), Length(max=PASSWORD_MAX)],
        description=_l(
            "Give it to your colleague privately; at least %(n)d characters, not a common password.", n=PASSWORD_MIN
        ),
    )


class NameForm(FlaskForm):
    name = StringField(_l("Your name"), validators=[DataRequired(), Length(max=200)])


class PasswordForm(FlaskForm):
    current_password = PasswordField(_l("Current password"), validators=[DataRequired(), Length(max=PASSWORD_MAX)])
    new_password = PasswordField(
        _l("New password"), validators=[InputRequired(), Length(max=PASSWORD_MAX)], description=PASSWORD_HINT
    )


class SignOutEverywhereForm(FlaskForm):
    revoke_tokens = BooleanField(_l("Also revoke my API tokens"))
