"""Amendments of an approved study, its registrations, and participants' re-consent (API.md v1.1)."""

from flask import Blueprint
from flask_babel import gettext as _

from .. import validation as v
from ..participants import services as participation
from ..studies import amendments, diff
from ..studies.amendments import amendment_dict, registration_dict
from ..transactions import unit_of_work
from .common import json_body, token_required
from .pagination import paginate_list
from .studies import load

bp = Blueprint("amendments", __name__)


@bp.post("/studies/<int:study_id>/amendments")
@token_required("amend")
def open_amendment(user, study_id):
    """Propose a new version of an approved protocol, a copy of the approved one, saying why."""
    study = load(user, study_id, "amend")
    data = json_body()
    with unit_of_work(
        _("An amendment of this study was opened at the same moment: finish that one first."), code="amendment_open"
    ):
        amendment = amendments.open_amendment(user, study, data.get("reason"))
    return amendment_dict(amendment), 201


@bp.get("/studies/<int:study_id>/amendments")
@token_required("view")
def list_amendments(user, study_id):
    """The study's amendments, oldest first."""
    study = load(user, study_id, "view")
    return paginate_list(amendments.amendments_of(study), f"amendments.{study.id}", amendment_dict)


@bp.get("/studies/<int:study_id>/amendments/<int:version>")
@token_required("view")
def get_amendment(user, study_id, version):
    """One amendment: its state, reason and proposed protocol, consent and surveys."""
    return amendment_dict(amendments.find(load(user, study_id, "view"), version))


@bp.get("/studies/<int:study_id>/amendments/<int:version>/diff")
@token_required("view")
def get_amendment_diff(user, study_id, version):
    """What the amendment changes against the approved version it amends, as its page shows it, by machine key."""
    study = load(user, study_id, "view")
    amendment = amendments.find(study, version)
    return {
        "study_id": study.id,
        "version": amendment.version,
        "status": str(amendment.status),
        **diff.as_json(amendments.differences(study, amendment)),
    }


@bp.patch("/studies/<int:study_id>/amendments/<int:version>")
@token_required("amend")
def patch_amendment(user, study_id, version):
    """Change fields of the proposed protocol (checked as a PATCH of the study)."""
    study = load(user, study_id, "amend")
    amendment = amendments.find(study, version)
    with unit_of_work():
        amendments.update(user, study, amendment, json_body())
    return amendment_dict(amendment)


@bp.put("/studies/<int:study_id>/amendments/<int:version>/consent")
@token_required("amend")
def put_amendment_consent(user, study_id, version):
    """Propose a new consent form: participants sign it again once the amendment is approved."""
    study = load(user, study_id, "amend")
    amendment = amendments.find(study, version)
    data = json_body()
    kept = [name for name in ("on_erasure", "keep_free_text") if name in data]
    if kept:  # what happens to the answers at the end of retention stays as approved: say so, never ignore it
        v.raise_for(
            {
                name: v.FieldError(
                    _("What happens to the answers stays as in the approved consent form: an amendment keeps it.")
                )
                for name in kept
            }
        )
    with unit_of_work():
        amendments.save_consent(user, study, amendment, data.get("text"), data.get("clauses", []), data.get("gdpr"))
    return amendment_dict(amendment)


@bp.post("/studies/<int:study_id>/amendments/<int:version>/surveys")
@token_required("amend")
def post_amendment_survey(user, study_id, version):
    """Change the survey with this key, or add one (surveys are never removed)."""
    study = load(user, study_id, "amend")
    amendment = amendments.find(study, version)
    with unit_of_work():
        amendments.save_survey(user, study, amendment, json_body())
    return amendment_dict(amendment)


@bp.post("/studies/<int:study_id>/amendments/<int:version>/submit")
@token_required("amend")
def submit_amendment(user, study_id, version):
    """Send the amendment to the coordinators."""
    study = load(user, study_id, "amend")
    amendment = amendments.find(study, version)
    with unit_of_work():
        amendments.submit(user, study, amendment)
    return amendment_dict(amendment)


@bp.post("/studies/<int:study_id>/amendments/<int:version>/decision")
@token_required("review_amendment")
def decide_amendment(user, study_id, version):
    """A coordinator approves (a new registration), requests changes or rejects."""
    study = load(user, study_id, "review_amendment")
    amendment = amendments.find(study, version)
    data = json_body()
    with unit_of_work():
        amendments.decide(
            user, study, amendment, data.get("decision"), data.get("comment"), data.get("section_comments")
        )
    return amendment_dict(amendment)


@bp.get("/studies/<int:study_id>/registrations")
@token_required("read")
def list_registrations(user, study_id):
    """Every approved version, oldest first, with the record its hash covers: the chain can be recomputed."""
    study = load(user, study_id, "read")
    return paginate_list(
        study.registrations, f"registrations.{study.id}", lambda r: registration_dict(r, with_record=True)
    )


@bp.post("/studies/<int:study_id>/consent-signatures")
@token_required("take_part")
def sign_consent(user, study_id):
    """An enrolled participant signs the consent version that replaced theirs."""
    study = participation.visible_study(user, study_id)
    data = json_body()
    with unit_of_work():
        signed = participation.reconsent(
            user,
            study,
            consent_version=data.get("consent_version"),
            clauses=data.get("clauses"),
            signature=data.get("signature"),
            confirmed=data.get("confirmed"),  # express consent and information (studies/regulatory.py)
        )
    return {"consent_version": signed.consent_version.version}, 201
