"""The study object: which fields it has, how each is checked, and how it is serialised."""

from flask_babel import gettext as _

from .. import schema
from .. import validation as v
from ..timeutil import aware
from . import pilot_languages, regulatory
from .models import Design, Study
from .protocol import (  # noqa: F401
    EDITABLE_FIELDS,
    FIELDS,
    HASHED_FIELDS,
    PROTOCOL,
    REQUIRED_ON_CREATE,
    NewStudy,
    StudyChanges,
    known_labels,
    timepoint_choices,
)
from .protocol import PUBLIC_FIELDS as PROTOCOL_PUBLIC

# Fields of the study object a client may send back unchanged; they are ignored.
READ_ONLY = (
    "id",
    "status",
    "version",
    "owner",
    "organisation",
    "created_at",
    "updated_at",
    "submitted_at",
    "registration_hash",
    "registrations",
    "ended_at",
    "qualification_outcome",
    "consent_mode",
)


def clean_study_fields(data, *, creating: bool, current: Study | None = None) -> dict:
    """Check the fields of a create or patch body; returns clean values or raises one error."""
    if not isinstance(data, dict):
        v.raise_for({"body": v.FieldError(_("Send a JSON object."), 400)})
    errors = {
        name: v.FieldError(_("Unknown field."), 422) for name in data if name not in FIELDS and name not in READ_ONLY
    }
    # the fields without error still count for the checks across fields below
    clean, field_errors = schema.validate(NewStudy if creating else StudyChanges, data, partial=StudyChanges)
    errors.update(field_errors)
    # The design fixes how many arms there are.
    design = clean.get("design", current.design if current else Design.SINGLE_GROUP_PRE_POST)
    arms = clean.get("arms", current.arms if current else None)
    if "design" in clean and "arms" not in data and design == Design.SINGLE_GROUP_PRE_POST:
        clean["arms"] = arms = ["intervention"]
    if "design" in clean and "arms" not in data and design == Design.PARALLEL_GROUPS and len(arms or []) < 2:
        clean["arms"] = arms = ["control", "intervention"]
    if arms is not None and "arms" not in errors and "design" not in errors:
        if design == Design.SINGLE_GROUP_PRE_POST and len(arms) != 1:
            errors["arms"] = v.FieldError(_("A single-group design has exactly one arm."))
        if design == Design.PARALLEL_GROUPS and len(arms) < 2:
            errors["arms"] = v.FieldError(
                _("A parallel-group design needs at least two arms; the first is the control.")
            )
    if current is not None and "timepoints" in clean and "timepoints" not in errors:
        orphaned = sorted({survey.timepoint for survey in current.surveys} - set(clean["timepoints"]))
        if orphaned:
            errors["timepoints"] = v.FieldError(
                _("Surveys are planned at %(tps)s: move or delete them first.", tps=", ".join(orphaned))
            )
    timepoints = clean.get("timepoints", current.timepoints if current else ["baseline", "follow_up"])
    for name in ("timepoint_delays", "timepoint_closes"):  # {timepoint: day}, following the timepoints
        days = clean.get(name, getattr(current, name) if current else {}) or {}
        unknown = [tp for tp in days if tp not in timepoints]
        if unknown and "timepoints" not in errors and name not in errors:
            if name in clean:
                errors[name] = v.FieldError(_("Not a timepoint of this study: %(names)s.", names=", ".join(unknown)))
            else:  # timepoints renamed or removed: their days go with them
                clean[name] = {k: d for k, d in days.items() if k in timepoints}
    # A window closes after it opens (a timepoint with no close day closes 14 days after it opens).
    if not errors.keys() & {"timepoints", "timepoint_delays", "timepoint_closes"} and (
        clean.keys() & {"timepoints", "timepoint_delays", "timepoint_closes"}
    ):
        opens = clean.get("timepoint_delays", current.timepoint_delays if current else {}) or {}
        closes = clean.get("timepoint_closes", current.timepoint_closes if current else {}) or {}
        early = [tp for tp, day in closes.items() if tp in timepoints and day <= int(opens.get(tp, 0) or 0)]
        if early:
            errors["timepoint_closes"] = v.FieldError(
                _("A survey must close after the day it opens: %(names)s.", names=", ".join(early))
            )
    # Labels follow the arms and timepoints: those of a key the study does not have are dropped.
    if "labels" in clean or (current is not None and ("arms" in clean or "timepoints" in clean)):
        clean["labels"] = known_labels(
            clean.get("labels", current.labels if current else {}),
            arms if arms is not None else ["intervention"],
            timepoints,
        )
    primary_arm_check(data, clean, errors, current, design, arms)
    primary_timepoint_check(data, clean, errors, current, timepoints)
    regulatory_checks(data, clean, errors, current)
    pilot_languages.check_fields(data, clean, errors, current)
    v.raise_for(errors)
    return clean


