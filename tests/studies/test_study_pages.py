"""The study pages: who sees what, the editors, submission, review and recruitment."""

import html
import re

import pytest
from sqlalchemy import select

from livinglab.demo import food_protocol, food_surveys, sleep_protocol
from livinglab.extensions import db
from livinglab.studies.models import ReviewComment, Study, StudyStatus
from livinglab.studies.protocol import PROTOCOL


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def reload(study) -> Study:
    db.session.expire_all()
    return db.session.get(Study, study.id)


def rows(name: str, keys) -> dict:
    """The editor's rows of arms or timepoints (issue 9.12: a name per row, its key under "Advanced")."""
    return {
        f"{name}-{i}-{part}": value
        for i, key in enumerate(keys)
        for part, value in (("label", key.replace("_", " ").capitalize()), ("key", key))
    }


def protocol_form(**overrides) -> dict:
    """The protocol editor's fields for the complete demo protocol."""
    p = sleep_protocol()
    data = {f.name: p.get(f.name, "") for f in PROTOCOL if f.simple}  # one input each, as declared
    for name in ("arms", "timepoints"):
        data.update(rows(name, overrides.pop(name, p[name])))
    data.update(
        target_enrolment="40",
        min_age="18",
        max_age="65",
        criteria="\n".join(p["eligibility"]["criteria"]),
        primary_variable="sleep_hours",
        hypothesis="increase",
        alpha="0.05",
        cnil_reference="",
        dpia_done="y",
        retention_months="24",
    )
    data.update(overrides)
    return {name: value for name, value in data.items() if value is not None}


def new_draft(client, title="Hydration reminders", domain="e-health") -> Study:
    response = client.post("/studies/new", data={"title": title, "domain": domain})
    assert response.status_code == 302
    return db.session.scalars(select(Study).order_by(Study.id.desc())).first()


# --- Who may open what ---------------------------------------------------------------------------

STUDY_PAGES = [
    "/studies/{id}",
    "/studies/{id}/edit",
    "/studies/{id}/consent",
    "/studies/{id}/consent/preview",
    "/studies/{id}/consent/1",
    "/studies/{id}/review",
]
LIST_PAGES = ["/studies/", "/studies/all", "/studies/queue", "/studies/new"]


@pytest.mark.parametrize("path", STUDY_PAGES + LIST_PAGES)
def test_anonymous_is_sent_to_sign_in(client, make_study, path):
    study = make_study("draft")
    response = client.get(path.format(id=study.id))
    assert response.status_code == 302
    assert "/account/signin" in response.headers["Location"]


@pytest.mark.parametrize(
    "path, role, expected",
    [
        ("/studies/{id}", "startup", 200),
        ("/studies/{id}", "colleague", 200),
        ("/studies/{id}", "coordinator", 200),
        ("/studies/{id}", "other_startup", 404),
        ("/studies/{id}", "participant", 404),
        ("/studies/{id}/edit", "startup", 200),
        ("/studies/{id}/edit", "colleague", 200),
        ("/studies/{id}/edit", "coordinator", 403),
        ("/studies/{id}/edit", "other_startup", 404),
        ("/studies/{id}/edit", "participant", 404),
        ("/studies/{id}/consent", "startup", 200),
        ("/studies/{id}/consent", "coordinator", 403),
        ("/studies/{id}/consent", "other_startup", 404),
        ("/studies/{id}/consent", "participant", 404),
        ("/studies/{id}/consent/preview", "startup", 200),
        ("/studies/{id}/consent/preview", "coordinator", 200),
        ("/studies/{id}/consent/preview", "other_startup", 404),
        ("/studies/{id}/consent/preview", "participant", 404),
        ("/studies/{id}/consent/1", "startup", 200),
        ("/studies/{id}/consent/1", "coordinator", 200),
        ("/studies/{id}/consent/1", "other_startup", 404),
        ("/studies/{id}/consent/1", "participant", 404),
        ("/studies/{id}/review", "coordinator", 200),
        ("/studies/{id}/review", "startup", 403),
        ("/studies/{id}/review", "other_startup", 404),
        ("/studies/{id}/review", "participant", 404),
        ("/studies/", "startup", 200),
        ("/studies/", "coordinator", 403),
        ("/studies/", "participant", 403),
        ("/studies/new", "startup", 200),
        ("/studies/new", "coordinator", 403),
        ("/studies/new", "participant", 403),
        ("/studies/all", "coordinator", 200),
        ("/studies/all", "startup", 403),
        ("/studies/all", "participant", 403),
        ("/studies/queue", "coordinator", 200),
        ("/studies/queue", "startup", 403),
        ("/studies/queue", "participant", 403),
    ],
)
def test_page_access(request, client, login, make_study, path, role, expected):
    study = make_study("draft")
    login(request.getfixturevalue(role))
    assert client.get(path.format(id=study.id)).status_code == expected


