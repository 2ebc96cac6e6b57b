"""What a protocol is: each field declared once, in the order the editor and the protocol page show
them. The API's validation and its OpenAPI description (pydantic models), the editor's form, the
columns of new fields, the submission checklist, the registration hash input, the protocol page and
the public page are all derived from `PROTOCOL` (see `livinglab.schema`).

Adding a field: one `Field(...)` line below, and an Alembic migration for its column."""

from datetime import datetime
from typing import Annotated, Literal

from flask_babel import LazyString
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from pydantic import Field as Limits

from .. import schema as s
from .. import validation as v
from ..schema import Field, Key
from ..surveys.definitions import study_variables
from . import allocation, pilot_languages, regulatory, sample_size, sites
from .enums import (
    CnilFramework,
    ConsentMode,
    CppDecision,
    Design,
    Domain,
    HealthDataException,
    Hypothesis,
    LegalBasis,
    MedicalDevice,
    PrimaryAnalysis,
    ResearchCategory,
    SecondaryAdjustment,
)

LONG_TEXT = 10_000

DOMAIN_LABELS: dict[str, LazyString] = {Domain.EHEALTH: _l("E-health"), Domain.FOODTECH: _l("Foodtech")}
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
    ResearchCategory.OUTSIDE_JARDE: _l("Outside the Jardé law (e.g. a satisfaction survey)"),
}
CNIL_LABELS = {
    CnilFramework.MR001: _l("MR-001 reference methodology"),
    CnilFramework.MR003: _l("MR-003 reference methodology"),
    CnilFramework.MR004: _l("MR-004 reference methodology"),
    CnilFramework.AUTHORISATION: _l("A specific CNIL authorisation"),
    CnilFramework.NONE: _l("None: the GDPR only"),
}
CPP_DECISION_LABELS = {
    CppDecision.FAVOURABLE: _l("Favourable"),
    CppDecision.UNFAVOURABLE: _l("Unfavourable"),
    CppDecision.PENDING: _l("Pending"),
}
DEVICE_LABELS = {
    MedicalDevice.NONE: _l("No medical device"),
    MedicalDevice.CE_WITHIN_PURPOSE: _l("A CE-marked device, used for its CE purpose"),
    MedicalDevice.CE_OUTSIDE_PURPOSE: _l("A CE-marked device, used outside its CE purpose"),
    MedicalDevice.NOT_CE_MARKED: _l("A device without CE marking"),
}
LEGAL_BASIS_LABELS = {
    LegalBasis.CONSENT: _l("Consent (art. 6(1)(a))"),
    LegalBasis.CONTRACT: _l("A contract (art. 6(1)(b))"),
    LegalBasis.LEGAL_OBLIGATION: _l("A legal obligation (art. 6(1)(c))"),
    LegalBasis.VITAL_INTERESTS: _l("Vital interests (art. 6(1)(d))"),
    LegalBasis.PUBLIC_TASK: _l("A task in the public interest (art. 6(1)(e))"),
    LegalBasis.LEGITIMATE_INTERESTS: _l("Legitimate interests (art. 6(1)(f))"),
}
HEALTH_DATA_LABELS = {
    HealthDataException.NO_HEALTH_DATA: _l("No health data (nor other special category)"),
    HealthDataException.EXPLICIT_CONSENT: _l("Explicit consent (art. 9(2)(a))"),
    HealthDataException.PUBLIC_INTEREST_HEALTH: _l("Public interest in public health (art. 9(2)(i))"),
    HealthDataException.SCIENTIFIC_RESEARCH: _l("Scientific research (art. 9(2)(j))"),
}
NOT_CHOSEN = _l("Not chosen yet")

# --- The primary analysis (issue 13): which analysis of the primary outcome is primary --------------
PRIMARY_ANALYSIS_LABELS = {
    PrimaryAnalysis.ANCOVA: _l("Adjusted for the baseline value (ANCOVA)"),
    PrimaryAnalysis.UNADJUSTED: _l("Unadjusted: the groups compared at the last timepoint (Welch's t test)"),
}
PRIMARY_ANALYSIS_DOC = (
    "Parallel groups whose primary variable is measured at the first timepoint (baseline): `ancova` (the default "
    "for new studies) makes the primary analysis `outcome_last ~ arm + outcome_baseline` (ordinary least squares), "
    "with Welch's t test on the last timepoint as a sensitivity analysis; `unadjusted` keeps Welch's t test as the "
    "primary analysis (studies registered before ANCOVA existed were migrated to it). The same rule applies to the "
    "secondary outcomes. Ignored for single-group designs and for yes/no outcomes."
)
PRIMARY_ARM_DOC = (
    "Parallel groups: the key of the arm compared with the control (the first arm) in the primary contrast; the "
    "other arms are compared with the control as secondary contrasts. Empty (the default, and every study "
    "registered before the field existed): the second arm listed. An arm that is not one of `arms`, or the "
    "control, answers 422; a single-group study takes only an empty value. When `arms` change and no longer hold "
    "it, it is emptied."
)
PRIMARY_TIMEPOINT_DOC = (
    "The key of the timepoint at which the primary outcome is compared (the pre-registered contrast): single "
    "group, the first timepoint measuring the primary variable against this one; parallel groups, the arms at this "
    "one (ANCOVA: adjusted for the first). Empty (the default, and every study registered before the field "
    "existed): the last timepoint that measures the primary variable. A key that is not one of `timepoints`, the "
    "first timepoint, or (once surveys ask the primary variable) a timepoint that does not measure it or comes no "
    "later than the first that does, answers 422. When `timepoints` change and no longer hold it, it is emptied. "
    "Secondary outcomes keep the last timepoint measuring them; the mixed model over three timepoints or more is "
    "unchanged."
)
# --- end of the primary analysis ---------------------------------------------------------------------

# --- The adjustment of the secondary families (issue 13, item 5) ------------------------------------
SECONDARY_ADJUSTMENT_LABELS = {
    SecondaryAdjustment.HOLM: _l("Holm: the chance of any false positive among them stays below alpha"),
    SecondaryAdjustment.BENJAMINI_HOCHBERG: _l(
        "Benjamini–Hochberg: the expected share of false positives among those found stays below alpha"
    ),
}
SECONDARY_ADJUSTMENT_DOC = (
    "How the p values of the exploratory families (`secondary`, and `categorical` for parallel groups) are "
    'adjusted into `p_adjusted`: `holm` (the default: family-wise error rate, R\'s `p.adjust(p, "holm")`) or '
    '`benjamini_hochberg` (false discovery rate, R\'s `p.adjust(p, "BH")`). Each entry names it in `adjustment`. '
    "Studies registered before the field existed were registered with Holm and keep it."
)
# --- end of the adjustment of the secondary families ------------------------------------------------
RIPH = (ResearchCategory.RIPH1, ResearchCategory.RIPH2, ResearchCategory.RIPH3)


