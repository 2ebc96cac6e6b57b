"""Studies: the protocol, its consent and surveys, the review and recruitment."""

from flask import Blueprint
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..errors import NotFound
from ..extensions import db
from ..participants import quota_places
from ..participants import services as participation
from ..policy import authorise, can, public, visible_studies
from ..studies import services, workflow
from ..studies.fields import iso, public_study_dict, study_dict
from ..studies.models import Domain, Study, StudyStatus
from ..surveys import services as surveys
from ..surveys.services import survey_dict
from ..transactions import unit_of_work
from .common import bearer_user, json_body, query_choice, token_required
from .pagination import paginate, paginate_list

bp = Blueprint("studies", __name__)


def consent_dict(consent) -> dict:
    return {
        "version": consent.version,
        "text": consent.text,
        "clauses": consent.clauses,
        "on_erasure": consent.on_erasure,
        "keep_free_text": consent.keep_free_text,
        "created_at": iso(consent.created_at),
        "gdpr": consent.gdpr,  # the GDPR information items; null for a version written without them
    }


def find_study(study_id: int) -> Study | None:
    return db.session.get(Study, study_id)


def load(user, study_id: int, action: str) -> Study:
    return authorise(user, find_study(study_id), action)


@bp.post("/studies")
@token_required("create_study")
def create_study(user):
    """Draft a new study for the caller's organisation."""
    with unit_of_work():
        study = services.create_study(user, json_body())
    return study_dict(study), 201


@bp.get("/studies")
@token_required("signed_in")
def list_studies(user):
    """The studies the caller may see, optionally of one status, a page at a time by id."""
    status = query_choice("status", StudyStatus)
    query = (
        select(Study)
        .options(selectinload(Study.owner), selectinload(Study.organisation), selectinload(Study.registrations))
        .where(visible_studies(user))
    )
    if status:
        query = query.where(Study.status == status)
    return paginate(query, Study.id, "studies", study_dict)


@bp.get("/studies/<int:study_id>")
@token_required("read")
def get_study(user, study_id):
    """One study, for its organisation, the coordinators and its participants."""
    return study_dict(load(user, study_id, "read"))


@bp.patch("/studies/<int:study_id>")
@token_required("edit")
def patch_study(user, study_id):
    """Change editable fields of a draft (or of a study waiting for changes)."""
    study = load(user, study_id, "edit")
    with unit_of_work():
        services.update_study(user, study, json_body())
    return study_dict(study)


@bp.put("/studies/<int:study_id>/consent")
@token_required("edit")
def put_consent(user, study_id):
    """Save a new version of the consent form."""
    study = load(user, study_id, "edit")
    data = json_body()
    with unit_of_work():
        consent = services.save_consent(
            user,
            study,
            data.get("text"),
            data.get("clauses", []),
            data.get("gdpr"),
            on_erasure=data.get("on_erasure"),
            keep_free_text=data.get("keep_free_text"),
        )
    return consent_dict(consent)


@bp.get("/studies/<int:study_id>/consent")
@public
def get_consent(study_id):
    """The current consent: public for a recruiting study, else for those who may see the study."""
    study = find_study(study_id)
    if study is None:
        raise NotFound(_("This study does not exist, or you cannot see it."))
    if not workflow.is_recruiting(study):
        authorise(bearer_user(), study, "read")
    if study.current_consent is None:
        raise NotFound(_("This study has no consent form yet."), code="no_consent")
    return consent_dict(study.current_consent)


@bp.post("/studies/<int:study_id>/surveys")
@token_required("edit")
def create_survey(user, study_id):
    """Add a survey at one of the study's timepoints."""
    study = load(user, study_id, "edit")
    with unit_of_work():
        survey = surveys.create_survey(user, study, json_body())
    return survey_dict(survey), 201


@bp.get("/studies/<int:study_id>/surveys")
@token_required("read")
def list_surveys(user, study_id):
    """The study's surveys, in creation order; a participant also reads which are still to answer."""
    study = load(user, study_id, "read")
    page = paginate_list(study.surveys, f"surveys.{study.id}", survey_dict)
    if can(user, "take_part", study):
        due = {d.survey.id: d for d in participation.states_for(participation.enrolment_of(user, study))}
        for item in page["items"]:
            state = due.get(item["id"])
            item.update(
                state=state.state if state else "closed",
                opens_at=iso(state.opens_at) if state else None,
                closes_at=iso(state.closes_at) if state else None,
            )
    return page


@bp.post("/studies/<int:study_id>/submit")
@token_required("submit")
def submit(user, study_id):
    """Send the protocol to the coordinators."""
    study = load(user, study_id, "submit")
    with unit_of_work():
        services.submit(user, study)
    return study_dict(study)


@bp.post("/studies/<int:study_id>/decision")
@token_required("review")
def decision(user, study_id):
    """A coordinator approves, requests changes or rejects."""
    study = load(user, study_id, "review")
    data = json_body()
    with unit_of_work():
        services.decide(user, study, data.get("decision"), data.get("comment"), data.get("section_comments"))
    return study_dict(study)


@bp.post("/studies/<int:study_id>/recruitment")
@token_required("recruit")
def recruitment(user, study_id):
    """Open, pause or close recruitment."""
    study = load(user, study_id, "recruit")
    with unit_of_work():
        services.set_recruitment(user, study, json_body().get("state"))
    return study_dict(study)


@bp.post("/studies/<int:study_id>/end")
@token_required("end")
def end(user, study_id):
    """End the pilot: no more answers, final results."""
    study = load(user, study_id, "end")
    with unit_of_work():
        services.end_study(user, study, json_body().get("reason"))
    return study_dict(study)


@bp.get("/catalogue")
@public
def catalogue():
    """Recruiting studies, public fields only (with the places left), for anyone, a page at a time."""
    domain = query_choice("domain", Domain)
    query = (
        select(Study)
        .options(selectinload(Study.organisation), selectinload(Study.owner), selectinload(Study.registrations))
        .where(workflow.in_states(workflow.RECRUITING))
    )
    if domain:
        query = query.where(Study.domain == domain)
    return paginate(query, Study.id, "catalogue", public_study_dict, prepare=with_places_by_group)


def with_places_by_group(studies):
    """The page's places left by age group, read in one query for all its pilots."""
    taken = quota_places.taken_by_study([study.id for study in quota_places.quoted(studies)])
    return lambda study: public_study_dict(study, taken.get(study.id, {}))
