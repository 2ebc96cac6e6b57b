"""The audit trail pages: who may see them, filters, paging, names, and verifying the chain."""
import html
import re
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select, update

from livinglab import audit
from livinglab.audit import AuditRecord
from livinglab.extensions import db
from livinglab.participants import gdpr
from livinglab.participants import services as participation

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def words(page: str) -> str:
    """The page's text without its tags, spaces collapsed."""
    return " ".join(re.sub(r"<[^>]+>", " ", page).split())


def shown_ids(page: str) -> list[int]:
    return [int(n) for n in re.findall(r'<tr id="record-(\d+)"', page)]


def enrol(user, study):
    consent = study.current_consent
    participation.enrol(user, study, consent_version=consent.version, clauses={c["key"]: True for c in consent.clauses},
                        signature=user.name, age=30, criteria_confirmed=True)
    db.session.commit()


@pytest.fixture
def as_coordinator(client, login, coordinator):
    login(coordinator)
    return client


# --- Who may see it ------------------------------------------------------------------------------

ROUTES = [("get", "/audit"), ("post", "/audit/verify")]


@pytest.mark.parametrize("method, route", ROUTES)
def test_anonymous_visitors_are_sent_to_sign_in(client, method, route):
    response = getattr(client, method)(route)
    assert response.status_code == 302 and "/account/signin" in response.headers["Location"]


@pytest.mark.parametrize("method, route", ROUTES)
@pytest.mark.parametrize("role", ["participant", "startup"])
def test_participants_and_startups_may_not_see_the_trail(client, login, make_user, method, route, role):
    login(make_user(role))
    assert getattr(client, method)(route).status_code == 403


def test_coordinators_browse_and_verify(as_coordinator):
    assert as_coordinator.get("/audit").status_code == 200
    response = as_coordinator.post("/audit/verify")
    assert response.status_code == 302 and response.headers["Location"].endswith("/audit")


def test_records_cannot_be_edited_or_deleted_through_the_app(app, as_coordinator, make_study):
    make_study("submitted")
    rules = {(rule.rule, method) for rule in app.url_map.iter_rules() if rule.rule.startswith("/audit")
             for method in rule.methods - {"HEAD", "OPTIONS"}}
    assert rules == {("/audit", "GET"), ("/audit/verify", "POST")}
    record_id = db.session.scalar(select(func.max(AuditRecord.id)))
    for method in ("put", "patch", "delete"):
        assert getattr(as_coordinator, method)("/audit").status_code == 405
        assert getattr(as_coordinator, method)(f"/audit/{record_id}").status_code == 404
    assert as_coordinator.get("/audit/verify").status_code == 405


# --- What a row says -------------------------------------------------------------------------------

def test_rows_say_when_who_what_which_study_and_the_change(as_coordinator, make_study, coordinator, startup):
    study = make_study("changes_requested")
    page = text(as_coordinator.get("/audit"))
    ids = shown_ids(page)
    assert ids == sorted(ids, reverse=True)  # newest first
    assert "Changes requested" in page and "Submitted for review → Changes requested" in page
    assert "Please describe how allergies are handled." in page
    assert f'href="/studies/{study.id}">#{study.id} Sleep coaching app for shift workers</a>' in page
    assert f"{coordinator.name} · coordinator" in words(page) and f"{startup.name} · startup" in words(page)
    assert "version: 1" in words(page)  # consent.save's details


def test_participants_appear_by_account_number_only(as_coordinator, make_study, make_user):
    study = make_study("recruiting")
    citizen = make_user("participant", name="Camille Secret", email="camille.secret@example.org")
    enrol(citizen, study)
    page = text(as_coordinator.get("/audit"))
    assert f"participant #{citizen.id}" in page and "Participant enrolled" in page
    assert "Camille Secret" not in page and "camille.secret" not in page
    # found by email, still not named
    page = text(as_coordinator.get("/audit?actor=camille.secret"))
    assert f"Accounts matching this email: participant #{citizen.id}." in page
    assert "Camille Secret" not in page and len(shown_ids(page)) == 2  # account.create, participant.enrol