def test_unknown_study_and_consent_version_are_404(client, login, startup, make_study):
    study = make_study("draft")
    login(startup)
    assert client.get("/studies/99999").status_code == 404
    assert client.get(f"/studies/{study.id}/consent/7").status_code == 404


@pytest.mark.parametrize("role, expected", [("coordinator", 403), ("other_startup", 404), ("participant", 404)])
def test_only_the_owner_organisation_submits(request, client, login, make_study, role, expected):
    study = make_study("draft")
    login(request.getfixturevalue(role))
    assert client.post(f"/studies/{study.id}/submit").status_code == expected
    assert reload(study).status == StudyStatus.DRAFT


@pytest.mark.parametrize("role, expected", [("other_startup", 404), ("participant", 404)])
def test_outsiders_cannot_touch_recruitment(request, client, login, make_study, role, expected):
    study = make_study("approved")
    login(request.getfixturevalue(role))
    assert client.post(f"/studies/{study.id}/recruitment", data={"state": "recruiting"}).status_code == expected
    assert reload(study).status == StudyStatus.APPROVED


def test_startup_cannot_decide(client, login, startup, make_study):
    study = make_study("submitted")
    login(startup)
    response = client.post(f"/studies/{study.id}/review", data={"decision": "approve", "comment": ""})
    assert response.status_code == 403
    assert reload(study).status == StudyStatus.SUBMITTED


# --- The startup's dashboard ---------------------------------------------------------------------


def test_dashboard_lists_own_studies_with_their_next_step(
    client, login, startup, other_startup, coordinator, make_study
):
    make_study("draft", protocol=sleep_protocol(title="Complete draft"))
    make_study("changes_requested", protocol=sleep_protocol(title="Sent back"))
    make_study("submitted", protocol=sleep_protocol(title="In review"))
    make_study("approved", protocol=sleep_protocol(title="Ready to recruit"))
    make_study("draft", owner=other_startup, protocol=sleep_protocol(title="Someone else's pilot"))
    login(startup)
    new_draft(client, title="Bare draft")

    page = text(client.get("/studies/"))
    assert "Someone else's pilot" not in page
    assert "Complete draft" in page and "Submit for review" in page
    assert "Bare draft" in page and "items missing)" in page
    assert "Fix the requested changes" in page
    assert "Waiting for review" in page
    assert "Open recruitment" in page
    assert "New study" in page


def test_colleague_sees_the_organisation_studies(client, login, colleague, make_study):
    make_study("draft", protocol=sleep_protocol(title="Shared pilot"))
    login(colleague)
    assert "Shared pilot" in text(client.get("/studies/"))


# --- Creating and editing the protocol -----------------------------------------------------------


def test_new_study_is_a_draft_and_opens_the_editor(client, login, startup):
    login(startup)
    response = client.post("/studies/new", data={"title": "Hydration reminders", "domain": "e-health"})
    study = db.session.scalars(select(Study)).one()
    assert response.headers["Location"].endswith(f"/studies/{study.id}/edit")
    assert (study.status, study.organisation_id, study.owner_id) == (
        StudyStatus.DRAFT,
        startup.organisation_id,
        startup.id,
    )
    assert client.get(response.headers["Location"]).status_code == 200


