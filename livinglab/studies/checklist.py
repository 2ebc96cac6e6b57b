"""What a protocol still lacks before it can be submitted."""
from dataclasses import dataclass

from flask_babel import gettext as _

from ..surveys.definitions import study_variables
from .models import CnilFramework, Design, ResearchCategory, Study


@dataclass
class Check:
    key: str
    label: str
    ok: bool
    section: str


def primary_outcome_problem(study: Study) -> str | None:
    """Why the pre-registered primary outcome cannot be analysed as designed, or None."""
    if not study.primary_variable or not study.hypothesis:
        return _("Choose the primary outcome variable and the hypothesis.")
    variables = study_variables(study.surveys, study.timepoints)
    var = variables.get(study.primary_variable)
    if var is None:
        return _("The primary outcome “%(key)s” is not asked in any survey.", key=study.primary_variable)
    if not var.numeric:
        return _("The primary outcome must be numeric (Likert, number, NPS or an instrument score).")
    if study.design == Design.SINGLE_GROUP_PRE_POST and len(var.timepoints) < 2:
        return _("A pre/post design compares two timepoints: ask “%(key)s” at the first and a later timepoint.",
                 key=var.key)
    return None


def checklist(study: Study) -> list[Check]:
    filled = lambda value: bool(value and str(value).strip())  # noqa: E731
    covered = {survey.timepoint for survey in study.surveys if survey.items}
    missing_tps = [tp for tp in study.timepoints if tp not in covered]
    consent = study.current_consent
    riph = study.research_category in (ResearchCategory.RIPH1, ResearchCategory.RIPH2, ResearchCategory.RIPH3)
    outcome_problem = primary_outcome_problem(study)
    checks = [
        Check("title", _("A title"), filled(study.title), "protocol"),
        Check("summary", _("A plain-language summary"), filled(study.summary), "protocol"),
        Check("objectives", _("Objectives"), filled(study.objectives), "protocol"),
        Check("intervention", _("The intervention being tested"), filled(study.intervention), "protocol"),
        Check("timepoints", _("At least two timepoints for a pre/post design"),
              study.design != Design.SINGLE_GROUP_PRE_POST or len(study.timepoints) >= 2, "design"),
        Check("target_enrolment", _("A target enrolment"), bool(study.target_enrolment), "design"),
        Check("eligibility", _("Eligibility: a minimum age"),
              (study.eligibility or {}).get("min_age") is not None, "design"),
        Check("primary_outcome", outcome_problem or _("A primary outcome measured where the design compares it"),
              outcome_problem is None, "design"),
        Check("risks", _("Risks and how they are reduced"), filled(study.risks), "protocol"),
        Check("data_collected", _("Which data are collected and why"), filled(study.data_collected),
              "data_protection"),
        Check("duration", _("How long taking part lasts"), filled(study.duration), "protocol"),
        Check("location", _("Where the pilot takes place"), filled(study.location), "protocol"),
        Check("compensation", _("What participants gain or are paid (write “nothing” if so)"),
              filled(study.compensation), "protocol"),
        Check("research_category", _("The category of research"), study.research_category is not None,
              "data_protection"),
        Check("cnil_framework", _("The CNIL reference methodology or authorisation"),
              study.cnil_framework is not None, "data_protection"),
        Check("cnil_reference", _("The CNIL authorisation number"),
              study.cnil_framework != CnilFramework.AUTHORISATION or filled(study.cnil_reference),
              "data_protection"),
        Check("ethics_opinion", _("The ethics committee (CPP) opinion reference, required for RIPH"),
              not riph or filled(study.ethics_opinion), "data_protection"),
        Check("dpia_done", _("A data protection impact assessment (DPIA)"), study.dpia_done, "data_protection"),
        Check("retention_months", _("The data retention period"), bool(study.retention_months), "data_protection"),
        Check("consent", _("A consent form with at least one required clause"),
              consent is not None and any(c["required"] for c in consent.clauses), "consent"),
        Check("surveys", _("A survey at every timepoint") if not missing_tps
              else _("A survey at every timepoint (missing: %(tps)s)", tps=", ".join(missing_tps)),
              not missing_tps, "surveys"),
    ]
    return checks


def missing(study: Study) -> dict[str, str]:
    """What blocks submission, by the name of the field (or part) that is missing."""
    return {check.key: check.label for check in checklist(study) if not check.ok}
