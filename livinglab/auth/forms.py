from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, RadioField, SelectChoice, StringField
from wtforms.validators import DataRequired, Length

from .services import PASSWORD_MAX, PASSWORD_MIN


class SignInForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=PASSWORD_MAX)])


class RegisterForm(FlaskForm):
    role = RadioField(_l("I am"), choices=[SelectChoice("participant", _l("A citizen who wants to take part in pilots")),
                                           SelectChoice("startup", _l("A startup that wants to run a pilot"))],
                      default="participant", validators=[DataRequired()])
    name = StringField(_l("Your name"), validators=[DataRequired(), Length(max=200)])
    email = EmailField(_l("Email"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(min=PASSWORD_MIN, max=PASSWORD_MAX)],
                             description=_l("At least %(n)d characters.", n=PASSWORD_MIN))
    organisation = StringField(_l("Organisation (startups)"), validators=[Length(max=200)])


class AddMemberForm(FlaskForm):
    email = EmailField(_l("Colleague's email"), validators=[DataRequired(), Length(max=254)],
                       description=_l("Your colleague must already have a startup account."))


class NewCoordinatorForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    email = EmailField(_l("Email"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Initial password"), validators=[DataRequired(), Length(min=PASSWORD_MIN, max=PASSWORD_MAX)],
                             description=_l("Give it to your colleague privately; at least %(n)d characters.", n=PASSWORD_MIN))