def test_erased_accounts_are_named_by_their_number(as_coordinator, make_study, make_user):
    study = make_study("recruiting")
    citizen = make_user("participant")
    enrol(citizen, study)
    citizen_id = citizen.id
    gdpr.erase_account(citizen)
    db.session.commit()
    page = text(as_coordinator.get("/audit"))
    assert "Account erased" in page and f"account: #{citizen_id}" in words(page)
    startup_gone = make_user("startup", organisation="Gone soon")
    gone_id = startup_gone.id
    db.session.delete(startup_gone)
    db.session.commit()
    page = text(as_coordinator.get(f"/audit?actor=%23{gone_id}"))
    assert f"erased account #{gone_id}" in page


# --- Filters ---------------------------------------------------------------------------------------------

def test_action_select_lists_the_actions_in_the_trail(as_coordinator, make_study):
    make_study("approved")
    page = text(as_coordinator.get("/audit"))
    assert '<option value="study.approve">Study approved</option>' in page
    assert 'value="participant.enrol"' not in page  # nobody enrolled yet
    filtered = text(as_coordinator.get("/audit?action=study.approve"))
    assert "1 record" in filtered and len(shown_ids(filtered)) == 1


def test_study_filter(as_coordinator, make_study):
    first, second = make_study("draft"), make_study("submitted")
    page = text(as_coordinator.get(f"/audit?study={second.id}"))
    expected = db.session.scalar(select(func.count()).where(AuditRecord.study_id == second.id))
    assert len(shown_ids(page)) == expected and f"#{first.id} " not in page
    assert len(shown_ids(text(as_coordinator.get(f"/audit?study=%23{first.id}")))) > 0


def test_actor_filter_by_email_and_number(as_coordinator, make_study, coordinator, startup):
    make_study("approved")
    by_email = text(as_coordinator.get(f"/audit?actor={coordinator.email.upper()}"))
    decisions = db.session.scalar(select(func.count()).where(AuditRecord.actor_id == coordinator.id))
    assert len(shown_ids(by_email)) == decisions
    assert f"{coordinator.name} (coordinator, #{coordinator.id})" in by_email
    by_number = text(as_coordinator.get(f"/audit?actor={startup.id}"))
    assert set(shown_ids(by_number)) == set(db.session.scalars(
        select(AuditRecord.id).where(AuditRecord.actor_id == startup.id)))
    nobody = text(as_coordinator.get("/audit?actor=%25_nobody"))
    assert "No account matches this email." in nobody and "No record matches these filters." in nobody


def test_date_filters_are_inclusive_days_in_utc(as_coordinator, make_study, monkeypatch):
    clock = {"now": T0}
    monkeypatch.setattr(audit, "utcnow", lambda: clock["now"])
    make_study("draft")  # on 2 March
    clock["now"] = T0 + timedelta(days=3, hours=14)  # 5 March, 23:00 UTC
    make_study("draft")
    clock["now"] = T0 + timedelta(days=4)  # 6 March
    make_study("draft")

    def between(start, end):
        return sorted(db.session.scalars(select(AuditRecord.id).where(AuditRecord.at >= start, AuditRecord.at < end)),
                      reverse=True)

    fifth = between(datetime(2026, 3, 5, tzinfo=timezone.utc), datetime(2026, 3, 6, tzinfo=timezone.utc))
    assert len(fifth) == 4  # the second study: study.create, consent.save, two survey.create
    assert shown_ids(text(as_coordinator.get("/audit?date_from=2026-03-05&date_to=2026-03-05"))) == fifth
    assert shown_ids(text(as_coordinator.get("/audit?date_from=2026-03-01&date_to=2026-03-05"))) == between(
        datetime(2026, 3, 1, tzinfo=timezone.utc), datetime(2026, 3, 6, tzinfo=timezone.utc))
    assert shown_ids(text(as_coordinator.get("/audit?date_from=2026-03-06"))) == between(
        datetime(2026, 3, 6, tzinfo=timezone.utc), datetime(9999, 1, 1, tzinfo=timezone.utc))


@pytest.mark.parametrize("query, message", [
    ("study=abc", "A study number is a whole number, such as 12."),
    ("study=-3", "A study number is a whole number, such as 12."),
    ("study=99999999999999999999", "A study number is a whole number, such as 12."),
    ("study=%C2%B2", "A study number is a whole number, such as 12."),
    ("actor=%2399999999999", "An account number is a whole number, such as #12."),
    ("action=study.explode", "No record has this action."),
    ("date_from=31/03/2026", "Write the date as YYYY-MM-DD, for example 2026-03-31."),
    ("date_to=2026-02-30", "Write the date as YYYY-MM-DD, for example 2026-03-31."),
    ("date_from=2026-03-05&date_to=2026-03-01", "The end date is before the start date."),
])
def test_bad_filters_give_a_message_and_no_records(as_coordinator, make_study, query, message):
    make_study("submitted")
    response = as_coordinator.get("/audit?" + query)
    page = text(response)
    assert response.status_code == 200 and message in page and shown_ids(page) == []
    assert "Some filters could not be read" in page