# The composite fields: their checks (the app's messages) and their JSON shape


def _eligibility(value) -> dict:
    if not isinstance(value, dict):
        raise v.FieldError(_("Must be an object with min_age, max_age and criteria."), 400)
    min_age = v.integer(value.get("min_age"), lo=0, hi=120, required=True)
    max_age = v.integer(value.get("max_age"), lo=0, hi=120)
    if max_age is not None and max_age < min_age:
        raise v.FieldError(_("The maximum age must not be below the minimum age."))
    criteria = v.name_list(value.get("criteria") or [], max_items=20, max_len=300)
    return {"min_age": min_age, "max_age": max_age, "criteria": criteria}


def _primary_outcome(value) -> dict:
    if value is None:
        return {"variable": None, "hypothesis": None}
    if not isinstance(value, dict):
        raise v.FieldError(_("Must be an object with variable and hypothesis."), 400)
    variable = value.get("variable")
    return {
        "variable": v.key(variable) if variable not in (None, "") else None,
        "hypothesis": v.choice(value.get("hypothesis"), Hypothesis, required=False),
    }


def _delays(value) -> dict:
    if not isinstance(value, dict):
        raise v.FieldError(_("Must be an object of timepoint names to days."), 400)
    return {v.key(name): v.integer(days, lo=0, hi=3650, required=True) for name, days in value.items()}


def _closes(value) -> dict:
    if not isinstance(value, dict):
        raise v.FieldError(_("Must be an object of timepoint names to days."), 400)
    return {v.key(name): v.integer(days, lo=1, hi=3650, required=True) for name, days in value.items()}


MAX_REMINDERS = 5


def _reminder_days(value) -> list[int]:
    if not isinstance(value, list) or len(value) > MAX_REMINDERS:
        raise v.FieldError(
            _("Give at most %(n)d whole numbers of days, e.g. 3, 7 (or none: no reminder).", n=MAX_REMINDERS)
        )
    return sorted({v.integer(day, lo=1, hi=365, required=True) for day in value})


LABEL_GROUPS = ("arms", "timepoints")


def _labels(value) -> dict:
    if not isinstance(value, dict):
        raise v.FieldError(_("Must be an object with arms and timepoints, each of keys to labels."), 400)
    unknown = [name for name in value if name not in LABEL_GROUPS]
    if unknown:
        raise v.FieldError(_("Only arms and timepoints have labels."))
    out = {}
    for group in LABEL_GROUPS:
        entries = value.get(group) or {}
        if not isinstance(entries, dict):
            raise v.FieldError(_("Must be an object of keys to labels."), 400)
        if len(entries) > 20:
            raise v.FieldError(_("At most %(n)d entries.", n=20))
        out[group] = {
            v.key(key): v.text(label, max_len=100, required=True, single_line=True) for key, label in entries.items()
        }
    return out


def known_labels(labels: dict | None, arms, timepoints) -> dict:
    """The labels of the arms and timepoints the study has; those of any other key are dropped."""
    labels = labels or {}
    return {
        "arms": {k: t for k, t in (labels.get("arms") or {}).items() if k in (arms or [])},
        "timepoints": {k: t for k, t in (labels.get("timepoints") or {}).items() if k in (timepoints or [])},
    }


def keys(max_items: int):
    return Annotated[list[Key], Limits(min_length=1, max_length=max_items, json_schema_extra={"uniqueItems": True})]


def _key_list(max_items: int):
    return lambda x: v.name_list(x, max_items=max_items, max_len=64, min_items=1, keys=True)


Age = Annotated[int, Limits(ge=0, le=120)]
LabelMap = Annotated[
    dict[Annotated[str, Limits(pattern=v.KEY_RE.pattern)], Annotated[str, Limits(min_length=1, max_length=100)]],
    Limits(max_length=20),
]


class Eligibility(s.Body):
    min_age: Age
    max_age: Age | None = None
    criteria: Annotated[
        list[Annotated[str, Limits(min_length=1, max_length=300)]],
        Limits(max_length=20, json_schema_extra={"uniqueItems": True}),
    ] = []


class PrimaryOutcome(s.Body):
    variable: Annotated[Key | None, Limits(description="A question or instrument key of the surveys.")] = None
    hypothesis: Literal[s.values_of(Hypothesis)] | None = None  # type: ignore[valid-type]  # values known at run time


class Allocation(s.Body, extra="forbid"):
    """The arms' ratio and the age strata of the randomisation (studies/allocation.py)."""

    ratio: Annotated[
        Annotated[list[Annotated[int, Limits(ge=1, le=allocation.MAX_RATIO)]], Limits(min_length=2, max_length=6)]
        | None,
        Limits(description="Each arm's share, in the order of `arms`; null: 1:1."),
    ] = None
    age_strata: Annotated[
        list[Annotated[int, Limits(ge=1, le=120)]],
        Limits(max_length=allocation.MAX_CUTS, description="The ages at which a new stratum starts; [] for none."),
    ] = []
    quotas: Annotated[
        dict[Annotated[str, Limits(max_length=16)], Annotated[int, Limits(ge=1, le=allocation.MAX_QUOTA)]],
        Limits(description='At most so many participants in an age group, by its key (e.g. {"65+": 20}).'),
    ] = {}
    by_site: Annotated[
        bool, Limits(description="Randomise within each site (and age stratum), each with its own blocks.")
    ] = False
    site_quotas: Annotated[
        dict[
            Annotated[str, Limits(max_length=sites.KEY_MAX, pattern=sites.SITE_KEY_RE.pattern)],
            Annotated[int, Limits(ge=1, le=allocation.MAX_QUOTA)],
        ],
        Limits(
            max_length=sites.MAX_SITES,
            description='At most so many participants at a site, by its key (e.g. {"ward_3": 30}); left out when empty.',
        ),
    ] = {}


class Site(s.Body, extra="forbid"):
    """One place where the pilot runs (studies/sites.py)."""

    key: Annotated[
        str | None,
        Limits(max_length=sites.KEY_MAX, description="The site in the data; made from the name when left out."),
    ] = None
    name: Annotated[str, Limits(max_length=sites.NAME_MAX, description="What participants read.")]