def primary_arm_check(data: dict, clean: dict, errors: dict, current: Study | None, design, arms) -> None:
    """The declared primary contrast names an arm other than the control; arms that no longer hold it empty it."""
    chosen = clean.get("primary_arm", current.primary_arm if current else "")
    if not chosen or errors.keys() & {"primary_arm", "arms", "design"}:
        return
    others = list(arms or [])[1:] if design == Design.PARALLEL_GROUPS else []
    if chosen in others:
        return
    if "primary_arm" not in data:  # the arms or the design changed: the declaration goes with the arm
        clean["primary_arm"] = ""
    elif not others:
        errors["primary_arm"] = v.FieldError(_("Only a parallel-group design compares an arm with the control."))
    else:
        errors["primary_arm"] = v.FieldError(
            _("Choose an arm other than the control (%(control)s): %(arms)s.", control=arms[0], arms=", ".join(others))
        )


def primary_timepoint_check(data: dict, clean: dict, errors: dict, current: Study | None, timepoints) -> None:
    """The declared timepoint of the primary comparison is a timepoint after the first (and, once the surveys ask
    the primary variable, one that measures it after the first that does); timepoints or a primary outcome that no
    longer hold it empty it."""
    chosen = clean.get("primary_timepoint", (current.primary_timepoint if current else "") or "")
    if not chosen or errors.keys() & {"primary_timepoint", "timepoints", "primary_outcome"}:
        return
    outcome = clean.get("primary_outcome") or {}
    variable = (
        outcome.get("variable") if "primary_outcome" in clean else (current.primary_variable if current else None)
    )
    surveys = list(current.surveys) if current is not None else []
    choices = timepoint_choices(timepoints, surveys, variable)
    if chosen in choices:
        return
    if "primary_timepoint" not in data:  # the timepoints or the outcome changed: the declaration goes with them
        clean["primary_timepoint"] = ""
    elif not choices:
        errors["primary_timepoint"] = v.FieldError(
            _("No timepoint after the first measures the primary outcome: there is none to declare.")
        )
    elif choices == list(timepoints)[1:]:  # no survey asks the primary variable yet, or every later one does
        errors["primary_timepoint"] = v.FieldError(
            _(
                "Choose a timepoint after the first (%(first)s): %(timepoints)s.",
                first=timepoints[0],
                timepoints=", ".join(choices),
            )
        )
    else:
        errors["primary_timepoint"] = v.FieldError(
            _(
                "Choose a later timepoint that measures the primary outcome: %(timepoints)s.",
                timepoints=", ".join(choices),
            )
        )


def regulatory_checks(data: dict, clean: dict, errors: dict, current: Study | None) -> None:
    """The questionnaire fills the category and CNIL route not chosen by hand, then the route must fit the
    category (`regulatory.ROUTES`): an unfitting pair is refused, on the field that was sent."""
    names = ("research_category", "cnil_framework")
    stored = {name: getattr(current, name) if current else None for name in names}
    if "qualification" in clean:
        old_answers = current.qualification if current else None
        sent = {name: clean[name] for name in names if name in clean}
        clean.update(regulatory.follow(stored, sent, old_answers, clean["qualification"]))
    if not any(name in clean for name in names) or any(name in errors for name in names):
        return
    category = clean.get("research_category", stored["research_category"])
    framework = clean.get("cnil_framework", stored["cnil_framework"])
    problem = regulatory.route_problem(category, framework)
    if problem:
        at_fault = "cnil_framework" if "cnil_framework" in data else "research_category"
        errors[at_fault] = v.FieldError(problem)