def test_extreme_dates_are_accepted(as_coordinator, make_study):
    make_study("draft")
    page = text(as_coordinator.get("/audit?date_from=0001-01-01&date_to=9999-12-31"))
    assert len(shown_ids(page)) > 0


# --- Paging ----------------------------------------------------------------------------------------------

def many_records(n: int) -> None:
    for i in range(n):
        audit.record(None, "account.locked", user_id=i + 1)
    db.session.commit()


def test_fifty_records_a_page_newest_first(as_coordinator):
    many_records(120)
    first = text(as_coordinator.get("/audit"))
    ids = shown_ids(first)
    assert len(ids) == 50 and ids[0] == db.session.scalar(select(func.max(AuditRecord.id)))
    assert "page 1 of 3" in first and 'rel="next"' in first
    third = shown_ids(text(as_coordinator.get("/audit?page=3&action=account.locked")))
    assert len(third) == 20 and third[-1] == db.session.scalar(
        select(func.min(AuditRecord.id)).where(AuditRecord.action == "account.locked"))
    second = shown_ids(text(as_coordinator.get("/audit?page=2")))
    assert set(second).isdisjoint(ids) and set(second).isdisjoint(third)


@pytest.mark.parametrize("page, message", [
    ("-1", "Page numbers are whole numbers from 1: here is the first page."),
    ("abc", "Page numbers are whole numbers from 1: here is the first page."),
    ("0", "Page numbers are whole numbers from 1: here is the first page."),
])
def test_bad_page_numbers_show_the_first_page(as_coordinator, page, message):
    many_records(60)
    response = as_coordinator.get(f"/audit?page={page}")
    assert response.status_code == 200 and message in text(response) and len(shown_ids(text(response))) == 50


@pytest.mark.parametrize("page", ["1000000000", "10" * 40])
def test_pages_past_the_end_are_empty(as_coordinator, page):
    many_records(60)
    response = as_coordinator.get(f"/audit?page={page}")
    body = text(response)
    assert response.status_code == 200 and shown_ids(body) == []
    assert "these records fill 2." in body and "Go to the last page" in body


def test_query_count_does_not_grow_with_the_trail(as_coordinator, make_study, make_user, count_queries):
    study = make_study("recruiting")
    for _ in range(3):
        enrol(make_user("participant"), study)

    def queries():
        with count_queries() as statements:
            assert as_coordinator.get("/audit?actor=example").status_code == 200
        return len(statements)

    few = queries()
    for _ in range(30):
        enrol(make_user("participant"), study)
    assert queries() == few


# --- Verifying the chain ---------------------------------------------------------------------------------

def test_verify_reports_an_intact_chain(as_coordinator, make_study):
    make_study("approved")
    total = db.session.scalar(select(func.count()).select_from(AuditRecord))
    page = text(as_coordinator.post("/audit/verify", follow_redirects=True))
    assert f"The chain is intact: {total} records, every link verified." in page


def test_verify_reports_a_forged_record(as_coordinator, make_study):
    make_study("rejected")
    target = db.session.scalar(select(AuditRecord).where(AuditRecord.action == "study.reject"))
    db.session.execute(update(AuditRecord).where(AuditRecord.id == target.id).values(comment="All fine, approved."))
    db.session.commit()
    page = text(as_coordinator.post("/audit/verify", follow_redirects=True))
    assert f"The chain is broken at record #{target.id}" in page


def test_verify_notices_records_missing_at_the_end(as_coordinator, make_study):
    make_study("submitted")
    newest = db.session.scalar(select(func.max(AuditRecord.id)))
    db.session.execute(AuditRecord.__table__.delete().where(AuditRecord.id == newest))
    db.session.commit()
    page = text(as_coordinator.post("/audit/verify", follow_redirects=True))
    assert "records are missing at its end" in page