class SampleSize(s.Body, extra="forbid"):
    """How the target enrolment was planned (SPIRIT item 14; studies/sample_size.py); null: not stated."""

    method: Annotated[
        Literal[tuple(sample_size.METHODS)],  # type: ignore[valid-type]  # values known at run time
        Limits(
            description=(
                "`feasibility` (sized for feasibility, not to test an effect: the justification says why the target "
                "suffices), `paired_t` (one group before and after: `effect` = mean change, `sd` = sd of the "
                "changes), `welch` (two groups: `effect` = difference in means, `sd` = common sd), `ancova` (the "
                "same adjusted for the baseline: `correlation` with the outcome), `two_proportions` (`p_control`, "
                "`p_intervention`). Computed as R's power.t.test / power.prop.test, two-sided at the protocol's alpha."
            )
        ),
    ]
    effect: float | None = None
    sd: Annotated[float | None, Limits(gt=0)] = None
    correlation: Annotated[float | None, Limits(gt=-1, lt=1)] = None
    p_control: Annotated[float | None, Limits(gt=0, lt=1)] = None
    p_intervention: Annotated[float | None, Limits(gt=0, lt=1)] = None
    power: Annotated[float | None, Limits(ge=0.5, le=0.99, description="0.8 when null.")] = None
    justification: Annotated[str | None, Limits(max_length=sample_size.JUSTIFICATION_MAX)] = None


class Labels(s.Body, extra="forbid"):
    arms: LabelMap = {}
    timepoints: LabelMap = {}


def primary_outcome_problem(study) -> str | None:
    """Why the pre-registered primary outcome cannot be analysed as designed, or None."""
    if not study.primary_variable or not study.hypothesis:
        return _("Choose the primary outcome variable and the hypothesis.")
    variables = study_variables(study.surveys, study.timepoints)
    var = variables.get(study.primary_variable)
    if var is None:
        return _("The primary outcome “%(key)s” is not asked in any survey.", key=study.primary_variable)
    if not var.numeric and var.type != "yes_no":
        return _(
            "The primary outcome must be numeric (Likert, number, NPS, an instrument score or a computed score) or a "
            "yes/no question."
        )
    if study.design == Design.SINGLE_GROUP_PRE_POST and len(var.timepoints) < 2:
        return _(
            "A pre/post design compares two timepoints: ask “%(key)s” at the first and a later timepoint.", key=var.key
        )
    declared = getattr(study, "primary_timepoint", "") or ""
    if declared and declared not in var.timepoints[1:]:
        return _(
            "The primary outcome is compared at %(timepoint)s, as declared: ask “%(key)s” there, and at an earlier "
            "timepoint.",
            timepoint=declared,
            key=var.key,
        )
    return None


def timepoint_choices(timepoints, surveys, variable: str | None) -> list[str]:
    """The timepoints the primary comparison may be declared at: after the first timepoint; once the surveys ask
    the primary variable, only those that measure it, after the first that does."""
    measured = study_variables(surveys or [], list(timepoints or [])).get(variable) if variable else None
    if measured is None:
        return list(timepoints or [])[1:]
    return [tp for tp in measured.timepoints[1:] if tp in (timepoints or [])[1:]]


def _outcome_problem(study):
    return primary_outcome_problem(study) or True


def _filled(value) -> bool:
    return bool(value and str(value).strip())


def riph(name: str):
    """Needed for research involving the human person (RIPH 1, 2, 3), where the law requires it."""
    return lambda study: study.research_category not in RIPH or _filled(getattr(study, name))


# The regulatory frame: the qualification questionnaire's answers, and what submission asks of each
# field by category (the rules themselves: `regulatory`)


class Qualification(s.Body, extra="forbid"):
    """The qualification questionnaire's answers; null or absent: not answered yet."""

    purpose: Annotated[
        Literal[tuple(regulatory.PURPOSES)] | None,  # type: ignore[valid-type]  # values known at run time
        Limits(
            description=(
                "`health_knowledge`: knowledge about health, the body, or a product's effects on health; "
                "`satisfaction`: a satisfaction or usability survey (outside the Jardé law); `human_sciences`: "
                "human and social sciences in the field of health (outside the Jardé law)."
            )
        ),
    ] = None
    existing_data_only: Annotated[bool | None, Limits(description="Only data that already exist are reused.")] = None
    device_outside_ce: Annotated[
        bool | None, Limits(description="A medical device is used outside its CE purpose, or without CE marking.")
    ] = None
    beyond_usual_practice: Annotated[
        bool | None,
        Limits(description="Besides questionnaires and interviews, taking part adds something beyond usual practice."),
    ] = None
    minimal_risk: Annotated[
        bool | None, Limits(description="What it adds is on the list of minimal risks and constraints (RIPH 2).")
    ] = None
    product_questionnaire: Annotated[
        bool | None,
        Limits(
            description=(
                "Only questionnaires or interviews on how people perceive the efficacy or tolerance of a food or "
                "cosmetic product (RIPH 3 without a CPP opinion, L. 1121-16-2 CSP)."
            )
        ),
    ] = None


def _qualification(value) -> dict:
    if value is None:
        return regulatory.blank()
    if not isinstance(value, dict):
        raise v.FieldError(_("Must be an object of answers to the qualification questions."), 400)
    unknown = sorted(str(name) for name in value if name not in regulatory.QUESTION_KEYS)
    if unknown:
        raise v.FieldError(_("Not a qualification question: %(names)s.", names=", ".join(unknown)))
    out = regulatory.blank()
    for question in regulatory.QUESTIONS:
        answer = value.get(question.key)
        if answer is None or answer == "":
            continue
        if question.yes_no:
            out[question.key] = v.boolean(answer)
        else:
            out[question.key] = str(v.choice(answer, list(question.options)))
    return out


def _category_route(study):
    """The CNIL route fits the category (`regulatory.ROUTES`); outside the Jardé law none is needed."""
    problem = regulatory.route_problem(study.research_category, study.cnil_framework)
    if problem:
        return problem
    return study.cnil_framework is not None or not regulatory.route_required(study.research_category)


def _qualified(study):
    """The questionnaire is answered far enough to propose a category."""
    return regulatory.qualify(study.qualification).decided


