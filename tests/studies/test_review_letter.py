"""Review rounds and the response letter (issue 12, items 2 and 3): what changed since the round the reviewer
read, comments on every section of the protocol, the startup's replies, by page and API."""

import json
import re

import pytest
from sqlalchemy import func, select

from livinglab.audit import AuditRecord
from livinglab.extensions import db
from livinglab.notifications.compose import Recipient, build
from livinglab.notifications.models import OutboxMessage
from livinglab.studies import amendments, rounds
from livinglab.studies import services as studies
from livinglab.studies.models import ReviewComment, ReviewRound, Study, StudyStatus
from livinglab.surveys import services as surveys

API = "/api/v1"
# Every section of the demo sleep protocol (studies/sections.py), written here, not read from the code
EVERY_SECTION = (
    "protocol",
    "design",
    "outcome",
    "regulatory",
    "data_protection",
    "consent",
    "surveys",
    "survey:baseline",
    "survey:follow_up",
)


def reload(study) -> Study:
    db.session.expire_all()
    return db.session.get(Study, study.id)


@pytest.fixture
def api(client, api_headers):
    tokens = {}

    def call(method, path, user=None, **kwargs):
        if user is not None and id(user) not in tokens:
            tokens[id(user)] = api_headers(user)
        return client.open(API + path, method=method, headers=tokens.get(id(user), {}), **kwargs)

    return call


def ask_changes(coordinator, study, sections=None, comment="Say how tiredness is followed up."):
    studies.decide(coordinator, study, "request_changes", comment, sections or {})
    db.session.commit()
    return rounds.letter(study)["comments"]


def comment_on(study, section) -> ReviewComment:
    return next(c for c in reload(study).comments if c.section == section)


# --- What changed since the round the reviewer read ----------------------------------------------------


def test_a_resubmitted_draft_shows_each_kind_of_change_since_the_round_reviewed(make_study, startup, coordinator):
    study = make_study("submitted")
    ask_changes(coordinator, study)
    studies.update_study(startup, study, {"summary": "Four weeks of coaching, then a survey."})
    studies.save_consent(
        startup,
        study,
        "A new information text.",
        [
            {"key": "understood", "text": "I have read the new information.", "required": True},
            {
                "key": "data_use",
                "text": "I agree that my answers are used, under a pseudonym, for this pilot.",
                "required": True,
            },
            {"key": "photos", "text": "I agree to send photos of my bedroom.", "required": False},
        ],
    )
    follow_up = next(s for s in study.surveys if s.key == "follow_up")
    keys = [item["key"] for item in follow_up.items]
    surveys.edit_item(
        startup,
        follow_up,
        keys.index("comments"),
        {"key": "comments", "text": "Tell us more.", "type": "text", "required": False},
    )
    surveys.delete_item(startup, follow_up, [item["key"] for item in follow_up.items].index("sus"))
    surveys.add_item(startup, follow_up, {"key": "energy", "text": "Your energy?", "type": "likert"})
    studies.submit(startup, study)
    db.session.commit()

    letter = rounds.letter(reload(study))
    assert (letter["round"].number, letter["latest"].number) == (1, 2)
    changes = letter["diff"]
    assert [(str(label), after) for label, _before, after in changes["fields"]] == [
        ("Plain-language summary", "Four weeks of coaching, then a survey.")
    ]
    assert changes["consent_text"][1] == "A new information text."
    assert {(key, change) for key, change, _text in changes["clauses"]} == {
        ("understood", "changed"),
        ("photos", "added"),
        ("recontact", "removed"),
    }
    [(survey, change, items)] = changes["surveys"]
    assert (survey["key"], change) == ("follow_up", "changed")
    assert set(items) == {("energy", "added"), ("sus", "removed"), ("comments", "changed")}


