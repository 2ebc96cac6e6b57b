"""The participant's forms. They check presence and types only: every rule on values lives in the services."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, HiddenField, PasswordField, RadioField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired
from wtforms.widgets import NumberInput

from ..auth.services import PASSWORD_MIN
from ..studies.enums import ConsentMode

YES_NO = [SelectChoice("yes", _l("Yes")), SelectChoice("no", _l("No"))]


class EligibilityForm(FlaskForm):
    # Text, not IntegerField: the service says what is wrong with an age, in the same words as the API.
    age = StringField(
        _l("Your age"),
        widget=NumberInput(min=0, max=130),
        render_kw={"inputmode": "numeric", "autocomplete": "off", "class": "short"},
    )

    def site_key(self) -> str | None:
        """The site chosen, when the pilot has sites (the service checks it against the pilot's)."""
        return self.site.data if "site" in self else None

    def confirmed(self) -> list[bool]:
        """One answer per criterion, in the protocol's order."""
        return [self[f"criterion_{i}"].data == "yes" for i in range(self.criteria_count)]


def eligibility_form(criteria: list[str], sites: list[tuple[str, str]] | None = None) -> EligibilityForm:
    """The age, one yes/no question per criterion of the study, and where the person takes part when the pilot
    has sites (`sites`: (key, name) each)."""

    class Form(EligibilityForm):
        criteria_count = len(criteria)

    if sites:
        Form.site = RadioField(  # declared on the pilot's own form class
            _l("Where do you take part?"),
            choices=[SelectChoice(key, name) for key, name in sites],
            validators=[InputRequired(message=_l("Please choose where you take part."))],
        )

    for index, text in enumerate(criteria):
        setattr(
            Form,
            f"criterion_{index}",
            RadioField(text, choices=YES_NO, validators=[InputRequired(message=_l("Please answer yes or no."))]),
        )
    return Form()


class ConsentForm(FlaskForm):
    consent_version = HiddenField()
    signature = StringField(_l("Your full name, as your signature"), render_kw={"autocomplete": "name"})

    def version(self):
        """The consent version the person read (the service refuses it when a newer one exists)."""
        value = (self.consent_version.data or "").strip()
        return int(value) if value.isascii() and value.isdigit() and len(value) < 100 else value

    def clause_answers(self) -> dict[str, bool]:
        return {clause["key"]: bool(self[f"clause_{i}"].data) for i, clause in enumerate(self.clauses)}

    def clause_fields(self):
        """(clause, its checkbox) in the consent's order."""
        return [(clause, self[f"clause_{i}"]) for i, clause in enumerate(self.clauses)]

    def aliases(self) -> dict[str, str]:
        """The service names a refused clause `clauses.<key>`; its checkbox is `clause_<n>`."""
        return {
            **{f"clauses.{clause['key']}": f"clause_{i}" for i, clause in enumerate(self.clauses)},
            "confirmed": "confirm",
        }

    def signed(self) -> dict:
        """The consent as the services take it. In express consent and information, a name typed for a new
        account is not a signature: the box ticked is the evidence."""
        confirm = getattr(self, "confirm", None)
        return {
            "consent_version": self.version(),
            "clauses": self.clause_answers(),
            "signature": self.signature.data if confirm is None or not hasattr(self, "email") else None,
            "confirmed": bool(confirm.data) if confirm is not None else None,
        }


class ConsentAndAccountForm(ConsentForm):
    """For someone who checked their eligibility without an account: the account is made with the
    consent, in the same step (the signature's name is the account's name)."""

    email = EmailField(
        _l("Email"),
        render_kw={"autocomplete": "email"},
        description=_l("To sign in again and answer the next surveys. The startup never sees it."),
    )
    password = PasswordField(
        _l("Choose a password"),
        render_kw={"autocomplete": "new-password"},
        description=_l("At least %(n)d characters.", n=PASSWORD_MIN),
    )


# What the participant ticks to agree, by consent mode (written consent is the signature itself)
CONFIRM_LABELS = {
    ConsentMode.EXPRESS: _l("I agree to take part in this pilot, as described above"),
    ConsentMode.INFORMATION: _l("I have read the information notice"),
}


def consent_form(consent, with_account: bool = False, mode: ConsentMode = ConsentMode.WRITTEN) -> ConsentForm:
    """A checkbox per clause of this consent version, and what the consent mode asks: the signature (written),
    or a box to tick (express: the agreement; information: the notice read). Someone who has no account yet
    gives an email and a password, and their name (the signature's field, which names the account)."""

    class Form(ConsentAndAccountForm if with_account else ConsentForm):  # type: ignore[misc]  # a base class chosen at run time
        clauses = consent.clauses
        consent_mode = mode

    if mode != ConsentMode.WRITTEN:
        Form.confirm = BooleanField(CONFIRM_LABELS[mode])  # a field of this mode only
        Form.signature = StringField(_l("Your name"), render_kw={"autocomplete": "name"})

    for index, clause in enumerate(consent.clauses):
        setattr(Form, f"clause_{index}", BooleanField(clause["text"]))
    form = Form()
    if not form.is_submitted():
        form.consent_version.data = str(consent.version)
    return form


class WithdrawForm(FlaskForm):
    erase = RadioField(
        _l("What should happen to the answers you gave?"),
        choices=[
            SelectChoice("keep", _l("Keep them: they stay in the pilot's results, under my participant code")),
            SelectChoice("erase", _l("Erase them: every answer I gave to this pilot is deleted")),
        ],
        validators=[InputRequired(message=_l("Please choose whether to keep or erase your answers."))],
    )


class EraseKeptAnswersForm(FlaskForm):
    confirm = BooleanField(
        _l("I understand that every answer I gave to this pilot is deleted for good."),
        validators=[InputRequired(message=_l("Tick this box to confirm."))],
    )


class EraseAccountForm(FlaskForm):
    confirm = BooleanField(
        _l("I understand that my account is erased for good and cannot be recovered."),
        validators=[InputRequired(message=_l("Tick this box to confirm."))],
    )


class CorrectionForm(FlaskForm):
    """A coordinator's correction of one answer: the new value comes from the survey's own input (by answer
    key); the reason is required by the service."""

    revision = HiddenField()
    reason = TextAreaField(
        _l("Reason for the correction"),
        description=_l(
            "Required. Kept with the correction and shown in the audit trail, for example: "
            "“The participant wrote 65 h instead of 6.5 h and asked us by phone to correct it.”"
        ),
        render_kw={"rows": 3, "maxlength": 2000},
    )
