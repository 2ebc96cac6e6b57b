"""The forms of the notification pages."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, RadioField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length

from .kinds import CHOICE_LABELS, Kind


def preferences_form(kinds: list[Kind], current: dict[str, str], formdata=None) -> FlaskForm:
    """One radio group per kind the account may choose, set to its current choice."""

    class PreferencesForm(FlaskForm):
        pass

    for spec in kinds:
        field = RadioField(
            spec.label,
            choices=[SelectChoice(c, CHOICE_LABELS[c]) for c in spec.choices],
            default=current.get(spec.name, "each"),
            description=spec.description or "",
            validate_choice=True,
        )
        setattr(PreferencesForm, f"kind_{spec.name}", field)
    return PreferencesForm(formdata=formdata) if formdata is not None else PreferencesForm()


class WebhookForm(FlaskForm):
    url = StringField(
        _l("Address of your receiver (URL)"),
        validators=[InputRequired(), Length(max=500)],
        description=_l("It must start with https:// and be reachable from the internet."),
    )
    description = StringField(
        _l("Note (optional)"),
        validators=[Length(max=200)],
        description=_l("What this receiver is, for your colleagues."),
    )
    enrolment = BooleanField(_l("Enrolments"), default=True)
    answer = BooleanField(_l("Answers to surveys"), default=True)
    withdrawal = BooleanField(_l("Withdrawals"), default=True)


class EndpointForm(FlaskForm):
    """A POST-only button on one endpoint (remove, send a test event)."""

    endpoint = HiddenField(validators=[InputRequired()])


class RetryForm(FlaskForm):
    message = HiddenField(validators=[InputRequired()])