def test_new_study_needs_a_title(client, login, startup):
    login(startup)
    response = client.post("/studies/new", data={"title": "  ", "domain": "e-health"})
    assert response.status_code == 200
    assert "This field is required." in text(response)
    assert db.session.scalars(select(Study)).first() is None


def test_editor_saves_every_field(client, login, startup):
    login(startup)
    study = new_draft(client)
    response = client.post(
        f"/studies/{study.id}/edit",
        data=protocol_form(
            design="parallel_groups",
            arms=["control", "app"],
            max_age="",
            cnil_framework="authorisation",
            cnil_reference="DR-2026-042",
            retention_months="36",
            alpha="0.01",
        ),
    )
    assert response.status_code == 302
    study = reload(study)
    assert study.design == "parallel_groups" and study.arms == ["control", "app"]
    assert study.timepoints == ["baseline", "follow_up"]
    assert study.eligibility == {
        "min_age": 18,
        "max_age": None,
        "criteria": ["Works night or rotating shifts", "Lives in Nantes Métropole"],
    }
    assert (study.primary_variable, study.hypothesis, study.alpha) == ("sleep_hours", "increase", 0.01)
    assert (study.cnil_framework, study.cnil_reference, study.dpia_done, study.retention_months) == (
        "authorisation",
        "DR-2026-042",
        True,
        36,
    )
    assert study.summary == sleep_protocol()["summary"]
    assert "Draft saved." in text(client.get(response.headers["Location"]))


def test_an_incomplete_draft_can_be_saved(client, login, startup):
    login(startup)
    study = new_draft(client)
    response = client.post(
        f"/studies/{study.id}/edit",
        data={
            "title": "Hydration reminders",
            "domain": "e-health",
            "design": "single_group_pre_post",
            **rows("arms", ["intervention"]),
            **rows("timepoints", ["baseline", "follow_up"]),
            "min_age": "65",
            "summary": "Reminders to drink.",
        },
    )
    assert response.status_code == 302
    study = reload(study)
    assert study.summary == "Reminders to drink." and study.eligibility["min_age"] == 65
    assert study.target_enrolment is None and study.dpia_done is False


def test_editor_shows_type_errors_beside_fields_and_saves_the_rest(client, login, startup, make_study):
    """Issue 9.11 changed this: the valid fields of a draft are saved, the unreadable ones are not."""
    study = make_study("draft")
    login(startup)
    response = client.post(f"/studies/{study.id}/edit", data=protocol_form(summary="Changed", target_enrolment="lots"))
    assert response.status_code == 422
    assert "Not a valid integer value." in text(response)
    response = client.post(f"/studies/{study.id}/edit", data=protocol_form(summary="Changed again", alpha=""))
    assert 'id="alpha-error">This field is required.' in text(response)
    study = reload(study)
    assert study.summary == "Changed again" and study.alpha == 0.05 and study.target_enrolment == 40


def test_editor_shows_service_errors_beside_fields(client, login, startup, make_study):
    study = make_study("draft")
    login(startup)
    response = client.post(
        f"/studies/{study.id}/edit",
        data=protocol_form(
            design="parallel_groups", arms=["intervention"], min_age="70", max_age="30", primary_variable="Sleep hours"
        ),
    )
    page = text(response)
    assert response.status_code == 422
    assert "A parallel-group design needs at least two arms" in page
    assert "The maximum age must not be below the minimum age." in page
    assert "Use lower-case letters, digits and _ only" in page
    assert 'id="eligibility-error"' in page
    study = reload(study)
    assert study.design == "single_group_pre_post" and study.eligibility["max_age"] == 65