def test_the_reviewer_reads_the_letter_beside_what_changed(client, login, make_study, startup, coordinator):
    study = make_study("submitted")
    [general, design] = ask_changes(coordinator, study, {"design": "Why forty participants?"})
    rounds.reply(startup, study, design.id, "Forty gives 80 % power\r\nfor one hour more of sleep.")
    studies.update_study(startup, study, {"target_enrolment": 44})
    studies.submit(startup, study)
    db.session.commit()

    login(coordinator)
    page = client.get(f"/studies/{study.id}/review").get_data(as_text=True)
    since = page[page.index('id="since-title"') : page.index('id="part-')]
    assert "Since round 1, which you reviewed" in since
    assert "Why forty participants?" in since and "Forty gives 80 % power" in since
    assert "Say how tiredness is followed up." in since and "No reply." in since  # the general one: unanswered
    assert "Target enrolment" in since and "<ins>44</ins>" in since and "<del>40</del>" in since


def test_a_first_submission_has_no_diff(client, login, make_study, coordinator):
    study = make_study("submitted")
    login(coordinator)
    page = client.get(f"/studies/{study.id}/review").get_data(as_text=True)
    assert 'id="since-title"' not in page
    assert rounds.letter(study)["diff"] is None


def test_each_submission_freezes_its_round(make_study, startup, coordinator):
    study = make_study("submitted")
    ask_changes(coordinator, study)
    studies.update_study(startup, study, {"summary": "Changed."})
    studies.submit(startup, study)
    db.session.commit()
    records = db.session.scalars(
        select(ReviewRound.record).where(ReviewRound.study_id == study.id).order_by(ReviewRound.number)
    ).all()
    assert [r["protocol"]["summary"] for r in records][1] == "Changed."
    assert records[0]["protocol"]["summary"] != "Changed."
    assert all(c.round_id is not None for c in reload(study).comments)


# --- Comments on every section -------------------------------------------------------------------------


def test_the_review_page_has_a_comment_box_under_every_section(client, login, make_study, coordinator):
    study = make_study("submitted")
    login(coordinator)
    page = client.get(f"/studies/{study.id}/review").get_data(as_text=True)
    boxes = re.findall(r'<textarea id="[^"]+" name="section-([^"]+)" form="decision-form"', page)
    assert sorted(boxes) == sorted(EVERY_SECTION)


def test_a_coordinator_comments_every_section_by_page(client, login, make_study, coordinator):
    study = make_study("submitted")
    login(coordinator)
    data = {"decision": "request_changes", "comment": "See each section."}
    data |= {f"section-{name}": f"About {name}." for name in EVERY_SECTION}
    assert client.post(f"/studies/{study.id}/review", data=data).status_code == 302
    stored = {(c.section, c.body) for c in reload(study).comments}
    assert stored == {("general", "See each section.")} | {(name, f"About {name}.") for name in EVERY_SECTION}


def test_the_page_refuses_an_unknown_section_and_stores_nothing(client, login, make_study, coordinator):
    study = make_study("submitted")
    login(coordinator)
    data = {"decision": "request_changes", "comment": "No.", "section-design": "Fine.", "section-survey:nope": "?"}
    response = client.post(f"/studies/{study.id}/review", data=data)
    assert response.status_code == 200
    assert "Some section comments are not valid" in response.get_data(as_text=True)
    study = reload(study)
    assert study.status == StudyStatus.SUBMITTED and study.comments == []


def test_a_coordinator_comments_every_section_by_api(api, make_study, coordinator):
    study = make_study("submitted")
    body = {"decision": "request_changes", "comment": "See each section."}
    body["section_comments"] = {name: f"About {name}." for name in EVERY_SECTION}
    assert api("POST", f"/studies/{study.id}/decision", coordinator, json=body).status_code == 200
    listed = api("GET", f"/studies/{study.id}/comments", coordinator).get_json()["items"]
    assert {item["section"] for item in listed} == {"general", *EVERY_SECTION}
    labels = {item["section"]: item["section_label"] for item in listed}
    assert labels["survey:baseline"] == "Survey “Before the coaching”"
    assert labels["regulatory"] == "Regulatory frame"


