"""The data-quality page's forms: exclude a response (from the list, or by code and survey), undo it."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField, StringField, TextAreaField

from ..urls import form_id
from .services import REASON_MAX


class ExclusionForm(FlaskForm):
    """A response named by its id (a flagged one's button) or by a participant code and a survey; the reason is
    required by the service."""

    response_id = HiddenField()
    participant_code = StringField(_l("Participant code"), render_kw={"maxlength": 16, "autocomplete": "off"})
    survey = SelectField(_l("Survey"), choices=[], validate_choice=False)
    reason = TextAreaField(
        _l("Reason for the exclusion"),
        description=_l(
            "Required. Kept with the exclusion and in the audit trail, and shown to the participant in their own data "
            "(never who excluded it), for example: “The participant told us they answered for someone else.”"
        ),
        render_kw={"rows": 2, "maxlength": REASON_MAX},
    )

    def target(self) -> dict:
        """The response as the service takes it: by id when the button carried one, else by code and survey."""
        raw = (self.response_id.data or "").strip()
        if raw:
            return {"response_id": form_id(raw) or -1}
        return {"participant_code": (self.participant_code.data or "").strip(), "survey": self.survey.data or ""}