def _justified(study):
    """A category or route other than the questionnaire's proposal says why, for the reviewer."""
    differing = regulatory.overridden(study.research_category, study.cnil_framework, study.qualification)
    if not differing or _filled(study.qualification_justification):
        return True
    outcome = regulatory.qualify(study.qualification)
    return _(
        "Why you chose otherwise than the questionnaire's proposal (%(category)s, %(route)s)",
        category=regulatory.CATEGORY_NAMES.get(outcome.category),
        route=regulatory.ROUTE_NAMES.get(outcome.cnil_framework),
    )


def cpp_required(study) -> bool:
    """The law asks this study for a favourable CPP opinion (`regulatory.cpp_required`)."""
    return regulatory.cpp_required(study.research_category, study.qualification)


def where_cpp(name: str):
    """Needed where a CPP opinion is: RIPH 1, 2 and 3, except the RIPH 3 the law exempts."""
    return lambda study: not cpp_required(study) or FIELDS[name].kind.filled(getattr(study, name))


def _favourable(study):
    """Where the law asks for a CPP opinion, the pilot starts only after a favourable one (L. 1123-6 CSP)."""
    if not cpp_required(study) or study.cpp_decision == CppDecision.FAVOURABLE:
        return True
    if study.cpp_decision is None:
        return False
    return _(
        "A favourable CPP opinion: the one recorded is %(decision)s", decision=CPP_DECISION_LABELS[study.cpp_decision]
    )


def _insured(study):
    """RIPH 1 and 2 need the sponsor's insurance (L. 1121-10 CSP); RIPH 3 does not."""
    return study.research_category not in (ResearchCategory.RIPH1, ResearchCategory.RIPH2) or _filled(study.insurance)


def _device(study):
    """Said for RIPH; a device used outside its CE purpose, or without CE marking, makes RIPH 1."""
    if study.research_category not in RIPH:
        return True
    if study.medical_device is None:
        return False
    if study.medical_device in (MedicalDevice.CE_OUTSIDE_PURPOSE, MedicalDevice.NOT_CE_MARKED) and (
        study.research_category != ResearchCategory.RIPH1
    ):
        return _("A medical device used outside its CE purpose, or without CE marking, makes the research RIPH 1")
    return True


def _dpia(study):
    """A DPIA with its reference and date, or why none is required."""
    if study.dpia_done:
        return _filled(study.dpia_reference) and study.dpia_date is not None
    return _filled(study.dpia_not_required)