def test_overlong_fields_are_rejected_and_nothing_is_saved(client, login, startup, make_study):
    study = make_study("draft")
    version = study.version
    login(startup)
    response = client.post(
        f"/studies/{study.id}/edit",
        data=protocol_form(title="T" * 10_000, summary="S" * 10_001, objectives="New objectives"),
    )
    page = text(response)
    assert response.status_code == 422
    assert "At most 200 characters." in page
    assert "At most 10000 characters." in page
    study = reload(study)
    assert study.title == sleep_protocol()["title"] and study.summary == sleep_protocol()["summary"]
    assert study.objectives == "New objectives"  # issue 9.11: the valid fields of a draft are saved
    assert study.version == version + 1


def test_a_frozen_protocol_cannot_be_edited(client, login, startup, make_study):
    study = make_study("approved")
    login(startup)
    response = client.post(f"/studies/{study.id}/edit", data=protocol_form(title="Sneaky change"))
    assert response.headers["Location"].endswith(f"/studies/{study.id}")
    assert "can only be edited as a draft" in text(client.get(response.headers["Location"]))
    assert reload(study).title == sleep_protocol()["title"]
    assert client.get(f"/studies/{study.id}/edit").status_code == 302
    response = client.post(
        f"/studies/{study.id}/consent",
        data={"text": "New", "clauses-0-key": "ok", "clauses-0-text": "OK", "clauses-0-required": "y"},
    )
    assert response.status_code == 302
    assert len(reload(study).consent_versions) == 1


def test_changes_requested_protocol_is_editable_and_shows_the_comments(client, login, startup, make_study):
    study = make_study("changes_requested")
    login(startup)
    page = text(client.get(f"/studies/{study.id}/edit"))
    assert "Changes requested by the reviewer" in page
    assert "Please describe how allergies are handled." in page
    response = client.post(f"/studies/{study.id}/edit", data=protocol_form(risks="Allergens are listed."))
    assert response.status_code == 302
    assert reload(study).risks == "Allergens are listed."


def test_primary_outcome_is_picked_among_numeric_variables(client, login, startup, make_study):
    study = make_study("draft")
    login(startup)
    page = text(client.get(f"/studies/{study.id}/edit"))
    assert re.search(r'<select[^>]*id="primary_variable"', page)
    assert re.search(r'<option[^>]*(selected[^>]*value="sleep_hours"|value="sleep_hours"[^>]*selected)', page)
    assert 'value="who"' in page and 'value="sus"' in page
    assert 'value="comments"' not in page  # a text question cannot be the primary outcome

    draft = new_draft(client)
    page = text(client.get(f"/studies/{draft.id}/edit"))
    assert re.search(r'<input[^>]*id="primary_variable"[^>]*type="text"', page)  # no survey yet: a key, under
    assert "Add your surveys, then pick the primary outcome here" in page  # "Advanced"


def test_user_html_is_shown_escaped(client, login, startup, coordinator):
    login(startup)
    title = '<script>alert("x")</script>'
    study = new_draft(client, title=title)
    client.post(f"/studies/{study.id}/edit", data=protocol_form(title=title, summary="<b>bold</b>"))
    for path in ("/studies/", f"/studies/{study.id}", f"/studies/{study.id}/edit"):
        raw = client.get(path).get_data(as_text=True)
        assert "<script>alert" not in raw and "<b>bold" not in raw
        assert "&lt;script&gt;alert" in raw
    client.post("/account/signout")
    login(coordinator)
    raw = client.get("/studies/all").get_data(as_text=True)
    assert "<script>alert" not in raw and "&lt;script&gt;alert" in raw


# --- The consent form ----------------------------------------------------------------------------


