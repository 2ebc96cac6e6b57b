"""The review workflow's rules, at the level of the services pages and API share."""

import hashlib
import json

import pytest
from sqlalchemy import select

from livinglab.audit import AuditRecord, study_history
from livinglab.errors import Conflict, Invalid
from livinglab.extensions import db
from livinglab.studies import services, workflow
from livinglab.studies.checklist import missing
from livinglab.studies.models import ReviewComment, StudyStatus
from livinglab.surveys import services as surveys


def test_the_table_of_moves_matches_the_contract():
    S = StudyStatus
    pairs = {(before, after) for moves in workflow.TRANSITIONS.values() for before, after in moves.items()}
    assert pairs == {
        (S.DRAFT, S.SUBMITTED),
        (S.CHANGES_REQUESTED, S.SUBMITTED),
        (S.SUBMITTED, S.APPROVED),
        (S.SUBMITTED, S.CHANGES_REQUESTED),
        (S.SUBMITTED, S.REJECTED),
        (S.APPROVED, S.RECRUITING),
        (S.RECRUITING, S.PAUSED),
        (S.PAUSED, S.RECRUITING),
        (S.RECRUITING, S.CLOSED),
        (S.PAUSED, S.CLOSED),
        (S.RECRUITING, S.ENDED),
        (S.PAUSED, S.ENDED),
        (S.CLOSED, S.ENDED),
    }


# What each state means, written here: the predicates that hold in it (every other one is false).
MEANINGS = {
    "draft": {"is_editable", "is_submittable", "is_interim"},
    "changes_requested": {"is_editable", "is_submittable", "changes_requested", "is_interim"},
    "submitted": {"is_reviewable", "is_interim"},
    "rejected": {"is_interim"},
    "approved": {
        "is_approved",
        "approved_once",
        "results_available",
        "is_exportable",
        "recruitment_adjustable",
        "is_interim",
    },
    "recruiting": {
        "approved_once",
        "is_recruiting",
        "recruitment_adjustable",
        "takes_answers",
        "results_available",
        "is_exportable",
        "is_endable",
        "is_interim",
    },
    "paused": {
        "approved_once",
        "recruitment_adjustable",
        "takes_answers",
        "results_available",
        "is_exportable",
        "is_endable",
        "is_interim",
    },
    # Recruitment closed is not the end: the enrolled still answer, the results stay interim
    "closed": {"approved_once", "takes_answers", "results_available", "is_exportable", "is_endable", "is_interim"},
    "ended": {"approved_once", "results_available", "is_exportable", "is_final"},
}
PREDICATES = sorted(set().union(*MEANINGS.values()))


@pytest.mark.parametrize("status", list(StudyStatus))
def test_each_state_means_what_the_table_says(status):
    study = type("Stub", (), {"status": status})()
    assert {name for name in PREDICATES if getattr(workflow, name)(study)} == MEANINGS[str(status)]


@pytest.mark.parametrize("status", list(StudyStatus))
@pytest.mark.parametrize("move", list(workflow.TRANSITIONS))
def test_every_move_the_table_forbids_is_a_conflict_and_changes_nothing(make_study, coordinator, status, move):
    study = make_study(str(status))
    if study.status in workflow.TRANSITIONS[move]:
        return  # allowed: covered by the demo paths
    before = len(study_history(study.id))
    with pytest.raises(Conflict):
        workflow.move(study, move, coordinator)
    db.session.rollback()
    assert study.status == status
    assert len(study_history(study.id)) == before


def test_each_move_writes_who_when_from_to_and_comment(make_study, coordinator):
    study = make_study("submitted")
    services.decide(
        coordinator,
        study,
        "request_changes",
        "Explain the allergy policy.",
        {"consent": "Say how to withdraw.", "design": ""},
    )
    db.session.commit()
    last = study_history(study.id)[-1]
    assert (last.action, last.from_state, last.to_state) == ("study.request_changes", "submitted", "changes_requested")
    assert last.actor_id == coordinator.id and last.comment == "Explain the allergy policy." and last.at
    comments = db.session.scalars(select(ReviewComment).where(ReviewComment.study_id == study.id)).all()
    assert {(c.section, c.body) for c in comments} == {
        ("general", "Explain the allergy policy."),
        ("consent", "Say how to withdraw."),
    }