# The protocol, field by field, in the editor's order. Sections: protocol, design, outcome, regulatory, data_protection.
PROTOCOL = (
    Field(
        "title",
        s.text(200, required=True, single_line=True),
        _l("Title"),
        needed=True,
        public=True,
        needed_label=_l("A title"),
    ),
    Field("domain", s.choice(Domain, DOMAIN_LABELS), _l("Domain"), public=True),
    Field(
        "summary",
        s.text(LONG_TEXT),
        _l("Plain-language summary"),
        _l("What a citizen reads first in the catalogue."),
        needed=True,
        needed_label=_l("A plain-language summary"),
        public=True,
    ),
    Field("objectives", s.text(LONG_TEXT), _l("Objectives"), needed=True, needed_label=_l("Objectives")),
    Field(
        "intervention",
        s.text(LONG_TEXT),
        _l("Intervention"),
        _l("What participants use or do, how often, for how long."),
        needed=True,
        needed_label=_l("The intervention being tested"),
        public=True,
    ),
    Field(
        "risks",
        s.text(LONG_TEXT),
        _l("Risks and how they are reduced"),
        needed=True,
        needed_label=_l("Risks and how they are reduced"),
    ),
    Field(
        "duration",
        s.text(LONG_TEXT),
        _l("Duration"),
        _l("How long one participant takes part, and how many surveys."),
        needed=True,
        needed_label=_l("How long taking part lasts"),
        public=True,
        public_label=_l("How long"),
    ),
    Field(
        "location",
        s.text(LONG_TEXT),
        _l("Place"),
        _l("Where the pilot takes place (at home, online, a canteen…)."),
        needed=True,
        needed_label=_l("Where the pilot takes place"),
        public=True,
        public_label=_l("Where"),
    ),
    Field(
        "compensation",
        s.text(LONG_TEXT),
        _l("Compensation"),
        _l("What participants gain or are paid; write “nothing” if so."),
        needed=True,
        needed_label=_l("What participants gain or are paid (write “nothing” if so)"),
        public=True,
        public_label=_l("Payment"),
        extra={"public_empty": _l("None")},
    ),
    Field(
        "sponsor",
        s.text(200, single_line=True),
        _l("Sponsor"),
        _l("Who is legally responsible for the research; required for RIPH."),
        needed=riph("sponsor"),
        public=True,
    ),
    Field(
        "design",
        s.choice(Design, DESIGN_LABELS),
        _l("Design"),
        section="design",
        public=True,
        extra={
            "doc": (
                "`single_group_pre_post`: everyone gets the intervention, the outcome is compared between the first "
                "and the last timepoint. `parallel_groups`: participants are randomised to arms; the first arm is "
                "the control. Changing the design without sending `arms` resets them."
            )
        },
    ),
    Field(
        "arms",
        s.composite(keys(6), _key_list(6), "arms"),
        _l("Groups"),
        section="design",
        public=True,
        extra={"doc": '`["intervention"]` for a single group; two or more for parallel groups.'},
    ),
    Field(
        "timepoints",
        s.composite(keys(10), _key_list(10), "timepoints"),
        _l("Timepoints"),
        section="design",
        public=True,
        needed=lambda study: study.design != Design.SINGLE_GROUP_PRE_POST or len(study.timepoints) >= 2,
        needed_label=_l("At least two timepoints for a pre/post design"),
        extra={"doc": 'In order, e.g. `["baseline", "follow_up"]`.'},
    ),
    Field(
        "timepoint_delays",
        s.composite(dict[str, Annotated[int, Limits(ge=0, le=3650)]], _delays, "hidden"),
        _l("When each timepoint's survey opens"),
        section="design",
        read=lambda study: dict(study.timepoint_delays or {}),
        extra={
            "doc": (
                'Days after enrolment before each timepoint\'s surveys open, e.g. `{"follow_up": 28}`; '
                "a timepoint not listed opens at once (once the earlier ones are answered)."
            )
        },
    ),
    Field(
        "timepoint_closes",
        s.composite(dict[str, Annotated[int, Limits(ge=1, le=3650)]], _closes, "hidden"),
        _l("When each timepoint's survey closes"),
        section="design",
        read=lambda study: dict(study.timepoint_closes or {}),
        extra={
            "doc": (
                'Days after enrolment when each timepoint\'s surveys close, e.g. `{"follow_up": 42}`; after that '
                "a survey not answered is `missed` (it can no longer be answered; a draft is discarded). A "
                "timepoint not listed closes 14 days after it opens. Must be after the day it opens."
            )
        },
    ),
    Field(
        "reminder_days",
        s.composite(
            Annotated[list[Annotated[int, Limits(ge=1, le=365)]], Limits(max_length=MAX_REMINDERS)],
            _reminder_days,
            "reminders",
        ),
        _l("Reminders"),
        _l("Days after a survey opens on which a participant who has not answered it is reminded, e.g. 3, 7."),
        section="design",
        read=lambda study: list(study.reminder_days or []),
        extra={
            "doc": (
                "Days after a survey opens on which participants who have not answered it get a reminder "
                "(default `[3, 7]`, at most 5, `[]` for none); a reminder falling after the survey's window "
                "closes is not sent, and the last one sent says when the window closes."
            )
        },
    ),
    Field(
        "labels",
        s.composite(Labels, _labels, "hidden"),
        _l("Names of the groups and timepoints"),
        section="design",
        read=lambda study: known_labels(study.labels, study.arms, study.timepoints),
        extra={
            "doc": (
                'What people call each arm and timepoint, by key, e.g. `{"arms": {"plant_based": '
                '"Plant-based menu"}, "timepoints": {"week_4": "After four weeks"}}`; the pages show them '
                "instead of the keys. Optional; labels of keys the study does not have are dropped."
            )
        },
    ),
    Field(
        "target_enrolment",
        s.integer(1, 100_000),
        _l("Target enrolment"),
        _l("How many participants you need."),
        section="design",
        needed=True,
        needed_label=_l("A target enrolment"),
        public=True,
    ),
    Field(
        "eligibility",
        s.composite(Eligibility, _eligibility, "eligibility"),
        _l("Eligibility"),
        section="design",
        public=True,
        needed=lambda study: (study.eligibility or {}).get("min_age") is not None,
        needed_label=_l("Eligibility: a minimum age"),
        read=lambda study: dict(study.eligibility),
    ),
    Field(
        "sites",
        s.composite(Annotated[list[Site], Limits(max_length=sites.MAX_SITES)], sites.clean, "sites"),
        _l("Sites"),
        sites.HELP,
        section="design",
        public=True,
        read=sites.of,
        extra={"doc": sites.DOC},
    ),
    Field(
        "allocation",
        s.composite(Allocation, allocation.clean, "allocation"),
        _l("Allocation"),
        allocation.HELP,
        section="design",
        needed=allocation.problem,
        needed_label=_l("An allocation that fits the groups and ages"),
        read=allocation.of,
        write=lambda value: {"allocation": allocation.clean(value)},  # by_site only when true
        extra={"doc": allocation.DOC},
    ),
    Field(
        "primary_outcome",
        s.composite(PrimaryOutcome, _primary_outcome, "primary_outcome"),
        _l("Primary outcome"),
        section="outcome",
        needed=_outcome_problem,
        needed_label=_l("A primary outcome measured where the design compares it"),
        read=lambda study: {
            "variable": study.primary_variable,
            "hypothesis": str(study.hypothesis) if study.hypothesis else None,
        },
        write=lambda value: {"primary_variable": value["variable"], "hypothesis": value["hypothesis"]},
    ),
    Field(
        "primary_analysis",
        s.choice(PrimaryAnalysis, PRIMARY_ANALYSIS_LABELS),
        _l("Primary analysis"),
        _l(
            "With parallel groups and the primary outcome measured at the first timepoint: adjusting for that "
            "baseline value (ANCOVA) is recommended; the unadjusted comparison is then shown as a sensitivity analysis."
        ),
        section="outcome",
        extra={"doc": PRIMARY_ANALYSIS_DOC},
    ),
    # --- issue 13, item 5: the secondary families' adjustment ---
    Field(
        "secondary_adjustment",
        s.choice(SecondaryAdjustment, SECONDARY_ADJUSTMENT_LABELS),
        _l("Adjustment of the secondary outcomes"),
        _l(
            "The secondary outcomes are exploratory; their p values are adjusted for testing several of them. "
            "Holm is the cautious default; Benjamini–Hochberg finds more at the price of some false positives."
        ),
        section="outcome",
        extra={"doc": SECONDARY_ADJUSTMENT_DOC},
    ),
    # --- end of the secondary families' adjustment ---
    Field(
        "primary_arm",
        s.text(64, single_line=True),
        _l("Arm of the primary contrast"),
        _l(
            "With three groups or more: the group compared with the control (the first group) in the primary "
            "analysis, by its key. Empty: the second group listed."
        ),
        section="outcome",
        extra={"doc": PRIMARY_ARM_DOC},
    ),
    Field(
        "primary_timepoint",
        s.text(64, single_line=True),
        _l("Timepoint of the primary comparison"),
        _l(
            "With three timepoints or more: the timepoint at which the primary outcome is compared, by its key (e.g. "
            "week_4). Empty: the last timepoint that measures it."
        ),
        section="outcome",
        extra={"doc": PRIMARY_TIMEPOINT_DOC},
    ),
    Field(
        "alpha",
        s.number(0.001, 0.2, default=0.05, required=True, step=0.001),
        _l("Significance level (alpha)"),
        _l("Usually 0.05."),
        section="outcome",
        extra={"doc": "The significance level."},
    ),
    Field(
        "sample_size",
        s.composite(SampleSize | None, sample_size.clean, "sample_size"),
        _l("Sample size"),
        _l(
            "How the target enrolment was planned: the assumptions of a power calculation, or why a feasibility pilot needs no more."
        ),
        section="outcome",
        read=lambda study: study.sample_size or None,
        extra={
            "doc": (
                "How the target enrolment was planned (SPIRIT item 14), or null. The pages show what the assumptions "
                "require (per group and in total) and the results page sets it against the participants analysed."
            )
        },
    ),
    Field(
        "data_collected",
        s.text(LONG_TEXT),
        _l("Data collected and why"),
        _l("Each datum you collect and what it is needed for."),
        section="data_protection",
        needed=True,
        needed_label=_l("Which data are collected and why"),
    ),
    Field(
        "qualification",
        s.composite(Qualification, _qualification, "qualification"),
        _l("Qualification questionnaire"),
        _l("Plain-language questions whose answers propose the category of research and the CNIL route."),
        section="regulatory",
        needed=_qualified,
        needed_label=_l("The qualification questionnaire, answered"),
        read=lambda study: {**regulatory.blank(), **(study.qualification or {})},
        extra={
            "doc": (
                "The answers to the qualification questionnaire (decision support; the coordinator decides). "
                "Their outcome fills `research_category` and `cnil_framework` when those were not chosen by hand; "
                "choosing otherwise needs `qualification_justification`."
            )
        },
    ),
    Field(
        "research_category",
        s.choice(ResearchCategory, CATEGORY_LABELS, required=False, blank=NOT_CHOSEN),
        _l("Category of research"),
        section="regulatory",
        needed=True,
        needed_label=_l("The category of research"),
        extra={
            "doc": (
                "The Jardé law category (RIPH 1-3), research not involving the person (existing data only), or "
                "outside the Jardé law (satisfaction surveys, R.1121-1 II CSP)."
            )
        },
    ),
    Field(
        "cnil_framework",
        s.choice(CnilFramework, CNIL_LABELS, required=False, blank=NOT_CHOSEN),
        _l("CNIL framework"),
        section="regulatory",
        needed=_category_route,
        needed_label=_l("The CNIL reference methodology or authorisation"),
        extra={
            "doc": (
                "The CNIL reference methodology, an individual authorisation, or `none` (the GDPR only, outside "
                "the Jardé law). It must fit the category: RIPH 1 and 2 under `mr001`, RIPH 3 under `mr003`, "
                "research not involving the person under `mr004`, each or `authorisation`; outside the Jardé law "
                "`none`, `mr004` or `authorisation`. A pair that does not fit answers 422."
            )
        },
    ),
    Field(
        "qualification_justification",
        s.text(LONG_TEXT),
        _l("Why you chose otherwise"),
        _l(
            "Needed when the category or the CNIL route differs from the questionnaire's proposal; the reviewer reads it."
        ),
        section="regulatory",
        needed=_justified,
        needed_label=_l("Why the category or CNIL route differs from the questionnaire's proposal"),
        extra={"doc": "Why `research_category` or `cnil_framework` differs from what the questionnaire proposes."},
    ),
    Field(
        "cnil_reference",
        s.text(200, single_line=True),
        _l("CNIL reference"),
        _l("The compliance declaration or authorisation number, if any."),
        section="regulatory",
        needed=lambda study: study.cnil_framework != CnilFramework.AUTHORISATION or _filled(study.cnil_reference),
        needed_label=_l("The CNIL authorisation number"),
        extra={"doc": "The authorisation number, when `cnil_framework` is `authorisation`."},
    ),
    Field(
        "ethics_opinion",
        s.text(200, single_line=True),
        _l("Ethics committee (CPP) opinion"),
        _l(
            "The reference of the favourable opinion; required for RIPH 1, 2 and 3, except RIPH 3 made only of "
            "questionnaires on how a food or cosmetic product is perceived."
        ),
        section="regulatory",
        needed=where_cpp("ethics_opinion"),
        needed_label=_l("The ethics committee (CPP) opinion reference, required for this category"),
        extra={
            "doc": (
                "The ethics committee (CPP) opinion; required for RIPH, except RIPH 3 on food or cosmetic products "
                "made only of questionnaires on how they are perceived (L. 1121-16-2 CSP)."
            )
        },
    ),
    Field(
        "cpp_name",
        s.text(200, single_line=True),
        _l("Ethics committee (CPP) name"),
        _l("Which CPP gave the opinion, e.g. CPP Ouest IV."),
        section="regulatory",
        needed=where_cpp("cpp_name"),
        needed_label=_l("The name of the CPP that gave its opinion"),
        extra={"doc": "The ethics committee (CPP) that gave its opinion; required where a CPP opinion is."},
    ),
    Field(
        "cpp_date",
        s.day(),
        _l("Date of the CPP opinion"),
        section="regulatory",
        needed=where_cpp("cpp_date"),
        needed_label=_l("The date of the CPP opinion"),
        extra={"doc": "The date of the CPP opinion, `YYYY-MM-DD`; required where a CPP opinion is."},
    ),
    Field(
        "cpp_decision",
        s.choice(CppDecision, CPP_DECISION_LABELS, required=False, blank=NOT_CHOSEN),
        _l("CPP decision"),
        section="regulatory",
        needed=_favourable,
        needed_label=_l("A favourable CPP opinion"),
        extra={"doc": "The CPP's opinion; a favourable one is required where a CPP opinion is."},
    ),
    Field(
        "principal_investigator",
        s.text(200, single_line=True),
        _l("Principal investigator"),
        _l("The person who directs and supervises the research; required for RIPH."),
        section="regulatory",
        needed=riph("principal_investigator"),
        needed_label=_l("The principal investigator, required for RIPH"),
        extra={"doc": "Who directs and supervises the research (L. 1121-1 CSP); required for RIPH."},
    ),
    Field(
        "id_rcb",
        s.text(64, single_line=True),
        _l("ID-RCB number"),
        _l("The registration number of research involving the human person, e.g. 2026-A01234-56; required for RIPH."),
        section="regulatory",
        needed=riph("id_rcb"),
        needed_label=_l("The ID-RCB number, required for RIPH"),
        extra={"doc": "The ID-RCB registration number; required for RIPH."},
    ),
    Field(
        "ansm_reference",
        s.text(200, single_line=True),
        _l("ANSM authorisation or information"),
        _l("RIPH 1: the ANSM authorisation; RIPH 2 and 3: when the ANSM was sent the CPP opinion and summary."),
        section="regulatory",
        needed=where_cpp("ansm_reference"),
        needed_label=_l("The ANSM authorisation (RIPH 1) or information (RIPH 2 and 3)"),
        extra={
            "doc": (
                "The ANSM authorisation (RIPH 1) or information (RIPH 2 and 3); required where a CPP opinion is "
                "(the exempt RIPH 3 have nothing to send)."
            )
        },
    ),
    Field(
        "insurance",
        s.text(200, single_line=True),
        _l("Insurance"),
        _l("The sponsor's insurer and policy number; required for RIPH 1 and 2 (L. 1121-10 CSP)."),
        section="regulatory",
        needed=_insured,
        needed_label=_l("The sponsor's insurance, required for RIPH 1 and 2"),
        extra={"doc": "The sponsor's insurer and policy; required for RIPH 1 and 2 (L. 1121-10 CSP)."},
    ),
    Field(
        "medical_device",
        s.choice(MedicalDevice, DEVICE_LABELS, required=False, blank=NOT_CHOSEN),
        _l("Medical device"),
        _l(
            "Whether a medical device is involved (an app that diagnoses, monitors or treats may be one), and its CE marking."
        ),
        section="regulatory",
        needed=_device,
        needed_label=_l("Whether a medical device is involved, and its CE status (RIPH)"),
        extra={
            "doc": (
                "Whether a medical device is involved and its CE status; required for RIPH. A device used outside "
                "its CE purpose, or without CE marking, makes the research RIPH 1."
            )
        },
    ),
    Field(
        "dpia_done",
        s.boolean(),
        _l("Data protection impact assessment (DPIA)"),
        section="data_protection",
        needed=_dpia,
        needed_label=_l(
            "A data protection impact assessment (DPIA) with its reference and date, or why none is required"
        ),
        extra={
            "doc": "A data protection impact assessment was made.",
            "yes": _l("Carried out"),
            "no": _l("Not carried out yet"),
        },
        form_label=_l("A data protection impact assessment (DPIA) has been carried out"),
    ),
    Field(
        "dpia_reference",
        s.text(200, single_line=True),
        _l("DPIA reference"),
        section="data_protection",
        extra={"doc": "The DPIA's reference; required with `dpia_done`."},
    ),
    Field(
        "dpia_date",
        s.day(),
        _l("DPIA date"),
        section="data_protection",
        extra={"doc": "When the DPIA was made, `YYYY-MM-DD`; required with `dpia_done`."},
    ),
    Field(
        "dpia_not_required",
        s.text(LONG_TEXT),
        _l("Why no DPIA is required"),
        _l("Only when no DPIA was carried out: why none is required."),
        section="data_protection",
        extra={"doc": "Why no DPIA is required, when `dpia_done` is false."},
    ),
    Field(
        "legal_basis",
        s.choice(LegalBasis, LEGAL_BASIS_LABELS, required=False, blank=NOT_CHOSEN),
        _l("Legal basis of the processing (GDPR art. 6)"),
        section="data_protection",
        needed=True,
        needed_label=_l("The legal basis of the processing (GDPR art. 6)"),
        extra={"doc": "The lawful basis of the processing, GDPR article 6(1)."},
    ),
    Field(
        "health_data_exception",
        s.choice(HealthDataException, HEALTH_DATA_LABELS, required=False, blank=NOT_CHOSEN),
        _l("Health data: the GDPR art. 9 exception"),
        section="data_protection",
        needed=True,
        needed_label=_l("The GDPR art. 9 exception for health data, or that none are processed"),
        extra={"doc": "The exception of GDPR article 9(2) that allows processing health data, or `no_health_data`."},
    ),
    Field(
        "dpo_contact",
        s.text(200, single_line=True),
        _l("Data protection officer (DPO) contact"),
        _l("How participants reach the DPO of the organisation responsible, e.g. an email address."),
        section="data_protection",
        needed=True,
        needed_label=_l("How to contact the data protection officer (DPO)"),
        extra={"doc": "How to contact the data protection officer."},
    ),
    Field(
        "data_host",
        s.text(200, single_line=True),
        _l("Where the data are hosted"),
        _l("The host and the country, e.g. LivingLab on OVHcloud, France."),
        section="data_protection",
        needed=True,
        needed_label=_l("Where the data are hosted"),
        extra={"doc": "Who hosts the data, and where."},
    ),
    Field(
        "hds_certified",
        s.boolean(default=False),
        _l("Health data host certification (HDS)"),
        section="data_protection",
        extra={
            "doc": "The host is certified for health data (HDS, L. 1111-8 CSP).",
            "yes": _l("The host is HDS certified"),
            "no": _l("Not HDS certified"),
        },
        form_label=_l("The host is certified for health data (HDS)"),
    ),
    Field(
        "retention_months",
        s.integer(1, 600),
        _l("Data retention (months)"),
        _l(
            "The active period, counted from the end of the pilot: results and participant-level exports stay "
            "available to the startup."
        ),
        section="data_protection",
        needed=True,
        needed_label=_l("The data retention period"),
        extra={
            "doc": "The active retention period, in months from the end of the pilot (`ended_at`): results and "
            "participant-level exports stay available.",
            "show": "months",
        },
    ),
    Field(
        "retention_archive_months",
        s.integer(0, 600),
        _l("Archive period after that (months)"),
        _l(
            "After the active period: the data are kept read-only, results stay readable, participant-level "
            "exports are closed. At its end the participants' personal data are erased or anonymised as the "
            "consent says. Empty means none."
        ),
        section="data_protection",
        extra={
            "doc": "The archive period, in months after the active one (null: none): results stay readable, "
            "participant-level exports answer 409 `archived`. At its end (plus any extension a coordinator "
            "granted) the participants' personal data are erased or anonymised as the consent says.",
            "show": "months",
        },
    ),
    # --- issue 14, item 8: a pilot in two languages (studies/pilot_languages.py) ---
    Field(
        "languages",
        s.composite(pilot_languages.LanguageList, pilot_languages.clean_languages, "languages"),
        _l("Languages"),
        _l("The languages participants may read the pilot in; the first is the one you write it in."),
        public=True,  # the catalogue says which languages a pilot can be read in
        read=lambda study: list(study.languages or []),
        extra={"doc": pilot_languages.LANGUAGES_DOC},
    ),
    Field(
        "translations",
        s.composite(pilot_languages.Translations, pilot_languages.clean_translations, "hidden"),
        _l("Translations"),
        read=lambda study: dict(study.translations or {}),
        extra={"doc": pilot_languages.TRANSLATIONS_DOC},
    ),
    # --- end of a pilot in two languages ---
)
FIELDS = {f.name: f for f in PROTOCOL}
EDITABLE_FIELDS = tuple(FIELDS)
HASHED_FIELDS = tuple(f.name for f in PROTOCOL if f.hashed)
SECTIONS = {
    "protocol": _l("Protocol"),
    "design": _l("Design"),
    "outcome": _l("Primary outcome"),
    "regulatory": _l("Regulatory frame"),
    "data_protection": _l("Data protection"),
}
# The review section (and checklist group) each page section belongs to
REVIEW_SECTION = {
    "protocol": "protocol",
    "design": "design",
    "outcome": "design",
    "regulatory": "data_protection",
    "data_protection": "data_protection",
}
REQUIRED_ON_CREATE = ("title", "domain")