def test_each_consent_save_is_a_new_version_and_blank_rows_are_ignored(client, login, startup, make_study):
    study = make_study("draft")
    login(startup)
    page = text(client.get(f"/studies/{study.id}/consent"))
    assert re.search(r'<input[^>]*name="clauses-2-key"[^>]*value="recontact"', page)  # existing clauses
    assert 'name="clauses-5-key"' in page and 'name="clauses-6-key"' not in page  # and three blank rows
    response = client.post(
        f"/studies/{study.id}/consent",
        data={
            "text": "Version two.",
            "clauses-0-key": "understood",
            "clauses-0-text": "I understood.",
            "clauses-0-required": "y",
            "clauses-1-key": "",
            "clauses-1-text": "",
            "clauses-1-required": "y",
            "clauses-2-key": "recontact",
            "clauses-2-text": "Contact me later.",
        },
    )
    assert response.status_code == 302
    versions = reload(study).consent_versions
    assert [v.version for v in versions] == [1, 2]
    assert versions[-1].text == "Version two."
    assert versions[-1].clauses == [
        {"key": "understood", "text": "I understood.", "required": True},
        {"key": "recontact", "text": "Contact me later.", "required": False},
    ]
    old = text(client.get(f"/studies/{study.id}/consent/1"))
    assert "I agree to be contacted about future pilots." in old and "A later version replaces it" in old
    assert "Version 1" in text(client.get(f"/studies/{study.id}"))


def test_consent_errors_are_shown_on_their_row(client, login, startup, make_study):
    study = make_study("draft")
    login(startup)
    response = client.post(
        f"/studies/{study.id}/consent",
        data={
            "text": "",
            "clauses-0-key": "same",
            "clauses-0-text": "First.",
            "clauses-1-key": "",
            "clauses-1-text": "",
            "clauses-2-key": "same",
            "clauses-2-text": "Second.",
        },
    )
    page = text(response)
    assert response.status_code == 200
    assert "This field is required." in page
    assert 'id="clauses-2-error">The key “same” is used twice.' in page
    assert len(reload(study).consent_versions) == 1


def test_consent_preview_is_what_a_participant_sees(client, login, coordinator, make_study):
    study = make_study("submitted")
    login(coordinator)
    page = text(client.get(f"/studies/{study.id}/consent/preview"))
    assert "You are invited to take part in a pilot." in page
    assert "I agree to be contacted about future pilots." in page
    # the sleep pilot is RIPH 3: information with a right to object, a box to tick, no signature
    assert page.count('type="checkbox"') == 4 and page.count("disabled") >= 5
    assert "Required" in page and "Optional" in page
    assert "I have read the information notice" in page and "as your signature" not in page


def test_consent_preview_without_consent(client, login, startup):
    login(startup)
    study = new_draft(client)
    response = client.get(f"/studies/{study.id}/consent/preview")
    assert response.status_code == 200 and "no consent form yet" in text(response)


# --- Submission ----------------------------------------------------------------------------------


def test_submitting_an_incomplete_draft_lists_what_is_missing(client, login, startup):
    login(startup)
    study = new_draft(client)
    response = client.post(f"/studies/{study.id}/submit")
    assert response.headers["Location"].endswith(f"/studies/{study.id}")
    page = text(client.get(response.headers["Location"]))
    assert "The protocol is not complete yet. Still missing:" in page
    assert "A plain-language summary" in page and "A consent form with at least one required clause" in page
    assert reload(study).status == StudyStatus.DRAFT


def test_submitting_a_complete_draft_puts_it_in_the_queue(client, login, startup, coordinator, make_study):
    study = make_study("draft")
    login(startup)
    client.post(f"/studies/{study.id}/submit")
    assert reload(study).status == StudyStatus.SUBMITTED
    assert "Waiting for review" in text(client.get("/studies/"))
    client.post("/account/signout")
    login(coordinator)
    assert sleep_protocol()["title"] in text(client.get("/studies/queue"))


def test_queue_lists_the_oldest_submission_first(client, login, coordinator, make_study):
    make_study("submitted", protocol=sleep_protocol(title="First in"))
    make_study("submitted", protocol=food_protocol(title="Second in"), survey_defs=food_surveys())
    make_study("draft", protocol=sleep_protocol(title="Not submitted"))
    login(coordinator)
    page = text(client.get("/studies/queue"))
    assert page.index("First in") < page.index("Second in")
    assert "Not submitted" not in page and "Sommeil+" in page