@pytest.mark.parametrize("decision", ["request_changes", "reject"])
def test_a_comment_is_required_unless_approving(make_study, coordinator, decision):
    study = make_study("submitted")
    with pytest.raises(Invalid) as err:
        services.decide(coordinator, study, decision, "   ")
    assert "comment" in err.value.fields
    db.session.rollback()
    assert study.status == StudyStatus.SUBMITTED


def test_approval_freezes_a_fingerprint_anyone_can_recompute(make_study, coordinator):
    study = make_study("submitted")
    services.decide(coordinator, study, "approve", "")
    db.session.commit()
    canonical = json.dumps(services.frozen_record(study), sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    assert study.registration_hash == hashlib.sha256(canonical.encode()).hexdigest()
    assert services.frozen_record(study)["protocol"]["primary_outcome"] == {
        "variable": "sleep_hours",
        "hypothesis": "increase",
    }


@pytest.mark.parametrize("status", ["submitted", "approved", "recruiting", "rejected", "closed"])
def test_frozen_studies_refuse_every_edit(make_study, startup, status):
    study = make_study(status)
    survey = study.surveys[0]
    attempts = [
        lambda: services.update_study(startup, study, {"title": "Changed"}),
        lambda: services.save_consent(startup, study, "New text", []),
        lambda: surveys.create_survey(
            startup,
            study,
            {"key": "x", "title": "X", "timepoint": "baseline", "items": [{"key": "q", "text": "Q", "type": "yes_no"}]},
        ),
        lambda: surveys.add_item(startup, survey, {"key": "q2", "text": "Q", "type": "yes_no"}),
        lambda: surveys.delete_item(startup, survey, 0),
        lambda: surveys.delete_survey(startup, survey),
    ]
    for attempt in attempts:
        with pytest.raises(Conflict):
            attempt()
        db.session.rollback()
    assert study.title == "Sleep coaching app for shift workers"
    assert len(study.consent_versions) == 1 and len(study.surveys) == 2


def test_consent_versions_accumulate_and_stay_readable(make_study, startup):
    study = make_study("draft")
    services.save_consent(startup, study, "Second text", [{"key": "ok", "text": "I agree", "required": True}])
    db.session.commit()
    assert [c.version for c in study.consent_versions] == [1, 2]
    assert study.consent_versions[0].text.startswith("You are invited")
    assert study.current_consent.text == "Second text"


def test_resubmission_after_changes(make_study, startup, coordinator):
    study = make_study("changes_requested")
    services.update_study(startup, study, {"risks": "Allergens listed on every dish."})
    services.submit(startup, study)
    services.decide(coordinator, study, "approve", "Fine now.")
    db.session.commit()
    assert [r.to_state for r in study_history(study.id) if r.to_state][-3:] == [
        "changes_requested",
        "submitted",
        "approved",
    ]
    assert study.version == 2


def test_review_queue_is_oldest_submission_first(make_study, startup, coordinator):
    first, second = make_study("draft"), make_study("draft")
    services.submit(startup, second)
    db.session.commit()
    services.submit(startup, first)
    db.session.commit()
    assert [s.id for s in services.review_queue()] == [second.id, first.id]


class TestChecklist:
    def test_a_complete_protocol_lacks_nothing(self, make_study):
        assert missing(make_study("draft")) == {}

    def test_riph_needs_the_ethics_opinion(self, make_study, startup):
        study = make_study("draft")
        services.update_study(startup, study, {"ethics_opinion": ""})
        assert "ethics_opinion" in missing(study)
        services.update_study(startup, study, {"research_category": "not_riph", "cnil_framework": "mr004"})
        assert "ethics_opinion" not in missing(study)

    def test_a_cnil_authorisation_needs_its_reference(self, make_study, startup):
        study = make_study("draft")
        services.update_study(startup, study, {"cnil_framework": "authorisation"})
        assert "cnil_reference" in missing(study) and "cnil_framework" not in missing(study)
        services.update_study(startup, study, {"cnil_reference": "DR-2026-042"})
        assert "cnil_reference" not in missing(study)

    @pytest.mark.parametrize(
        "variable, reason",
        [
            ("nowhere", "is not asked in any survey"),
            ("comments", "must be numeric"),
            ("sus", "compares two timepoints"),
        ],
    )
    def test_the_primary_outcome_must_be_analysable(self, make_study, startup, variable, reason):
        study = make_study("draft")
        services.update_study(startup, study, {"primary_outcome": {"variable": variable, "hypothesis": "increase"}})
        assert reason in missing(study)["primary_outcome"]

    def test_an_instrument_score_can_be_the_primary_outcome(self, make_study, startup):
        study = make_study("draft")
        services.update_study(startup, study, {"primary_outcome": {"variable": "who", "hypothesis": "increase"}})
        assert missing(study) == {}

    def test_every_timepoint_needs_a_survey(self, make_study, startup):
        study = make_study("draft")
        services.update_study(startup, study, {"timepoints": ["baseline", "follow_up", "month_3"]})
        assert "month_3" in missing(study)["surveys"]

    def test_submitting_an_incomplete_protocol_lists_what_is_missing(self, make_study, startup):
        study = make_study("draft")
        services.update_study(startup, study, {"summary": "", "dpia_done": False})
        with pytest.raises(Invalid) as err:
            services.submit(startup, study)
        assert err.value.code == "incomplete" and {"summary", "dpia_done"} <= set(err.value.fields)
        db.session.rollback()
        assert study.status == StudyStatus.DRAFT


def test_audit_records_carry_the_study(make_study):
    study = make_study("recruiting")
    actions = [
        r.action
        for r in db.session.scalars(
            select(AuditRecord).where(AuditRecord.study_id == study.id).order_by(AuditRecord.id)
        )
    ]
    assert actions[:2] == ["study.create", "consent.save"]
    assert actions[-3:] == ["study.submit", "study.approve", "study.open"]


class TestTimepointDelays:
    def test_delays_are_part_of_the_protocol(self, make_study, startup):
        study = make_study("draft")
        services.update_study(startup, study, {"timepoint_delays": {"follow_up": 28}})
        assert study.timepoint_delays == {"follow_up": 28}
        assert services.frozen_record(study)["protocol"]["timepoint_delays"] == {"follow_up": 28}

    @pytest.mark.parametrize("delays", [{"month_9": 3}, {"follow_up": -1}, {"follow_up": 10_000}])
    def test_bad_delays_are_refused(self, make_study, startup, delays):
        study = make_study("draft")
        with pytest.raises(Invalid):
            services.update_study(startup, study, {"timepoint_delays": delays})
        db.session.rollback()
        assert study.timepoint_delays == {}

    def test_removing_a_timepoint_drops_its_delay(self, make_study, startup):
        study = make_study("draft")
        services.update_study(
            startup,
            study,
            {"timepoints": ["baseline", "follow_up", "month_3"], "timepoint_delays": {"follow_up": 28, "month_3": 90}},
        )
        services.update_study(startup, study, {"timepoints": ["baseline", "follow_up"]})
        assert study.timepoint_delays == {"follow_up": 28}


def test_the_protocol_editor_reads_delays_beside_timepoints(client, login, make_study, startup):
    study = make_study("draft")
    login(startup)
    page = client.get(f"/studies/{study.id}/edit").get_data(as_text=True)
    # issue 9.12: each timepoint has a name and a day field (no more "follow_up: 28")
    form = {
        "title": study.title,
        "domain": "e-health",
        "design": "single_group_pre_post",
        "timepoints-0-label": "Baseline",
        "timepoints-0-key": "baseline",
        "timepoints-1-label": "Follow up",
        "timepoints-1-key": "follow_up",
        "timepoints-1-days": "28",
        "min_age": "18",
        "alpha": "0.05",
    }
    assert "follow_up" in page
    client.post(f"/studies/{study.id}/edit", data=form)
    db.session.refresh(study)
    assert study.timepoints == ["baseline", "follow_up"] and study.timepoint_delays == {"follow_up": 28}
    response = client.post(f"/studies/{study.id}/edit", data={**form, "timepoints-1-days": "soon"})
    assert "Not a valid integer value." in response.get_data(as_text=True)
    db.session.refresh(study)
    assert study.timepoint_delays == {"follow_up": 28}
