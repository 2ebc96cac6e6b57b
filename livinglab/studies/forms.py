"""The study pages' forms. They check types only: every rule on values lives in the services."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (BooleanField, FieldList, FloatField, Form, FormField, IntegerField, RadioField, SelectField,
                     StringField, TextAreaField)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Optional

from ..surveys.definitions import study_variables
from .models import CnilFramework, Design, Domain, Hypothesis, ResearchCategory, ReviewSection, Study, StudyStatus
from .workflow import STATUS_LABELS

DOMAIN_LABELS = {Domain.EHEALTH: _l("E-health"), Domain.FOODTECH: _l("Foodtech")}
DESIGN_LABELS = {
    Design.SINGLE_GROUP_PRE_POST: _l("Single group, before and after"),
    Design.PARALLEL_GROUPS: _l("Parallel groups, randomised"),
}
HYPOTHESIS_LABELS = {
    Hypothesis.INCREASE: _l("The outcome increases"),
    Hypothesis.DECREASE: _l("The outcome decreases"),
    Hypothesis.CHANGE: _l("The outcome changes, either way"),
}
CATEGORY_LABELS = {
    ResearchCategory.RIPH1: _l("RIPH 1: interventional research"),
    ResearchCategory.RIPH2: _l("RIPH 2: minimal risks and constraints"),
    ResearchCategory.RIPH3: _l("RIPH 3: non-interventional research"),
    ResearchCategory.NOT_RIPH: _l("Not research involving the human person"),
}
CNIL_LABELS = {
    CnilFramework.MR001: _l("MR-001 reference methodology"),
    CnilFramework.MR003: _l("MR-003 reference methodology"),
    CnilFramework.MR004: _l("MR-004 reference methodology"),
    CnilFramework.AUTHORISATION: _l("A specific CNIL authorisation"),
}
DECISION_LABELS = {
    "approve": _l("Approve"),
    "request_changes": _l("Request changes"),
    "reject": _l("Reject"),
}
DECIDED_LABELS = {
    "approve": STATUS_LABELS[StudyStatus.APPROVED],
    "request_changes": STATUS_LABELS[StudyStatus.CHANGES_REQUESTED],
    "reject": STATUS_LABELS[StudyStatus.REJECTED],
}
SECTION_LABELS = {
    ReviewSection.GENERAL: _l("Decision"),
    ReviewSection.DESIGN: _l("Design"),
    ReviewSection.CONSENT: _l("Consent form"),
    ReviewSection.SURVEYS: _l("Surveys"),
    ReviewSection.DATA_PROTECTION: _l("Data protection"),
}
# For the templates, by field name.
LABELS = {"domain": DOMAIN_LABELS, "design": DESIGN_LABELS, "hypothesis": HYPOTHESIS_LABELS,
          "research_category": CATEGORY_LABELS, "cnil_framework": CNIL_LABELS, "decision": DECISION_LABELS,
          "decided": DECIDED_LABELS, "section": SECTION_LABELS}
NOT_CHOSEN = SelectChoice("", _l("Not chosen yet"))


def _choices(labels: dict, blank: SelectChoice | None = None) -> list[SelectChoice]:
    return ([blank] if blank else []) + [SelectChoice(str(value), label) for value, label in labels.items()]


def lines(text: str | None) -> list[str]:
    """One entry per non-blank line."""
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def timepoints_and_delays(text: str | None) -> dict:
    """Lines "name" or "name: days" as the service's `timepoints` and `timepoint_delays`."""
    names, delays = [], {}
    for line in lines(text):
        name, _sep, days = line.partition(":")
        names.append(name.strip())
        if days.strip():
            delays[name.strip()] = int(days) if days.strip().isdigit() else days.strip()
    return {"timepoints": names, "timepoint_delays": delays}


def _long(label, description=None):
    return TextAreaField(label, description=description)


class NewStudyForm(FlaskForm):
    title = StringField(_l("Title"), description=_l("A short, plain-language name for the pilot."))
    domain = SelectField(_l("Domain"), choices=_choices(DOMAIN_LABELS), validate_choice=False)


class ErrorSlot:
    """Where a service error about several inputs together is shown (eligibility: ages and criteria)."""

    def __init__(self):
        self.errors = []