def apply(study: Study, clean: dict) -> list[str]:
    """Write clean fields onto the study; returns the names that changed."""
    changed = []
    for name, value in clean.items():
        for attr, new in FIELDS[name].attributes(value).items():
            if getattr(study, attr) != new:
                setattr(study, attr, new)
                if name not in changed:
                    changed.append(name)
    return changed


def protocol_dict(study: Study) -> dict:
    """The protocol as it is reviewed and fingerprinted: every declared field that enters the hash."""
    return {name: FIELDS[name].value(study) for name in HASHED_FIELDS}


def iso(value) -> str | None:
    value = aware(value)
    return value.isoformat() if value else None


def study_dict(study: Study) -> dict:
    return {
        "id": study.id,
        **{f.name: f.value(study) for f in PROTOCOL},
        "status": str(study.status),
        "version": study.version,
        "owner": {"id": study.owner.id, "name": study.owner.name},
        "organisation": {"id": study.organisation.id, "name": study.organisation.name},
        "created_at": iso(study.created_at),
        "updated_at": iso(study.updated_at),
        "submitted_at": iso(study.submitted_at),
        "registration_hash": study.registration_hash,
        "registrations": [registration_dict(r) for r in study.registrations],
        "ended_at": iso(study.ended_at),
        "qualification_outcome": regulatory.outcome_dict(study.qualification),
        "consent_mode": str(regulatory.mode_of(study)),
    }


def registration_dict(registration, with_record: bool = False) -> dict:
    """One approved version: its hash chains to the previous one's (studies/amendments.py)."""
    out = {
        "version": registration.version,
        "registration_hash": registration.registration_hash,
        "previous_hash": registration.previous_hash,
        "approved_at": iso(registration.approved_at),
        "outcome_change": registration.outcome_change or None,
    }
    if with_record:
        out["record"] = registration.record
    return out


PUBLIC_FIELDS = ("id", *PROTOCOL_PUBLIC, "status", "places_left", "places_left_by_group", "places_left_by_site")


def public_study_dict(study: Study, taken: dict | None = None) -> dict:
    """What anyone may read about a recruiting study in the catalogue (`taken`: its quotas' places taken, when
    the caller read them for a whole page: participants/quota_places.py)."""
    by_group, by_site = places_left_by_quota(study, taken)
    full = study_dict(study) | {
        "places_left": places_left(study),
        "places_left_by_group": by_group,
        "places_left_by_site": by_site,
    }
    out = {name: full[name] for name in PUBLIC_FIELDS}
    out["organisation"] = {"name": study.organisation.name}
    # participants read a pilot in their language when it has an up-to-date translation (studies/pilot_languages.py)
    for name in pilot_languages.PROTOCOL_TEXTS:
        if isinstance(out.get(name), str):
            out[name] = pilot_languages.field_text(study, name)
    if out.get("sites"):
        out["sites"] = pilot_languages.sites_read(study)
    if isinstance((out.get("eligibility") or {}).get("criteria"), list):
        criteria, _sites = pilot_languages.eligibility_texts(study, [])
        out["eligibility"] = {**out["eligibility"], "criteria": criteria}
    return out


def places_left_by_quota(
    study: Study, taken: dict | None = None
) -> tuple[dict[str, int] | None, dict[str, int] | None]:
    """The places left in each age group and at each site with a quota, by key; None for a kind without quotas."""
    from ..participants import quota_places

    left = quota_places.left(study, taken)
    return left[quota_places.AGE] or None, left[quota_places.SITE] or None


def places_left(study: Study) -> int | None:
    """How many more participants the pilot takes; None when it sets no target."""
    if study.target_enrolment is None:
        return None
    return max(0, study.target_enrolment - (study.enrolled_count or 0))
