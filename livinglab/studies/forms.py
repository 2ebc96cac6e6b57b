"""The study pages' forms. They check types only: every rule on values lives in the services."""

from typing import TYPE_CHECKING, Any

from flask import request
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    FieldList,
    FloatField,
    Form,
    FormField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Optional

from ..schema import ChoiceKind, NumberKind
from ..surveys.definitions import study_variables
from . import allocation, sample_size, sections
from .consent import GDPR_ITEMS, GDPR_KEYS, gdpr_template
from .keys import key_from_label, label_of
from .models import Design, Study, StudyStatus
from .protocol import CATEGORY_LABELS, CNIL_LABELS, DESIGN_LABELS, DOMAIN_LABELS, HYPOTHESIS_LABELS, PROTOCOL  # noqa: F401 (read from here)
from .regulatory import QUESTIONS
from .sites import HELP as SITES_HELP
from .sites import as_lines, from_lines
from .workflow import STATUS_LABELS

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
# For the templates, by field name.
LABELS = {
    "domain": DOMAIN_LABELS,
    "design": DESIGN_LABELS,
    "hypothesis": HYPOTHESIS_LABELS,
    "research_category": CATEGORY_LABELS,
    "cnil_framework": CNIL_LABELS,
    "decision": DECISION_LABELS,
    "decided": DECIDED_LABELS,
    "section": sections.FIXED,
}
NOT_CHOSEN = SelectChoice("", _l("Not chosen yet"))


def _choices(labels: dict, blank: SelectChoice | None = None) -> list[SelectChoice]:
    return ([blank] if blank else []) + [SelectChoice(str(value), label) for value, label in labels.items()]


def lines(text: str | None) -> list[str]:
    """One entry per non-blank line."""
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


class NewStudyForm(FlaskForm):
    title = StringField(_l("Title"), description=_l("A short, plain-language name for the pilot."))
    domain = SelectField(_l("Domain"), choices=_choices(DOMAIN_LABELS), validate_choice=False)


class ErrorSlot:
    """Where a service error about several inputs together is shown (eligibility: ages and criteria)."""

    def __init__(self):
        self.errors = []


KEY_HINT = _l(
    "Lower-case letters, digits and _, starting with a letter. Made from the name when left empty; "
    "the API and the exports use it."
)


class ArmRow(Form):
    """One group of a parallel-group design: what the founder calls it, and its key (under "Advanced")."""

    label = StringField(_l("Name"))
    key = StringField(_l("Key"), description=KEY_HINT)


class TimepointRow(Form):
    """One timepoint: its name, the day its survey opens, and its key (under "Advanced")."""

    label = StringField(_l("Name"))
    days = IntegerField(
        _l("Opens on day"), validators=[Optional()], description=_l("Days after enrolment; 0 or empty: at once.")
    )
    closes = IntegerField(
        _l("Closes on day"),
        validators=[Optional()],
        description=_l("Days after enrolment; empty: 14 days after it opens."),
    )
    key = StringField(_l("Key"), description=KEY_HINT)


BLANK_ROWS = 2  # empty rows offered after the arms and the timepoints; save to get more


def filled_rows(rows, *names) -> list[dict]:
    """The rows someone typed something in, as plain values."""
    out = []
    for row in rows:
        values = {name: row.form[name].data for name in names}
        texts = [str(value).strip() for value in values.values() if value not in (None, "")]
        if texts:
            out.append({name: (value.strip() if isinstance(value, str) else value) for name, value in values.items()})
    return out


def named(keys: list[str], rows: list[dict], group: str) -> dict:
    """The labels to keep: those that say more than the key in words ("follow_up" → "Follow up")."""
    return {
        key: row["label"]
        for key, row in zip(keys, rows, strict=True)
        if row.get("label") and row["label"] != label_of(None, group, key)
    }


def day_list(text: str | None):
    """ "3, 7" as [3, 7]; text that is not whole numbers is sent as it is, for the service to refuse."""
    parts = [part.strip() for part in (text or "").replace(";", ",").split(",") if part.strip()]
    try:
        return [int(part) for part in parts]
    except ValueError:
        return text