@pytest.mark.parametrize(
    "sections, status",
    [
        ({"nope": "x"}, 422),
        ({"general": "x"}, 422),  # the decision's own comment is `comment`
        ({"survey:nope": "x"}, 422),  # not a survey of this protocol
        ({"survey:": "x"}, 422),
        ({"design": 5}, 400),
        (["design"], 400),
        ({"design": "x" * 10_001}, 422),
    ],
)
def test_the_api_refuses_a_bad_section_comment_and_stores_nothing(api, make_study, coordinator, sections, status):
    study = make_study("submitted")
    body = {"decision": "request_changes", "comment": "No.", "section_comments": sections}
    response = api("POST", f"/studies/{study.id}/decision", coordinator, json=body)
    assert response.status_code == status
    assert reload(study).status == StudyStatus.SUBMITTED and reload(study).comments == []


def test_another_studys_survey_is_not_a_section_of_this_one(api, make_study, coordinator):
    from livinglab.demo import food_protocol, food_surveys

    study = make_study("submitted")
    theirs = [{**survey, "key": "lunch_" + survey["key"]} for survey in food_surveys()]
    other = make_study("submitted", protocol=food_protocol(), survey_defs=theirs)
    foreign = "survey:" + other.surveys[0].key
    assert foreign not in {"survey:" + survey.key for survey in study.surveys}
    body = {"decision": "request_changes", "comment": "No.", "section_comments": {foreign: "x"}}
    assert api("POST", f"/studies/{study.id}/decision", coordinator, json=body).status_code == 422


# --- The startup's replies -----------------------------------------------------------------------------


def test_the_startup_answers_each_comment_on_its_study_page(client, login, make_study, startup, coordinator):
    study = make_study("submitted")
    general, consent = ask_changes(coordinator, study, {"consent": "Say who reads the answers."})
    login(startup)
    page = client.get(f"/studies/{study.id}").get_data(as_text=True)
    assert f'name="reply-{general.id}"' in page and f'name="reply-{consent.id}"' in page
    assert "2 comments have no reply yet" in page
    response = client.post(
        f"/studies/{study.id}/replies", data={f"reply-{consent.id}": "Only the research team.", "csrf_token": ""}
    )
    assert response.status_code == 302
    assert comment_on(study, "consent").reply == "Only the research team."
    assert comment_on(study, "general").reply == ""
    page = client.get(f"/studies/{study.id}").get_data(as_text=True)
    assert "1 comment has no reply yet" in page
    audited = db.session.scalar(
        select(func.count()).select_from(AuditRecord).where(AuditRecord.action == "review.reply")
    )
    assert audited == 1


def test_the_startup_answers_by_api_and_the_reply_goes_with_the_resubmission(api, make_study, startup, coordinator):
    study = make_study("submitted")
    [general] = ask_changes(coordinator, study)
    text = "A weekly check-in\r\nasks about tiredness. <script>alert(1)</script>"
    response = api("PUT", f"/studies/{study.id}/comments/{general.id}/reply", startup, json={"reply": text})
    assert response.status_code == 200
    assert response.get_json()["reply"] == text.strip() and response.get_json()["answerable"] is True
    assert api("POST", f"/studies/{study.id}/submit", startup).status_code == 200
    listed = api("GET", f"/studies/{study.id}/comments", coordinator).get_json()["items"]
    assert [(item["reply"], item["answerable"], item["round"]) for item in listed] == [(text.strip(), False, 1)]
    # once resubmitted, the letter is the reviewer's to read, no longer the startup's to change
    late = api("PUT", f"/studies/{study.id}/comments/{general.id}/reply", startup, json={"reply": "Later."})
    assert late.status_code == 409 and late.get_json()["error"]["code"] == "not_answerable"