def test_queue_loads_organisations_in_one_query(client, login, coordinator, make_study, make_user, count_queries):
    login(coordinator)
    make_study("submitted")
    with count_queries() as few:
        client.get("/studies/queue")
    for n in range(3):
        make_study("submitted", owner=make_user("startup", organisation=f"Org {n}"))
    with count_queries() as many:
        client.get("/studies/queue")
    assert len(many) == len(few)


# --- Review --------------------------------------------------------------------------------------


def test_review_page_shows_the_whole_submission(client, login, coordinator, make_study):
    study = make_study("submitted")
    login(coordinator)
    page = text(client.get(f"/studies/{study.id}/review"))
    for expected in (
        sleep_protocol()["summary"],
        "CPP Ouest IV 2026-123",
        "You are invited to take part",
        "On average, how many hours did you sleep per night last week?",
        "WHO-5 Well-Being Index",
        "Complete: nothing is missing.",
        "Record the decision",
    ):
        assert expected in page


def test_a_decision_without_comment_shows_the_error_and_keeps_the_status(client, login, coordinator, make_study):
    study = make_study("submitted")
    login(coordinator)
    response = client.post(f"/studies/{study.id}/review", data={"decision": "request_changes", "comment": " "})
    assert response.status_code == 200
    assert 'id="comment-error">Explain the decision: a comment is required unless approving.' in text(response)
    assert reload(study).status == StudyStatus.SUBMITTED
    assert db.session.scalars(select(ReviewComment)).first() is None


def test_request_changes_with_section_comments(client, login, startup, coordinator, make_study):
    study = make_study("submitted")
    login(coordinator)
    response = client.post(
        f"/studies/{study.id}/review",
        data={
            "decision": "request_changes",
            "comment": "Nearly there.",
            "section-consent": "Say who keeps the data.",
            "section-design": "",
            "section-surveys": "",
            "section-data_protection": "",
        },
    )
    assert response.status_code == 302
    study = reload(study)
    assert study.status == StudyStatus.CHANGES_REQUESTED
    assert {(c.section, c.body) for c in study.comments} == {
        ("general", "Nearly there."),
        ("consent", "Say who keeps the data."),
    }
    client.post("/account/signout")
    login(startup)
    page = text(client.get(f"/studies/{study.id}"))
    assert "Say who keeps the data." in page and "Fix the requested changes" in page
    assert coordinator.name in page


def test_approval_shows_the_registration_hash(client, login, coordinator, make_study):
    study = make_study("submitted")
    login(coordinator)
    response = client.post(
        f"/studies/{study.id}/review", data={"decision": "approve", "comment": ""}, follow_redirects=True
    )
    study = reload(study)
    assert study.status == StudyStatus.APPROVED and len(study.registration_hash) == 64
    page = text(response)
    assert study.registration_hash in page
    assert "SHA-256 fingerprint" in page


def test_review_form_only_for_a_submitted_study(client, login, coordinator, make_study):
    study = make_study("approved")
    login(coordinator)
    page = text(client.get(f"/studies/{study.id}/review"))
    assert "only a study submitted for review can be decided" in page
    assert "Record the decision" not in page
    response = client.post(f"/studies/{study.id}/review", data={"decision": "reject", "comment": "No."})
    assert response.status_code == 302
    assert reload(study).status == StudyStatus.APPROVED


# --- Recruitment and the study page's buttons ----------------------------------------------------


def test_recruitment_moves(client, login, startup, coordinator, make_study):
    study = make_study("approved")
    login(coordinator)
    client.post(f"/studies/{study.id}/recruitment", data={"state": "recruiting"})
    assert reload(study).status == StudyStatus.RECRUITING
    client.post("/account/signout")
    login(startup)
    client.post(f"/studies/{study.id}/recruitment", data={"state": "paused"})
    assert reload(study).status == StudyStatus.PAUSED
    response = client.post(f"/studies/{study.id}/recruitment", data={"state": "paused"}, follow_redirects=True)
    assert "cannot be moved this way" in text(response)
    response = client.post(f"/studies/{study.id}/recruitment", data={"state": "finished"}, follow_redirects=True)
    assert "Some values are not valid." in text(response)
    assert reload(study).status == StudyStatus.PAUSED