def declare_columns(model) -> None:
    """Give the model a column for each declared field it does not define itself (a new field)."""
    for f in PROTOCOL:
        if f.simple and f.name not in model.__dict__:
            setattr(model, f.name, f.kind.column())


def sections() -> list[tuple]:
    """(key, title, fields) of each section, for the pages."""
    return [(key, title, [f for f in PROTOCOL if f.section == key]) for key, title in SECTIONS.items()]


# The API's bodies and answers, as pydantic models: they validate, and their JSON Schema is the OpenAPI's


def _api_fields():
    """The declarations with their API description attached."""
    out = []
    for f in PROTOCOL:
        doc = f.extra.get("doc")
        kind = f.kind if not doc else _Described(f.kind, doc)
        out.append(Field(f.name, kind, f.label))
    return out


class _Described:
    """A kind whose annotation carries the API's description of the field."""

    def __init__(self, kind, doc):
        self.kind, self.doc = kind, doc

    @property
    def annotation(self):
        return Annotated[self.kind.annotation, Limits(description=self.doc)]


READ_ONLY_NOTE = "Fields of the Study object that are not editable may be sent back; they are ignored."
NewStudy = s.model_of("NewStudy", _api_fields(), required=REQUIRED_ON_CREATE, doc=READ_ONLY_NOTE)
StudyChanges = s.model_of("StudyChanges", _api_fields(), doc=READ_ONLY_NOTE + " Other unknown fields answer 422.")