class ProtocolForm(FlaskForm):
    """Every field of the protocol, in the order the editor shows them."""
    # The protocol
    title = StringField(_l("Title"))
    domain = SelectField(_l("Domain"), choices=_choices(DOMAIN_LABELS), validate_choice=False)
    summary = _long(_l("Plain-language summary"), _l("What a citizen reads first in the catalogue."))
    objectives = _long(_l("Objectives"))
    intervention = _long(_l("Intervention"), _l("What participants use or do, how often, for how long."))
    risks = _long(_l("Risks and how they are reduced"))
    duration = _long(_l("Duration"), _l("How long one participant takes part, and how many surveys."))
    location = _long(_l("Place"), _l("Where the pilot takes place (at home, online, a canteen…)."))
    compensation = _long(_l("Compensation"), _l("What participants gain or are paid; write “nothing” if so."))
    # Design
    design = SelectField(_l("Design"), choices=_choices(DESIGN_LABELS), validate_choice=False)
    arms = TextAreaField(_l("Arms"), description=_l(
        "One per line: lower-case letters, digits and _. A single-group design has one arm; "
        "with parallel groups the first arm is the control."))
    timepoints = TextAreaField(_l("Timepoints"), description=_l(
        "One per line, in order, e.g. baseline then follow_up; lower-case letters, digits and _. "
        "Add “: N” to open a timepoint's surveys N days after enrolment, e.g. follow_up: 28."))
    target_enrolment = IntegerField(_l("Target enrolment"), validators=[Optional()],
                                    description=_l("How many participants you need."))
    min_age = IntegerField(_l("Minimum age"), validators=[Optional()])
    max_age = IntegerField(_l("Maximum age"), validators=[Optional()], description=_l("Leave empty for no limit."))
    criteria = TextAreaField(_l("Other eligibility criteria"), description=_l(
        "One per line; each participant confirms them before consenting."))
    # Primary outcome
    primary_variable = StringField(_l("Primary outcome variable"), description=_l(
        "No survey asks a numeric question yet: type the key of the question you will ask "
        "(e.g. sleep_hours), or add the surveys first and pick it here."))
    hypothesis = SelectField(_l("Hypothesis"), choices=_choices(HYPOTHESIS_LABELS, NOT_CHOSEN),
                             validate_choice=False)
    alpha = FloatField(_l("Significance level (alpha)"), validators=[Optional()],
                       description=_l("Usually 0.05."))
    # Data protection and regulatory frame
    data_collected = _long(_l("Data collected and why"), _l("Each datum you collect and what it is needed for."))
    research_category = SelectField(_l("Category of research"), choices=_choices(CATEGORY_LABELS, NOT_CHOSEN),
                                    validate_choice=False)
    cnil_framework = SelectField(_l("CNIL framework"), choices=_choices(CNIL_LABELS, NOT_CHOSEN),
                                 validate_choice=False)
    cnil_reference = StringField(_l("CNIL reference"), description=_l(
        "The compliance declaration or authorisation number, if any."))
    ethics_opinion = StringField(_l("Ethics committee (CPP) opinion"), description=_l(
        "The reference of the favourable opinion; required for RIPH 1, 2 and 3."))
    dpia_done = BooleanField(_l("A data protection impact assessment (DPIA) has been carried out"))
    retention_months = IntegerField(_l("Data retention (months)"), validators=[Optional()])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.eligibility = ErrorSlot()  # the service checks ages and criteria as one `eligibility` field

    def study_data(self) -> dict:
        """The form as the body `services.update_study` takes, with the API's field names."""
        data = {name: self[name].data for name in (
            "title", "domain", "design", "summary", "objectives", "intervention", "risks", "duration", "location",
            "compensation", "data_collected", "target_enrolment", "research_category", "cnil_framework",
            "cnil_reference", "ethics_opinion", "dpia_done", "retention_months")}
        data.update(
            arms=lines(self.arms.data),
            **timepoints_and_delays(self.timepoints.data),
            eligibility={"min_age": self.min_age.data, "max_age": self.max_age.data,
                         "criteria": lines(self.criteria.data)},
            primary_outcome={"variable": (self.primary_variable.data or "").strip() or None,
                             "hypothesis": self.hypothesis.data or None},
        )
        if self.alpha.raw_data:  # sent, even empty (the service then says it is required)
            data["alpha"] = self.alpha.data
        return data


class ProtocolFormWithVariables(ProtocolForm):
    """The editor once the surveys ask numeric questions: the primary outcome is picked among them."""
    primary_variable = SelectField(_l("Primary outcome variable"), validate_choice=False, description=_l(
        "The numeric questions and instrument scores of your surveys, with the timepoints that ask them."))