def test_the_reply_is_shown_escaped(client, login, make_study, startup, coordinator):
    study = make_study("submitted")
    [general] = ask_changes(coordinator, study)
    rounds.reply(startup, study, general.id, "<script>alert(1)</script>")
    studies.submit(startup, study)
    db.session.commit()
    login(coordinator)
    page = client.get(f"/studies/{study.id}/review").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_a_comment_of_an_earlier_round_cannot_be_answered(api, make_study, startup, coordinator):
    study = make_study("submitted")
    [first] = ask_changes(coordinator, study, comment="First round.")
    studies.submit(startup, study)
    db.session.commit()
    ask_changes(coordinator, study, comment="Second round.")
    response = api("PUT", f"/studies/{study.id}/comments/{first.id}/reply", startup, json={"reply": "x"})
    assert response.status_code == 409
    assert comment_on(study, "general").reply == ""


def test_resubmitting_without_every_reply_is_allowed_and_the_mail_says_how_many(make_study, startup, coordinator):
    study = make_study("submitted")
    general, design = ask_changes(coordinator, study, {"design": "Why forty?"})
    rounds.reply(startup, study, design.id, "Power.")
    studies.submit(startup, study)
    db.session.commit()
    mail = db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.kind == "review_submitted").order_by(OutboxMessage.id.desc())
    ).first()
    assert mail.context["letter"] == {"answered": 1, "comments": 2, "round": 2}
    email = build(mail, Recipient("claire@example.org", "Claire", "en", user_id=coordinator.id))
    assert "The startup answered 1 of the 2 comments in its response letter" in email.get_body(("plain",)).get_content()


# --- Attacks -------------------------------------------------------------------------------------------


@pytest.fixture
def asked(make_study, coordinator):
    study = make_study("submitted")
    [general] = ask_changes(coordinator, study)
    return study, general


def test_another_organisations_comment_is_not_found(
    api, client, login, asked, make_study, other_startup, coordinator, startup
):
    study, general = asked
    theirs = make_study("submitted", owner=other_startup)
    [their_comment] = ask_changes(coordinator, theirs)
    # our study, their comment id
    response = api("PUT", f"/studies/{study.id}/comments/{their_comment.id}/reply", startup, json={"reply": "x"})
    assert response.status_code == 404
    # their study, from our organisation
    response = api("PUT", f"/studies/{theirs.id}/comments/{their_comment.id}/reply", startup, json={"reply": "x"})
    assert response.status_code == 404
    assert api("GET", f"/studies/{theirs.id}/comments", startup).status_code == 404
    login(startup)
    assert client.post(f"/studies/{study.id}/replies", data={f"reply-{their_comment.id}": "x"}).status_code == 404
    assert client.post(f"/studies/{theirs.id}/replies", data={f"reply-{their_comment.id}": "x"}).status_code == 404
    assert db.session.get(ReviewComment, their_comment.id).reply == ""


@pytest.mark.parametrize("role, status", [("coordinator", 403), ("participant", 404)])
def test_only_the_owner_organisation_replies(api, client, login, asked, make_user, coordinator, role, status):
    study, general = asked
    user = coordinator if role == "coordinator" else make_user("participant")
    response = api("PUT", f"/studies/{study.id}/comments/{general.id}/reply", user, json={"reply": "x"})
    assert response.status_code == status
    login(user)
    assert client.post(f"/studies/{study.id}/replies", data={f"reply-{general.id}": "x"}).status_code == status
    assert comment_on(study, "general").reply == ""


@pytest.mark.parametrize(
    "body, status",
    [
        ({"reply": "x" * 5001}, 422),
        ({"reply": ["x"]}, 400),
        ({"reply": {"a": {"b": {"c": "d"}}}}, 400),
        ({"reply": "a\x00b"}, 422),
    ],
)
def test_a_bad_reply_is_refused_and_changes_nothing(api, asked, startup, body, status):
    study, general = asked
    response = api("PUT", f"/studies/{study.id}/comments/{general.id}/reply", startup, json=body)
    assert response.status_code == status
    assert comment_on(study, "general").reply == ""


def test_deeply_nested_or_huge_json_is_refused(api, asked, startup):
    study, general = asked
    nested = "[" * 10_000 + "]" * 10_000
    url = f"/studies/{study.id}/comments/{general.id}/reply"
    assert (
        api("PUT", url, startup, data='{"reply": ' + nested + "}", content_type="application/json").status_code == 400
    )
    huge = json.dumps({"reply": "x" * 3_000_000})
    assert api("PUT", url, startup, data=huge, content_type="application/json").status_code in (413, 422)
    assert comment_on(study, "general").reply == ""