class PersonRef(s.Body):
    id: int
    name: str


class OrganisationRef(s.Body):
    id: int
    name: str


class QualificationOutcome(s.Body):
    """What the answers to the qualification questionnaire propose (studies/regulatory.py); the
    coordinator decides."""

    category: Annotated[
        Literal[s.values_of(ResearchCategory)] | None,  # type: ignore[valid-type]  # values known at run time
        Limits(description="The proposed category; null until enough questions are answered."),
    ]
    cnil_framework: Literal[s.values_of(CnilFramework)] | None  # type: ignore[valid-type]
    cpp_required: Annotated[bool, Limits(description="Whether the law asks for a favourable CPP opinion.")]
    reason: str | None
    law: Annotated[str | None, Limits(description="The article the proposal rests on.")]
    unanswered: Annotated[list[str], Limits(description="The questions still needed for a proposal.")]


StudyStatusValue = Literal[
    ("draft", "submitted", "changes_requested", "approved", "rejected", "recruiting", "paused", "closed", "ended")
]


class RegistrationEntry(s.Body):
    """One approved version of the protocol (studies/amendments.py)."""

    version: Annotated[int, Limits(ge=1, description="The protocol version approved.")]
    registration_hash: Annotated[str, Limits(pattern="^[0-9a-f]{64}$")]
    previous_hash: Annotated[
        Annotated[str, Limits(pattern="^[0-9a-f]{64}$")] | None,
        Limits(description="The hash this version amends; null for the first approval."),
    ]
    approved_at: datetime
    outcome_change: Annotated[
        str | None, Limits(description="Why the primary outcome or design changed at this version, or null.")
    ]


