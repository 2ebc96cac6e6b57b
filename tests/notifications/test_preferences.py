"""Preferences: a page per account in plain words (FR/EN), the API, and one-click unsubscribe that
needs no sign-in and survives tampering."""

import pytest
from sqlalchemy import select

from livinglab.extensions import db
from livinglab.notifications.models import NotificationPreference
from livinglab.notifications.preferences import choices_of, unsubscribe_token


def test_a_participant_chooses_its_messages_in_plain_words(client, login, participant):
    login(participant)
    page = client.get("/account/notifications").get_data(as_text=True)
    assert "A survey is open" in page and "Reminders of a survey to answer" in page
    assert "Confirmation of enrolment" in page  # listed as always sent
    assert "New protocols to review" not in page  # a coordinator's
    response = client.post("/account/notifications", data={"kind_survey_open": "each", "kind_survey_reminder": "off"})
    assert response.status_code == 302
    assert choices_of(participant) == {"survey_open": "each", "survey_reminder": "off", "retention_notice": "each"}


def test_the_preferences_page_speaks_french(client, login, coordinator):
    login(coordinator)
    client.post("/language", data={"lang": "fr", "next": "/"})
    page = client.get("/account/notifications").get_data(as_text=True)
    assert "Préférences d’e-mail" in page and "Nouveaux protocoles à relire" in page and "Un résumé quotidien" in page


def test_a_coordinator_may_choose_the_daily_digest_but_a_participant_may_not(client, login, coordinator, participant):
    login(coordinator)
    client.post("/account/notifications", data={"kind_review_submitted": "digest", "kind_recruitment_changed": "off"})
    assert choices_of(coordinator)["review_submitted"] == "digest"
    client.post("/account/signout")
    login(participant)
    response = client.post("/account/notifications", data={"kind_survey_open": "digest", "kind_survey_reminder": "off"})
    assert response.status_code == 200 and "Not a valid choice" in response.get_data(as_text=True)
    assert choices_of(participant) == {"survey_open": "each", "survey_reminder": "each", "retention_notice": "each"}


def test_signed_out_visitors_are_sent_to_sign_in(client):
    response = client.get("/account/notifications")
    assert response.status_code == 302 and "/account/signin" in response.location


def test_one_click_unsubscribe_shows_a_confirmation_then_turns_the_kind_off(app, participant):
    token = unsubscribe_token(participant.id, "survey_reminder")
    anonymous = app.test_client()
    page = anonymous.get(f"/mail/unsubscribe?token={token}")
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert "Reminders of a survey to answer" in body and '<form method="post"' in body and "<script" not in body
    assert choices_of(participant)["survey_reminder"] == "each"  # a GET changes nothing (link scanners)
    done = anonymous.post(f"/mail/unsubscribe?token={token}")  # the page's button: post, redirect, get
    assert done.status_code == 303
    assert "You are unsubscribed" in anonymous.get(done.location).get_data(as_text=True)
    assert choices_of(participant)["survey_reminder"] == "off"
    one_click = anonymous.post(f"/mail/unsubscribe?token={token}", data={"List-Unsubscribe": "One-Click"})
    assert one_click.status_code == 200  # a mail client, again: fine, and no redirect to follow


@pytest.mark.parametrize(
    "token",
    [
        None,
        "",
        "garbage",
        "a" * 600,
        "W10.invalid",
        "WzEsInN1cnZleV9yZW1pbmRlciJd",  # no signature
        "%00",
        "WzEsInN1cnZleV9yZW1pbmRlciJd.AAAAAAAAAAAAAAAAAAAAAAAAAAA",
    ],
)
def test_a_tampered_or_missing_token_is_a_clear_400(app, participant, token):
    anonymous = app.test_client()
    url = "/mail/unsubscribe" if token is None else f"/mail/unsubscribe?token={token}"
    for method in ("GET", "POST"):
        response = anonymous.open(url, method=method)
        assert response.status_code == 400
        assert "This link does not work" in response.get_data(as_text=True)
    assert db.session.scalars(select(NotificationPreference)).all() == []


def test_a_token_cannot_be_moved_to_another_account_or_kind(app, participant, make_user):
    other = make_user("participant")
    token = unsubscribe_token(participant.id, "survey_reminder")
    payload, signature = token.split(".")
    forged = unsubscribe_token(other.id, "survey_open").split(".")[0] + "." + signature
    assert app.test_client().post(f"/mail/unsubscribe?token={forged}").status_code == 400
    assert app.test_client().post(f"/mail/unsubscribe?token={payload}.{signature}").status_code == 303
    assert choices_of(other) == {"survey_open": "each", "survey_reminder": "each", "retention_notice": "each"}


def test_essential_kinds_and_odd_payloads_cannot_be_unsubscribed(app, participant):
    for payload in (
        [participant.id, "password_reset"],
        [participant.id, "nonsense"],
        [True, "survey_open"],
        ["1", "survey_open"],
        {"u": 1},
        [2**40, "survey_open"],
    ):
        from livinglab.notifications.preferences import serializer

        token = serializer().dumps(payload)
        assert app.test_client().post(f"/mail/unsubscribe?token={token}").status_code == 400, payload


def test_the_api_reads_and_changes_the_callers_choices(client, api_headers, coordinator):
    headers = api_headers(coordinator)
    got = client.get("/api/v1/me/notifications", headers=headers).get_json()
    assert got["choices"]["review_submitted"] == "each"
    assert got["options"]["review_submitted"] == ["each", "digest", "off"]
    changed = client.put("/api/v1/me/notifications", headers=headers, json={"choices": {"review_submitted": "digest"}})
    assert changed.status_code == 200 and changed.get_json()["choices"]["review_submitted"] == "digest"
    wrong = client.put(
        "/api/v1/me/notifications",
        headers=headers,
        json={"choices": {"password_reset": "off", "review_submitted": "sometimes"}},
    )
    assert wrong.status_code == 422
    assert set(wrong.get_json()["error"]["fields"]) == {"password_reset", "review_submitted"}
    assert choices_of(coordinator)["review_submitted"] == "digest"  # nothing half-saved
    assert (
        client.put("/api/v1/me/notifications", headers=headers, data="[", content_type="application/json").status_code
        == 400
    )
    assert client.get("/api/v1/me/notifications").status_code == 401