@pytest.mark.parametrize(
    "status, role, shown, hidden",
    [
        (
            "draft",
            "startup",
            ["Edit protocol", "Edit consent", "Submit for review"],
            ["Open recruitment", "Review this"],
        ),
        ("draft", "coordinator", [], ["Edit protocol", "Submit for review", "Review this"]),
        ("submitted", "coordinator", ["Review this study"], ["Edit protocol", "Open recruitment"]),
        ("submitted", "startup", [], ["Edit protocol", "Submit for review", "Review this"]),
        ("approved", "startup", ["Open recruitment"], ["Edit protocol", "Pause recruitment"]),
        ("recruiting", "coordinator", ["Pause recruitment", "Close recruitment"], ["Open recruitment", "Resume"]),
        ("paused", "startup", ["Resume recruitment", "Close recruitment"], ["Pause recruitment"]),
        ("closed", "coordinator", [], ["recruitment</button>", "Edit protocol"]),
    ],
)
def test_study_page_shows_only_the_allowed_buttons(request, client, login, make_study, status, role, shown, hidden):
    study = make_study(status)
    login(request.getfixturevalue(role))
    page = text(client.get(f"/studies/{study.id}"))
    for label in shown:
        assert label in page
    for label in hidden:
        assert label not in page


def test_study_page_history_names_the_actors_in_a_bounded_number_of_queries(
    client, login, startup, colleague, coordinator, make_study, count_queries
):
    study = make_study("submitted")
    login(startup)
    db.session.expire_all()  # each request starts with nothing loaded, as in production (the tests share one session)
    with count_queries() as before:
        page = text(client.get(f"/studies/{study.id}"))
    assert startup.name in page and "Submitted for review" in page and "Saved consent version 1" in page
    client.post("/account/signout")
    login(coordinator)
    client.post(f"/studies/{study.id}/review", data={"decision": "request_changes", "comment": "More detail."})
    client.post("/account/signout")
    login(colleague)
    client.post(f"/studies/{study.id}/edit", data=protocol_form(risks="Fewer risks."))
    client.post(f"/studies/{study.id}/submit")
    db.session.expire_all()
    with count_queries() as after:
        page = text(client.get(f"/studies/{study.id}"))
    assert (
        coordinator.name in page
        and colleague.name in page
        and "Edited the protocol: Risks and how they are reduced" in page
    )
    assert len(after) == len(before)


# --- The coordinator's overview ------------------------------------------------------------------


def test_overview_filters_by_status_and_domain(client, login, coordinator, make_study):
    make_study("submitted", protocol=sleep_protocol(title="Sleep in review"))
    make_study("draft", protocol=sleep_protocol(title="Sleep draft"))
    make_study("submitted", protocol=food_protocol(title="Food in review"), survey_defs=food_surveys())
    login(coordinator)
    page = text(client.get("/studies/all"))
    assert all(title in page for title in ("Sleep in review", "Sleep draft", "Food in review"))
    assert "Review queue (2 waiting)" in page

    page = text(client.get("/studies/all?status=submitted"))
    assert "Sleep in review" in page and "Food in review" in page and "Sleep draft" not in page

    page = text(client.get("/studies/all?status=submitted&domain=foodtech"))
    assert "Food in review" in page and "Sleep in review" not in page and "Sleep draft" not in page

    page = text(client.get("/studies/all?status=nonsense&domain=e-health"))
    assert "Sleep in review" in page and "Sleep draft" in page and "Food in review" not in page


def test_study_page_links_to_the_survey_builder_once_it_exists(app, client, login, startup, make_study):
    study = make_study("draft")
    login(startup)
    page = text(client.get(f"/studies/{study.id}"))
    assert "Before the coaching" in page and "After four weeks" in page
    if "surveys.show" in app.view_functions:
        assert f'href="/studies/{study.id}/surveys/{study.surveys[0].id}"' in page
    if "surveys.new" in app.view_functions:
        assert f'href="/studies/{study.id}/surveys/new"' in page