def test_a_too_long_reply_on_the_page_is_refused_and_saves_nothing(client, login, asked, startup):
    study, general = asked
    login(startup)
    response = client.post(f"/studies/{study.id}/replies", data={f"reply-{general.id}": "x" * 5001})
    assert response.status_code == 302
    assert comment_on(study, "general").reply == ""


# --- Amendments ----------------------------------------------------------------------------------------


def test_an_amendment_takes_section_comments_replies_and_shows_both_diffs(
    client, login, make_study, startup, coordinator
):
    study = make_study("recruiting")
    amendment = amendments.open_amendment(startup, study, "A clearer summary.")
    amendments.update(startup, study, amendment, {"summary": "Clearer."})
    amendments.submit(startup, study, amendment)
    amendments.decide(
        coordinator, study, amendment, "request_changes", "Almost.", {"survey:baseline": "Shorter please."}
    )
    db.session.commit()
    letter = rounds.letter(study, amendment.version)
    assert letter["open"] and [c.section for c in letter["comments"]] == ["general", "survey:baseline"]
    survey_comment = letter["comments"][1]

    login(startup)
    page = client.get(f"/studies/{study.id}/amendments/{amendment.version}").get_data(as_text=True)
    assert f'name="reply-{survey_comment.id}"' in page
    response = client.post(
        f"/studies/{study.id}/amendments/{amendment.version}/replies", data={f"reply-{survey_comment.id}": "Done."}
    )
    assert response.status_code == 302 and comment_on(study, "survey:baseline").reply == "Done."
    amendments.update(startup, study, amendment, {"objectives": "New objectives."})
    amendments.submit(startup, study, amendment)
    db.session.commit()

    client.post("/account/signout")
    login(coordinator)
    page = client.get(f"/studies/{study.id}/amendments/{amendment.version}").get_data(as_text=True)
    approved_diff = page[page.index('id="diff-title"') : page.index('id="since-title"')]
    since = page[page.index('id="since-title"') : page.index('id="decision-title"')]
    assert "Clearer." in approved_diff and "New objectives." in approved_diff  # against the approved version
    assert "New objectives." in since and "Clearer." not in since  # against the last round
    assert "Shorter please." in since and "Done." in since
    boxes = re.findall(r'name="section-([^"]+)"', page)
    assert sorted(boxes) == sorted(EVERY_SECTION)


# --- Query counts --------------------------------------------------------------------------------------


def selects(statements) -> int:
    """The queries, without the transaction's own BEGIN (issued or not depending on the session's state)."""
    return sum(1 for statement in statements if statement.lstrip().upper().startswith(("SELECT", "WITH")))


def test_the_review_page_and_the_comments_api_do_not_query_per_comment_or_study(
    client, login, api, make_study, startup, coordinator, count_queries
):
    def resubmitted(n_sections):
        study = make_study("submitted")
        names = EVERY_SECTION[:n_sections]
        comments = ask_changes(coordinator, study, {name: f"About {name}." for name in names})
        for comment in comments:
            rounds.reply(startup, study, comment.id, "Answered.")
        studies.submit(startup, study)
        db.session.commit()
        return study

    small = resubmitted(1)
    login(coordinator)
    api("GET", f"/studies/{small.id}/comments", coordinator)  # the token, made before counting
    counts = {}
    for label, study in (("small", small), ("large", None)):
        if study is None:
            for _ in range(3):
                resubmitted(2)
            study = resubmitted(len(EVERY_SECTION))
        db.session.expire_all()
        with count_queries() as page_queries:
            assert client.get(f"/studies/{study.id}/review").status_code == 200
        with count_queries() as api_queries:
            assert api("GET", f"/studies/{study.id}/comments", coordinator).status_code == 200
        counts[label] = (selects(page_queries), selects(api_queries))
    assert counts["large"] == counts["small"]