def quota_map(text: str | None):
    """ "65+: 20, <40: 10" as {"65+": 20, "<40": 10}; text that is not that is sent as it is, for the service to
    refuse."""
    out = {}
    for part in (text or "").replace(";", ",").replace("\n", ",").split(","):
        if not part.strip():
            continue
        group, colon, number = part.rpartition(":")
        if not colon or not group.strip() or not number.strip().isdigit():
            return text
        out[group.strip()] = int(number.strip())
    return out


def keyed(rows: list[dict], fallback: str) -> list[str]:
    """Each row's key: the one typed under "Advanced", or one made from its name."""
    keys: list[str] = []
    typed = {row["key"] for row in rows if row.get("key")}
    for row in rows:
        keys.append(row["key"] or key_from_label(row.get("label") or "", keys + sorted(typed), fallback=fallback))
    return keys


SAMPLE_SIZE_INPUTS = (
    "sample_size_method",
    *(f"sample_size_{name}" for name in sample_size.NUMBERS),
    "sample_size_justification",
)


class ProtocolFormBase(FlaskForm):
    """The protocol's inputs that are not one field each: rows of arms and timepoints, the eligibility's
    parts, the primary outcome's variable and hypothesis. Every other input comes from `protocol.PROTOCOL`."""

    arms = FieldList(FormField(ArmRow), max_entries=6 + BLANK_ROWS)
    timepoints = FieldList(FormField(TimepointRow), max_entries=10 + BLANK_ROWS)
    min_age = IntegerField(_l("Minimum age"), validators=[Optional()])
    max_age = IntegerField(_l("Maximum age"), validators=[Optional()], description=_l("Leave empty for no limit."))
    reminder_days = StringField(
        _l("Reminders"),
        description=_l(
            "Days after a survey opens on which participants who have not answered it are reminded, separated "
            "by commas (e.g. 3, 7); empty: no reminder. None is sent once the survey has closed."
        ),
    )
    criteria = TextAreaField(
        _l("Other eligibility criteria"),
        description=_l("One per line; each participant confirms them before consenting."),
    )
    primary_variable = StringField(
        _l("Key of the question you will ask"),
        description=_l(
            "Only if you must register it before writing the surveys: the key the question will have, e.g. sleep_hours."
        ),
    )
    hypothesis = SelectField(_l("Hypothesis"), choices=_choices(HYPOTHESIS_LABELS, NOT_CHOSEN), validate_choice=False)
    # The allocation (studies/allocation.py): the arms' ratio and the age strata, one `allocation` field
    allocation_ratio = StringField(
        _l("Allocation ratio"),
        description=_l("Each group's share, in the order of the groups, e.g. 1:2 (empty: equal shares)."),
    )
    allocation_strata = StringField(
        _l("Stratify by age"),
        description=_l(
            "The ages at which a new stratum starts, e.g. 40, 65 for under 40, 40 to 64, 65 and over (empty: no "
            "strata). The groups are balanced within each stratum."
        ),
    )
    allocation_quotas = StringField(
        _l("Quotas by age group"),
        description=_l(
            "At most so many participants in an age group of the strata, e.g. 65+: 20 (groups: <40, 40-64, 65+ for "
            "strata at 40 and 65); empty: no quota."
        ),
    )
    allocation_site_quotas = StringField(
        _l("Quotas by site"),
        description=_l("At most so many participants at a site, by its key, e.g. ward_3: 30; empty: no quota."),
    )
    allocation_by_site = BooleanField(
        _l("Stratify by site"),
        description=_l("Randomise within each site (and each age group within it), each with its own blocks."),
    )
    # Where the pilot runs (studies/sites.py): one site a line, "key | name" or a name
    sites = TextAreaField(_l("Sites"), description=SITES_HELP)
    # The sample size (studies/sample_size.py): how the target enrolment was planned
    sample_size_method = SelectField(
        _l("How was the target enrolment planned?"),
        choices=_choices(sample_size.METHODS, SelectChoice("", _l("Not stated"))),
        validate_choice=False,
    )
    sample_size_effect = FloatField(
        sample_size.ASSUMPTIONS["effect"],
        validators=[Optional()],
        description=_l("In the outcome's units: the mean change (one group) or the difference between the groups."),
        render_kw={"step": "any"},
    )
    sample_size_sd = FloatField(
        sample_size.ASSUMPTIONS["sd"],
        validators=[Optional()],
        description=_l("Of the changes (one group) or of the outcome in each group, from earlier studies."),
        render_kw={"step": "any", "min": 0},
    )
    sample_size_correlation = FloatField(
        sample_size.ASSUMPTIONS["correlation"],
        validators=[Optional()],
        description=_l("ANCOVA only: between the baseline and final measures, e.g. 0.5."),
        render_kw={"step": "any", "min": -1, "max": 1},
    )
    sample_size_p_control = FloatField(
        sample_size.ASSUMPTIONS["p_control"],
        validators=[Optional()],
        description=_l("Two proportions only: between 0 and 1, e.g. 0.30."),
        render_kw={"step": "any", "min": 0, "max": 1},
    )
    sample_size_p_intervention = FloatField(
        sample_size.ASSUMPTIONS["p_intervention"],
        validators=[Optional()],
        render_kw={"step": "any", "min": 0, "max": 1},
    )
    sample_size_power = FloatField(
        sample_size.ASSUMPTIONS["power"],
        validators=[Optional()],
        description=_l("Between 0.5 and 0.99; empty: 0.8."),
        render_kw={"step": "any", "min": 0.5, "max": 0.99},
    )
    sample_size_justification = TextAreaField(
        _l("Justification"),
        description=_l(
            "Where the assumptions come from (earlier studies, the smallest change that matters), or why a feasibility pilot needs no more."
        ),
    )

    # The form's inputs that make each field of the service, when they are not one to one.
    SOURCES = {
        "arms": ("arms",),
        "timepoints": ("timepoints",),
        "timepoint_delays": ("timepoints",),
        "timepoint_closes": ("timepoints",),
        "reminder_days": ("reminder_days",),
        "labels": ("arms", "timepoints"),
        "eligibility": ("min_age", "max_age", "criteria"),
        "primary_outcome": ("primary_variable", "hypothesis"),
        "qualification": tuple(f"qualification_{q.key}" for q in QUESTIONS),
        "sample_size": SAMPLE_SIZE_INPUTS,
        "allocation": ("allocation_ratio", "allocation_strata", "allocation_quotas", "allocation_site_quotas"),
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.eligibility = ErrorSlot()  # the service checks ages and criteria as one `eligibility` field
        self.arm_errors, self.timepoint_errors = ErrorSlot(), ErrorSlot()  # about all the rows together
        self.qualification = ErrorSlot()  # the questionnaire's answers are one `qualification` field
        self.sample_size = ErrorSlot()  # the method, its assumptions and the justification are one field
        self.allocation = ErrorSlot()  # the ratio and the strata are one field

    def study_data(self, skip=()) -> dict:
        """The form as the body `services.save_draft` takes, with the API's field names; the fields in
        `skip` (whose inputs could not even be read, e.g. letters in a number) are left out."""
        data = {f.name: self[f.name].data for f in SIMPLE_FIELDS if not sent_only(f)}
        arms = filled_rows(self.arms, "label", "key")
        arm_keys = keyed(arms, "group")
        timepoints = filled_rows(self.timepoints, "label", "days", "closes", "key")
        timepoint_keys = keyed(timepoints, "timepoint")
        if arms or self.design.data != Design.SINGLE_GROUP_PRE_POST:
            data["arms"] = arm_keys  # a single group needs no name: the service keeps its one arm
        data.update(
            timepoints=timepoint_keys,
            timepoint_delays={
                key: row["days"]
                for key, row in zip(timepoint_keys, timepoints, strict=True)
                if row["days"] not in (None, "")
            },
            timepoint_closes={
                key: row["closes"]
                for key, row in zip(timepoint_keys, timepoints, strict=True)
                if row["closes"] not in (None, "")
            },
            labels={
                "arms": named(arm_keys, arms, "arms"),
                "timepoints": named(timepoint_keys, timepoints, "timepoints"),
            },
            eligibility={
                "min_age": self.min_age.data,
                "max_age": self.max_age.data,
                "criteria": lines(self.criteria.data),
            },
            primary_outcome={
                "variable": (self.primary_variable.data or "").strip() or None,
                "hypothesis": self.hypothesis.data or None,
            },
        )
        if any(self[name].raw_data for name in SAMPLE_SIZE_INPUTS):  # a form without them keeps the value
            data["sample_size"] = sample_size_data(self)
        if self.allocation_ratio.raw_data or self.allocation_strata.raw_data or self.allocation_quotas.raw_data:
            ratio = day_list((self.allocation_ratio.data or "").replace(":", ","))
            data["allocation"] = {
                "ratio": ratio or None,
                "age_strata": day_list(self.allocation_strata.data),
                "quotas": quota_map(self.allocation_quotas.data),
                "by_site": bool(self.allocation_by_site.data),
                "site_quotas": quota_map(self.allocation_site_quotas.data),
            }
        if self.sites.raw_data:  # sent, even empty (no site); absent keeps the value
            data["sites"] = from_lines(self.sites.data)
        if self.reminder_days.raw_data:  # sent, even empty (no reminder); absent keeps the value
            data["reminder_days"] = day_list(self.reminder_days.data)
        if any(self[name].raw_data for name in self.SOURCES["qualification"]):  # a form without it keeps the answers
            data["qualification"] = qualification_answers(self)
        for f in SIMPLE_FIELDS:
            if sent_only(f) and self[f.name].raw_data:  # sent, even empty (the service then says it is required)
                data[f.name] = self[f.name].data
        for name in skip:
            data.pop(name, None)
        return data

    def unreadable(self) -> dict[str, str]:
        """The service fields whose inputs the form could not read (a word in a number field), with why."""
        out: dict[str, str] = {}
        for name, errors in self.errors.items():
            if name == "csrf_token":
                continue
            message = _first_message(errors)
            service_names = [service for service, inputs in self.SOURCES.items() if name in inputs] or [name]
            for service in service_names:
                if service in ("labels", "timepoint_delays", "timepoint_closes"):
                    continue  # reported with their arms and timepoints
                out.setdefault(service, message)
        if "timepoints" in out:
            out.setdefault("timepoint_delays", out["timepoints"])
            out.setdefault("timepoint_closes", out["timepoints"])
            out.setdefault("labels", out["timepoints"])
        return out


def _first_message(errors) -> str:
    """The first message of a field's errors, however nested (a list of rows of fields)."""
    if isinstance(errors, dict):
        errors = list(errors.values())
    for error in errors:
        if isinstance(error, (list, dict)):
            found = _first_message(error)
            if found:
                return found
        elif error:
            return str(error)
    return ""


SIMPLE_FIELDS = [f for f in PROTOCOL if f.simple]


def sample_size_data(form) -> dict | None:
    """The sample size inputs as the service's `sample_size` object; null when nothing is stated."""
    method = form.sample_size_method.data or None
    numbers = {name: form[f"sample_size_{name}"].data for name in sample_size.NUMBERS}
    justification = (form.sample_size_justification.data or "").strip() or None
    if method is None and justification is None and all(value is None for value in numbers.values()):
        return None
    return {"method": method, **numbers, "justification": justification}


def sample_size_initial(spec: dict | None) -> dict:
    spec = spec or {}
    return {
        "sample_size_method": spec.get("method") or "",
        **{f"sample_size_{name}": spec.get(name) for name in sample_size.NUMBERS},
        "sample_size_justification": spec.get("justification") or "",
    }


# The qualification questionnaire: a radio group per question (studies/regulatory.py); yes/no answers
# travel as "yes" and "no", an unanswered question as nothing.
YES_NO = [SelectChoice("yes", _l("Yes")), SelectChoice("no", _l("No"))]


def qualification_inputs() -> dict:
    return {
        f"qualification_{q.key}": RadioField(
            q.text,
            choices=YES_NO if q.yes_no else _choices(q.options),
            description=q.help,
            validate_choice=False,
        )
        for q in QUESTIONS
    }


def qualification_answers(form) -> dict:
    """The questionnaire's radio groups as the service's `qualification` object."""
    out = {}
    for q in QUESTIONS:
        raw = form[f"qualification_{q.key}"].data or None
        out[q.key] = {"yes": True, "no": False}.get(str(raw), raw) if q.yes_no else raw
    return out


def qualification_initial(answers: dict | None) -> dict:
    answers = answers or {}
    out = {}
    for q in QUESTIONS:
        answer = answers.get(q.key)
        out[f"qualification_{q.key}"] = ("yes" if answer else "no") if q.yes_no and answer is not None else answer
    return out


def sent_only(f) -> bool:
    """A required number (alpha) or choice (the primary analysis) is read only when its input was sent: an
    absent one keeps the value."""
    return isinstance(f.kind, (NumberKind, ChoiceKind)) and f.kind.required


# The editor's form: a field per simple declaration, in the declarations' order, then the inputs above.
if TYPE_CHECKING:  # the checker knows the base; the fields are made at run time
    ProtocolForm = ProtocolFormBase
else:
    ProtocolForm = type(
        "ProtocolForm",
        (ProtocolFormBase,),
        {
            "__doc__": "Every field of the protocol.",
            **{f.name: f.form_field() for f in SIMPLE_FIELDS},
            **qualification_inputs(),
        },
    )


class ProtocolFormWithVariables(ProtocolForm):
    """The editor once the surveys ask numeric questions: the primary outcome is picked among them."""

    primary_variable = SelectField(
        _l("Primary outcome variable"),
        validate_choice=False,
        description=_l(
            "The numeric questions, instrument scores and computed scores of your surveys, with the timepoints that "
            "ask them."
        ),
    )


def protocol_initial(study: Study) -> dict:
    """The study as the editor's fields."""
    eligibility = study.eligibility or {}
    data = {f.name: f.kind.initial(getattr(study, f.name)) for f in SIMPLE_FIELDS}
    data["hypothesis"] = str(study.hypothesis) if study.hypothesis else ""
    delays, closes = study.timepoint_delays or {}, study.timepoint_closes or {}
    data.update(
        arms=[{"label": label_of(study.labels, "arms", key), "key": key} for key in study.arms or []]
        + [{}] * BLANK_ROWS,
        timepoints=[
            {
                "label": label_of(study.labels, "timepoints", tp),
                "days": delays.get(tp),
                "closes": closes.get(tp),
                "key": tp,
            }
            for tp in study.timepoints or []
        ]
        + [{}] * BLANK_ROWS,
        min_age=eligibility.get("min_age"),
        max_age=eligibility.get("max_age"),
        criteria="\n".join(eligibility.get("criteria") or []),
        reminder_days=", ".join(str(day) for day in study.reminder_days or []),
        primary_variable=study.primary_variable or "",
    )
    data.update(qualification_initial(study.qualification))
    data.update(sample_size_initial(study.sample_size))
    spec = allocation.of(study)
    data.update(
        allocation_ratio=":".join(str(share) for share in spec["ratio"] or []),
        allocation_strata=", ".join(str(age) for age in spec["age_strata"]),
        allocation_quotas=", ".join(f"{group}: {n}" for group, n in spec["quotas"].items()),
        allocation_by_site=bool(spec.get("by_site")),
        allocation_site_quotas=", ".join(f"{key}: {n}" for key, n in spec.get("site_quotas", {}).items()),
        sites=as_lines(study.sites or []),
    )
    return data


def protocol_form(study: Study, **kwargs) -> ProtocolForm:
    """The protocol editor, with a list of the surveys' numeric variables when there are some."""
    variables = [var for var in study_variables(study.surveys, study.timepoints).values() if var.numeric]
    if not variables:
        return ProtocolForm(**kwargs)
    form = ProtocolFormWithVariables(**kwargs)
    choices = [NOT_CHOSEN] + [
        SelectChoice(
            var.key,
            _l(
                "%(question)s (asked at %(timepoints)s)",
                question=var.label,
                timepoints=", ".join(label_of(study.labels, "timepoints", tp) for tp in var.timepoints),
            ),
        )
        for var in variables
    ]
    current = study.primary_variable
    if current and current not in {var.key for var in variables}:
        choices.append(SelectChoice(current, _l("%(key)s (not asked as a number in any survey)", key=current)))
    form.primary_variable.choices = choices
    return form


class ClauseForm(Form):
    key = StringField(
        _l("Key"),
        description=_l(
            "The clause's name in the API and the consent records: lower-case letters, digits and _. Made from the "
            "text when left empty."
        ),
    )
    text = TextAreaField(_l("What the participant agrees to"))
    required = BooleanField(_l("Required to take part"), default=True)


class ConsentForm(FlaskForm):
    text = TextAreaField(
        _l("Information for participants"),
        description=_l(
            "Plain language: what the pilot is, what taking part means, the risks, how data are used, "
            "and that they may withdraw at any time."
        ),
    )
    clauses = FieldList(FormField(ClauseForm))
    on_erasure = RadioField(
        _l("When the retention period ends, or a participant erases their account, their answers are"),
        choices=[
            SelectChoice("erase", _l("Erased")),
            SelectChoice("anonymise", _l("Anonymised: kept without any link to the person or their participant code")),
        ],
        default="erase",
        validate_choice=False,
    )
    keep_free_text = BooleanField(
        _l("Anonymised answers keep their free text"),
        description=_l("Otherwise the answers to free-text questions are removed when the answers are anonymised."),
    )

    def filled_clauses(self) -> tuple[list[dict], list[int]]:
        """The clauses to save, and the row each came from; rows left blank are ignored; a clause
        without a key gets one made from its text."""
        clauses: list[dict[str, Any]] = []
        rows: list[int] = []
        for index, row in enumerate(self.clauses):
            key, text = (row.key.data or "").strip(), (row.text.data or "").strip()
            if key or text:
                clauses.append({"key": key, "text": text, "required": bool(row.required.data)})
                rows.append(index)
        typed = {clause["key"] for clause in clauses if clause["key"]}
        made: list[str] = []
        for clause in clauses:
            if not clause["key"]:
                clause["key"] = key_from_label(
                    clause["text"], sorted(typed) + made, fallback="clause", max_words=3, drop_stop_words=True
                )
                made.append(clause["key"])
        return clauses, rows


BLANK_CLAUSE_ROWS = 3


def consent_initial(study: Study) -> dict:
    consent = study.current_consent
    clauses = [dict(clause) for clause in consent.clauses] if consent else []
    return {
        "text": consent.text if consent else "",
        "clauses": clauses + [{}] * BLANK_CLAUSE_ROWS,
        "on_erasure": consent.on_erasure if consent else "erase",
        "keep_free_text": consent.keep_free_text if consent else False,
        **gdpr_initial(study),
    }


# --- The consent's GDPR information items (studies/consent.py): one text area each -----------------------


for _key, _label in GDPR_ITEMS:
    setattr(ConsentForm, f"gdpr_{_key}", TextAreaField(_label))


def gdpr_fields(form: ConsentForm) -> list:
    """The GDPR items' fields, in the order of `GDPR_ITEMS`."""
    return [form[f"gdpr_{key}"] for key in GDPR_KEYS]


def gdpr_answers(form: ConsentForm) -> dict[str, str]:
    return {key: form[f"gdpr_{key}"].data or "" for key in GDPR_KEYS}


def gdpr_initial(study: Study) -> dict:
    """The current version's items, or the template prefilled from the protocol (a version without them, or
    none yet), so that the editor starts from every mandatory item."""
    consent = study.current_consent
    given = consent.gdpr if consent is not None and consent.gdpr is not None else gdpr_template(study)
    return {f"gdpr_{key}": given.get(key, "") for key in GDPR_KEYS}


class DecisionForm(FlaskForm):
    decision = RadioField(_l("Decision"), choices=_choices(DECISION_LABELS), validate_choice=False)
    comment = TextAreaField(_l("Comment to the startup"), description=_l("Required unless you approve."))

    # A comment box under each section of the page: `section-<name>` (studies/sections.py), checked by the service
    PREFIX = "section-"

    def section_comments(self) -> dict:
        return {
            name[len(self.PREFIX) :]: body
            for name, body in request.form.items()
            if name.startswith(self.PREFIX) and body.strip()
        }


class ReplyForm(FlaskForm):
    """The response letter: a reply box `reply-<comment id>` under each comment of the last decision."""

    PREFIX = "reply-"

    def replies(self) -> dict[int, str]:
        """The replies posted, by comment id; a box that is not named by an id is not a reply."""
        out = {}
        for name, text in request.form.items():
            number = name.removeprefix(self.PREFIX)
            if name.startswith(self.PREFIX) and number.isascii() and number.isdigit() and len(number) < 12:
                out[int(number)] = text
        return out


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

    reason = TextAreaField(
        _l("Why the pilot ends"),
        description=_l("Kept in the pilot's history. For example: every follow-up is done; or why it stops early."),
    )


class AmendmentForm(FlaskForm):
    reason = TextAreaField(
        _l("Why the protocol changes"),
        description=_l("The reviewer reads it; a change of the primary outcome or design is reported with it."),
    )


class PostponePurgeForm(FlaskForm):
    """A coordinator moves a pilot's purge to a later day, always with a reason (checked by the service)."""

    until = StringField(_l("New purge date"), description=_l("YYYY-MM-DD, after the current purge date."))
    reason = StringField(_l("Reason"), description=_l("Kept in the pilot's history and shown to the startup."))
