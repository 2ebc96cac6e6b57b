"""The participant's side of the API: enrolment, answers, withdrawal and GDPR rights."""

import hashlib

from flask import Blueprint, current_app, request
from flask_limiter.util import get_remote_address

from ..extensions import limiter
from ..participants import corrections, drafts, gdpr, started
from ..participants import services as participation
from ..studies.fields import iso
from ..transactions import unit_of_work
from . import corrections as corrections_api
from .common import json_body, token_required

bp = Blueprint("participation", __name__)


@bp.post("/studies/<int:study_id>/enrolment")
@limiter.limit(lambda: current_app.config["ENROL_RATE_LIMIT"])
@token_required("join")
def enrol(user, study_id):
    """Check eligibility, sign the consent and enrol (randomised to an arm where the design says so)."""
    study = participation.visible_study(user, study_id)
    data = json_body()
    with participation.counting_refusals(), unit_of_work():  # a refusal after the check is counted, as on the pages
        enrolment = participation.enrol(
            user,
            study,
            consent_version=data.get("consent_version"),
            clauses=data.get("clauses"),
            signature=data.get("signature"),
            age=data.get("age"),
            criteria_confirmed=data.get("criteria_confirmed"),
            confirmed=data.get("confirmed"),  # express consent and information (studies/regulatory.py)
            site=data.get("site"),  # where the participant takes part, when the pilot has sites (studies/sites.py)
        )
    return {
        "participant_code": enrolment.participant_code,
        "arm": enrolment.arm,
        "consent_mode": str(enrolment.signature.mode),  # just signed
    }, 201


def token_key() -> str:
    """Rate limits per bearer token (a hash of it), so that many participants behind one address
    (a care home, a company network) do not share one budget."""
    header = request.headers.get("Authorization", "")
    return "token:" + hashlib.sha256(header.encode()).hexdigest() if header else "address:" + get_remote_address()


@bp.post("/studies/<int:study_id>/surveys/<key>/responses")
@limiter.limit(lambda: current_app.config["ANSWER_RATE_LIMIT"], key_func=token_key)
@limiter.limit(lambda: current_app.config["ANSWER_ADDRESS_RATE_LIMIT"])
@token_required("take_part")
def respond(user, study_id, key):
    """Answer one survey, once."""
    study = participation.visible_study(user, study_id)
    data = json_body()
    started_at = started.from_api(data.get("started_at"))  # none sent: no start, never flagged as too fast
    with unit_of_work():
        response = participation.submit_response(user, study, key, data.get("answers"), started_at)
    return {
        "id": response.id,
        "survey": key,
        "submitted_at": iso(response.submitted_at),
        "started_at": iso(response.started_at),
        "revision": 0,
        "instance": response.instance,  # a repeatable survey's report number; 1 for every other survey
    }, 201


@bp.put("/studies/<int:study_id>/surveys/<key>/responses/mine")
@limiter.limit(lambda: current_app.config["ANSWER_RATE_LIMIT"], key_func=token_key)
@limiter.limit(lambda: current_app.config["ANSWER_ADDRESS_RATE_LIMIT"])
@token_required("take_part")
def correct(user, study_id, key):
    """Correct one's answers to a survey until its window closes: the whole survey again, with the revision
    corrected."""
    study = participation.visible_study(user, study_id)
    data = json_body()
    with unit_of_work():
        response = corrections.correct_own(
            user, study, key, data.get("answers"), data.get("revision"), data.get("instance")
        )
    return corrections_api.response_dict(response)


def draft_dict(draft) -> dict:
    return {
        "survey": draft.survey.key,
        "answers": draft.answers,
        "saved_at": iso(draft.saved_at),
        "started_at": iso(draft.started_at),
    }


@bp.put("/studies/<int:study_id>/surveys/<key>/draft")
@token_required("take_part")
def save_draft(user, study_id, key):
    """Keep the answers given so far, to finish later (replaces the previous draft)."""
    study = participation.visible_study(user, study_id)
    with unit_of_work():
        draft = drafts.save(user, study, key, json_body().get("answers"))
    return draft_dict(draft)


@bp.get("/studies/<int:study_id>/surveys/<key>/draft")
@token_required("take_part")
def get_draft(user, study_id, key):
    """The saved draft of one survey."""
    return draft_dict(drafts.load(user, participation.visible_study(user, study_id), key))


@bp.delete("/studies/<int:study_id>/surveys/<key>/draft")
@token_required("take_part")
def delete_draft(user, study_id, key):
    """Throw the draft away."""
    with unit_of_work():
        drafts.discard(user, participation.visible_study(user, study_id), key)
    return "", 204


@bp.post("/studies/<int:study_id>/withdrawal")
@token_required("take_part")
def withdraw(user, study_id):
    """Leave the pilot, keeping or erasing the answers given so far."""
    study = participation.visible_study(user, study_id)
    with unit_of_work():
        enrolment = participation.withdraw(user, study, json_body().get("erase_data"))
    return {
        "participant_code": enrolment.participant_code,
        "status": str(enrolment.status),
        "data_erased": enrolment.data_erased,
    }


@bp.get("/me/export")
@token_required("signed_in")
def export(user):
    """Every personal datum held about the caller."""
    return gdpr.personal_data(user)


@bp.delete("/me")
@token_required("erase_account")
def erase(user):
    """Erase the caller's account."""
    with unit_of_work():
        gdpr.erase_account(user)
    return "", 204