def protocol_initial(study: Study) -> dict:
    """The study as the editor's fields."""
    eligibility = study.eligibility or {}
    data = {name: getattr(study, name) for name in (
        "title", "summary", "objectives", "intervention", "risks", "duration", "location", "compensation",
        "data_collected", "target_enrolment", "cnil_reference", "ethics_opinion", "dpia_done",
        "retention_months", "alpha")}
    for name in ("domain", "design", "hypothesis", "research_category", "cnil_framework"):
        value = getattr(study, name)
        data[name] = str(value) if value else ""
    delays = study.timepoint_delays or {}
    data.update(arms="\n".join(study.arms or []),
                timepoints="\n".join(f"{tp}: {delays[tp]}" if delays.get(tp) else tp for tp in study.timepoints or []),
                min_age=eligibility.get("min_age"), max_age=eligibility.get("max_age"),
                criteria="\n".join(eligibility.get("criteria") or []),
                primary_variable=study.primary_variable or "")
    return data


def protocol_form(study: Study, **kwargs) -> ProtocolForm:
    """The protocol editor, with a list of the surveys' numeric variables when there are some."""
    variables = [var for var in study_variables(study.surveys, study.timepoints).values() if var.numeric]
    if not variables:
        return ProtocolForm(**kwargs)
    form = ProtocolFormWithVariables(**kwargs)
    choices = [NOT_CHOSEN] + [SelectChoice(var.key, f"{var.key}: {var.label} ({', '.join(var.timepoints)})")
                              for var in variables]
    current = study.primary_variable
    if current and current not in {var.key for var in variables}:
        choices.append(SelectChoice(current, _l("%(key)s (not asked as a number in any survey)", key=current)))
    form.primary_variable.choices = choices
    return form


class ClauseForm(Form):
    key = StringField(_l("Key"), description=_l("Lower-case letters, digits and _, e.g. data_use."))
    text = TextAreaField(_l("What the participant agrees to"))
    required = BooleanField(_l("Required to take part"), default=True)


class ConsentForm(FlaskForm):
    text = TextAreaField(_l("Information for participants"), description=_l(
        "Plain language: what the pilot is, what taking part means, the risks, how data are used, "
        "and that they may withdraw at any time."))
    clauses = FieldList(FormField(ClauseForm))

    def filled_clauses(self) -> tuple[list[dict], list[int]]:
        """The clauses to save, and the row each came from; rows left blank are ignored."""
        clauses, rows = [], []
        for index, row in enumerate(self.clauses):
            key, text = (row.key.data or "").strip(), (row.text.data or "").strip()
            if key or text:
                clauses.append({"key": key, "text": text, "required": bool(row.required.data)})
                rows.append(index)
        return clauses, rows


BLANK_CLAUSE_ROWS = 3


def consent_initial(study: Study) -> dict:
    consent = study.current_consent
    clauses = [dict(clause) for clause in consent.clauses] if consent else []
    return {"text": consent.text if consent else "", "clauses": clauses + [{}] * BLANK_CLAUSE_ROWS}


class DecisionForm(FlaskForm):
    decision = RadioField(_l("Decision"), choices=_choices(DECISION_LABELS), validate_choice=False)
    comment = TextAreaField(_l("Comment to the startup"), description=_l("Required unless you approve."))
    design = TextAreaField(SECTION_LABELS[ReviewSection.DESIGN])
    consent = TextAreaField(SECTION_LABELS[ReviewSection.CONSENT])
    surveys = TextAreaField(SECTION_LABELS[ReviewSection.SURVEYS])
    data_protection = TextAreaField(SECTION_LABELS[ReviewSection.DATA_PROTECTION])

    SECTIONS = ("design", "consent", "surveys", "data_protection")

    def section_comments(self) -> dict:
        return {name: self[name].data or "" for name in self.SECTIONS if (self[name].data or "").strip()}


class RecruitmentForm(FlaskForm):
    state = StringField()


class StudyFilterForm(Form):
    """The coordinator's overview filters: a GET form, so no CSRF token."""
    status = SelectField(_l("Status"), choices=_choices(STATUS_LABELS, SelectChoice("", _l("Any status"))))
    domain = SelectField(_l("Domain"), choices=_choices(DOMAIN_LABELS, SelectChoice("", _l("Any domain"))))

    def __init__(self, formdata=None, **kwargs):
        super().__init__(formdata, **kwargs)
        # An unknown value in the address is ignored rather than an error.
        for field in (self.status, self.domain):
            if field.data not in {choice.value for choice in field.choices}:
                field.data = ""


class EndStudyForm(FlaskForm):
    """Ending a pilot: a reason, always (the service refuses an empty one)."""
    reason = TextAreaField(_l("Why the pilot ends"),
                           description=_l("Kept in the pilot's history. For example: every follow-up is done; "
                                          "or why it stops early."))
