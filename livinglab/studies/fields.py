"""The study object: which fields it has, how each is checked, and how it is serialised."""
from flask_babel import gettext as _

from .. import validation as v
from ..timeutil import aware
from .models import CnilFramework, Design, Domain, Hypothesis, ResearchCategory, Study

LONG_TEXT = 10_000
LONG_FIELDS = ("summary", "objectives", "intervention", "risks", "data_collected", "duration",
               "location", "compensation")


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
        out[group] = {v.key(key): v.text(label, max_len=100, required=True, single_line=True)
                      for key, label in entries.items()}
    return out


def known_labels(labels: dict | None, arms, timepoints) -> dict:
    """The labels of the arms and timepoints the study has; those of any other key are dropped."""
    labels = labels or {}
    return {"arms": {k: t for k, t in (labels.get("arms") or {}).items() if k in (arms or [])},
            "timepoints": {k: t for k, t in (labels.get("timepoints") or {}).items() if k in (timepoints or [])}}


CHECKS = {
    "title": lambda x: v.text(x, max_len=200, required=True, single_line=True),
    "domain": lambda x: v.choice(x, Domain),
    "design": lambda x: v.choice(x, Design),
    "arms": lambda x: v.name_list(x, max_items=6, max_len=64, min_items=1, keys=True),
    "timepoints": lambda x: v.name_list(x, max_items=10, max_len=64, min_items=1, keys=True),
    "timepoint_delays": _delays,
    "labels": _labels,
    "target_enrolment": lambda x: v.integer(x, lo=1, hi=100_000),
    "eligibility": _eligibility,
    "primary_outcome": _primary_outcome,
    "alpha": lambda x: v.number(x, lo=0.001, hi=0.2, required=True),
    "research_category": lambda x: v.choice(x, ResearchCategory, required=False),
    "cnil_framework": lambda x: v.choice(x, CnilFramework, required=False),
    "cnil_reference": lambda x: v.text(x, max_len=200, single_line=True),
    "ethics_opinion": lambda x: v.text(x, max_len=200, single_line=True),
    "dpia_done": v.boolean,
    "retention_months": lambda x: v.integer(x, lo=1, hi=600),
    **{name: (lambda x: v.text(x, max_len=LONG_TEXT)) for name in LONG_FIELDS},
}
EDITABLE_FIELDS = tuple(CHECKS)
# Fields of the study object a client may send back unchanged; they are ignored.
READ_ONLY = ("id", "status", "version", "owner", "organisation", "created_at", "updated_at",
             "submitted_at", "registration_hash", "ended_at")
REQUIRED_ON_CREATE = ("title", "domain")


def clean_study_fields(data, *, creating: bool, current: Study | None = None) -> dict:
    """Check the fields of a create or patch body; returns clean values or raises one error."""
    if not isinstance(data, dict):
        v.raise_for({"body": v.FieldError(_("Send a JSON object."), 400)})
    errors = {name: v.FieldError(_("Unknown field."), 422)
              for name in data if name not in CHECKS and name not in READ_ONLY}
    clean, field_errors = v.gather(CHECKS, data)
    errors.update(field_errors)
    if creating:
        for name in REQUIRED_ON_CREATE:
            if name not in data:
                errors[name] = v.FieldError(_("This field is required."))
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
            errors["arms"] = v.FieldError(_("A parallel-group design needs at least two arms; the first is the control."))
    if current is not None and "timepoints" in clean and "timepoints" not in errors:
        orphaned = sorted({survey.timepoint for survey in current.surveys} - set(clean["timepoints"]))
        if orphaned:
            errors["timepoints"] = v.FieldError(_("Surveys are planned at %(tps)s: move or delete them first.",
                                                  tps=", ".join(orphaned)))
    timepoints = clean.get("timepoints", current.timepoints if current else ["baseline", "follow_up"])
    delays = clean.get("timepoint_delays", current.timepoint_delays if current else {}) or {}
    unknown = [name for name in delays if name not in timepoints]
    if unknown and "timepoints" not in errors and "timepoint_delays" not in errors:
        if "timepoint_delays" in clean:
            errors["timepoint_delays"] = v.FieldError(_("Not a timepoint of this study: %(names)s.",
                                                        names=", ".join(unknown)))
        else:  # timepoints renamed or removed: their delays go with them
            clean["timepoint_delays"] = {k: d for k, d in delays.items() if k in timepoints}
    # Labels follow the arms and timepoints: those of a key the study does not have are dropped.
    if "labels" in clean or (current is not None and ("arms" in clean or "timepoints" in clean)):
        clean["labels"] = known_labels(clean.get("labels", current.labels if current else {}),
                                       arms if arms is not None else ["intervention"], timepoints)
    v.raise_for(errors)
    return clean


def apply(study: Study, clean: dict) -> list[str]:
    """Write clean fields onto the study; returns the names that changed."""
    changed = []
    for name, value in clean.items():
        if name == "primary_outcome":
            pairs = {"primary_variable": value["variable"], "hypothesis": value["hypothesis"]}
        else:
            pairs = {name: value}
        for attr, new in pairs.items():
            if getattr(study, attr) != new:
                setattr(study, attr, new)
                if name not in changed:
                    changed.append(name)
    return changed


def protocol_dict(study: Study) -> dict:
    """The protocol as it is reviewed and fingerprinted: every editable field, nothing else."""
    return {
        "title": study.title,
        "domain": str(study.domain),
        "design": str(study.design),
        "arms": list(study.arms),
        "timepoints": list(study.timepoints),
        "timepoint_delays": dict(study.timepoint_delays or {}),
        "labels": known_labels(study.labels, study.arms, study.timepoints),
        "target_enrolment": study.target_enrolment,
        "eligibility": dict(study.eligibility),
        "primary_outcome": {"variable": study.primary_variable,
                            "hypothesis": str(study.hypothesis) if study.hypothesis else None},
        "alpha": study.alpha,
        **{name: getattr(study, name) for name in LONG_FIELDS},
        "research_category": str(study.research_category) if study.research_category else None,
        "cnil_framework": str(study.cnil_framework) if study.cnil_framework else None,
        "cnil_reference": study.cnil_reference,
        "ethics_opinion": study.ethics_opinion,
        "dpia_done": study.dpia_done,
        "retention_months": study.retention_months,
    }


def iso(value) -> str | None:
    value = aware(value)
    return value.isoformat() if value else None


def study_dict(study: Study) -> dict:
    return {
        "id": study.id,
        **protocol_dict(study),
        "status": str(study.status),
        "version": study.version,
        "owner": {"id": study.owner.id, "name": study.owner.name},
        "organisation": {"id": study.organisation.id, "name": study.organisation.name},
        "created_at": iso(study.created_at),
        "updated_at": iso(study.updated_at),
        "submitted_at": iso(study.submitted_at),
        "registration_hash": study.registration_hash,
        "ended_at": iso(study.ended_at),
    }


PUBLIC_FIELDS = ("id", "title", "domain", "summary", "design", "arms", "timepoints", "target_enrolment",
                 "eligibility", "intervention", "duration", "location", "compensation", "status", "places_left")


def public_study_dict(study: Study) -> dict:
    """What anyone may read about a recruiting study in the catalogue."""
    full = study_dict(study) | {"places_left": places_left(study)}
    out = {name: full[name] for name in PUBLIC_FIELDS}
    out["organisation"] = {"name": study.organisation.name}
    return out


def places_left(study: Study) -> int | None:
    """How many more participants the pilot takes; None when it sets no target."""
    if study.target_enrolment is None:
        return None
    return max(0, study.target_enrolment - (study.enrolled_count or 0))