class StudyRecord(s.Body):
    """The fields of the Study object that are not the protocol's."""

    id: int
    status: Annotated[
        StudyStatusValue,
        Limits(
            description=(
                "draft → submitted → approved | changes_requested | rejected; changes_requested → submitted; "
                "approved → recruiting ⇄ paused; recruiting | paused → closed (recruitment only: the enrolled go "
                "on answering; it never reopens); recruiting | paused | closed → ended (no more answers, final "
                "results)."
            )
        ),
    ]
    version: Annotated[int, Limits(ge=1, description="Goes up with every change of the protocol.")]
    owner: PersonRef
    organisation: OrganisationRef
    created_at: datetime
    updated_at: datetime
    submitted_at: datetime | None
    registration_hash: Annotated[
        Annotated[str, Limits(pattern="^[0-9a-f]{64}$")] | None,
        Limits(
            description=(
                "SHA-256 of the canonical JSON (sorted keys, no spaces, UTF-8) of `{protocol, consent, surveys}` as "
                "approved; null before approval. `protocol` holds every field of `StudyChanges`, as this object "
                "serves it."
            )
        ),
    ]
    registrations: Annotated[
        list[RegistrationEntry],
        Limits(
            description=(
                "Every approved version, oldest first; each later hash is the SHA-256 of the canonical JSON of the "
                "record with one more key, `previous_hash` (see `GET /studies/{study_id}/registrations`)."
            )
        ),
    ]
    ended_at: Annotated[datetime | None, Limits(description="When the pilot ended; null before.")]
    qualification_outcome: Annotated[
        QualificationOutcome,
        Limits(description="What the qualification questionnaire proposes, and why (read-only, not hashed)."),
    ]
    consent_mode: Annotated[
        ConsentMode,
        Limits(
            description=(
                "How participants agree, following `research_category` (and, under the GDPR alone, `legal_basis`): "
                "`written` (RIPH 1: signed), `express` (RIPH 2, or consent as the legal basis: clauses ticked and "
                "agreement confirmed), `information` (RIPH 3, research not involving the person, outside the Jardé "
                "law: the notice read, with a right to object). Read-only, not hashed."
            )
        ),
    ]


Study = s.model_of("Study", _api_fields(), required=EDITABLE_FIELDS, base=StudyRecord)


class OrganisationName(s.Body):
    name: str


class PublicRecord(s.Body):
    id: int
    status: StudyStatusValue
    places_left: Annotated[
        int | None,
        Limits(
            ge=0,
            description=(
                "Places still open: the target enrolment minus the participants enrolled; null without a target."
            ),
        ),
    ]
    places_left_by_group: Annotated[
        dict[str, Annotated[int, Limits(ge=0)]] | None,
        Limits(description="Places still open in each age group with a quota, by the group's key; null without."),
    ] = None
    places_left_by_site: Annotated[
        dict[str, Annotated[int, Limits(ge=0)]] | None,
        Limits(description="Places still open at each site with a quota, by the site's key; null without."),
    ] = None
    organisation: OrganisationName


PUBLIC = tuple(f for f in PROTOCOL if f.public)
PUBLIC_FIELDS = tuple(f.name for f in PUBLIC)
PublicStudy = s.model_of(
    "PublicStudy", [f for f in _api_fields() if f.name in PUBLIC_FIELDS], required=PUBLIC_FIELDS, base=PublicRecord
)
