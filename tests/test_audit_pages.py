"""The audit trail pages: who may see them, filters, paging, names, and verifying the chain."""

import html
import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select, update

from livinglab import audit
from livinglab.audit import AuditChain, AuditPseudonym, AuditRecord, verify_trail
from livinglab.extensions import db
from livinglab.participants import gdpr
from livinglab.participants import services as participation
from livinglab.participants.models import Enrolment

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def words(page: str) -> str:
    """The page's text without its tags, spaces collapsed."""
    return " ".join(re.sub(r"<[^>]+>", " ", page).split())


def table(page: str) -> str:
    """The records' table alone (the page elsewhere echoes its own address, in the language switch)."""
    start = page.find("<table")
    return words(page[start : page.find("</table>") + 8]) if start >= 0 else ""


def shown_ids(page: str) -> list[int]:
    return [int(n) for n in re.findall(r'<tr id="record-(\d+)"', page)]


def enrol(user, study):
    consent = study.current_consent
    participation.enrol(
        user,
        study,
        consent_version=consent.version,
        clauses={c["key"]: True for c in consent.clauses},
        signature=user.name,
        age=30,
        criteria_confirmed=True,
    )
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
    rules = {
        (rule.rule, method)
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/audit")
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
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


def test_participants_appear_by_code_never_by_account(as_coordinator, make_study, make_user):
    study = make_study("recruiting")
    citizen = make_user("participant", name="Camille Secret", email="camille.secret@example.org")
    enrol(citizen, study)
    code = db.session.scalar(select(Enrolment.participant_code).where(Enrolment.user_id == citizen.id))
    page = text(as_coordinator.get("/audit"))
    assert f"participant {code}" in page and "Participant enrolled" in page
    assert "Camille Secret" not in page and "camille.secret" not in page
    assert f"account: #{citizen.id}" not in table(page) and f"participant #{citizen.id}" not in table(page)


def test_the_trail_cannot_be_searched_by_email_or_account(as_coordinator, make_study, make_user):
    """The attack of issue 8, item 10: type a participant's email (or account number) into the trail's
    search and read their participant codes off the matching records. The search has no such field:
    whatever is sent as `actor`, the page shows the whole trail, and nothing on it ties the email or the
    account to a record."""
    study = make_study("recruiting")
    citizen = make_user("participant", name="Camille Secret", email="camille.secret@example.org")
    enrol(citizen, study)
    enrol(make_user("participant"), study)
    everything = shown_ids(text(as_coordinator.get("/audit")))
    for query in ("camille.secret", "camille.secret@example.org", f"%23{citizen.id}", str(citizen.id)):
        page = text(as_coordinator.get(f"/audit?actor={query}"))
        assert shown_ids(page) == everything, query
        assert "camille" not in table(page).lower() and "Accounts matching" not in page
    assert 'name="actor"' not in text(as_coordinator.get("/audit"))


def test_erased_participants_leave_no_link_from_the_trail_to_their_codes(as_coordinator, make_study, make_user):
    study = make_study("recruiting")
    citizen = make_user("participant")
    enrol(citizen, study)
    citizen_id = citizen.id
    gdpr.erase_account(citizen)
    db.session.commit()
    page = text(as_coordinator.get("/audit"))
    assert "Account erased" in page and f"account: #{citizen_id}" not in table(page)
    startup_gone = make_user("startup", organisation="Gone soon")
    gone_id = startup_gone.id
    audit.record(startup_gone, "study.create")
    db.session.delete(startup_gone)
    db.session.commit()
    assert f"erased account #{gone_id}" in text(as_coordinator.get("/audit?action=study.create"))


def test_records_about_participants_carry_a_code_or_a_pseudonym_never_both(make_study, make_user, coordinator):
    study = make_study("recruiting")
    citizen = make_user("participant")
    enrol(citizen, study)
    code = db.session.scalar(select(Enrolment.participant_code).where(Enrolment.user_id == citizen.id))
    in_pilot = audit.record(citizen, "participant.answer", study=study, participant_code=code, survey="baseline")
    account = audit.record(citizen, "token.create")
    no_code = audit.record(citizen, "participant.something", study=study)  # a pilot's record without a code
    about = audit.record(coordinator, "account.locked", user_id=citizen.id)  # staff acting on a participant
    db.session.commit()
    pseudonym = db.session.scalar(select(AuditPseudonym.key).where(AuditPseudonym.user_id == citizen.id))
    assert (in_pilot.participant_key, in_pilot.actor_id, in_pilot.actor_role) == (code, None, "participant")
    assert (account.participant_key, account.actor_id) == (pseudonym, None) and pseudonym.startswith("A-")
    assert no_code.participant_key is None and no_code.actor_id is None
    assert about.participant_key == pseudonym and "user_id" not in about.details and about.actor_id == coordinator.id
    every = db.session.scalars(select(AuditRecord)).all()
    assert not any(r.actor_id == citizen.id or (r.details or {}).get("user_id") == citizen.id for r in every)
    assert not any(r.study_id is not None and r.participant_key == pseudonym for r in every)
    assert verify_trail().ok


def test_after_erasure_nothing_in_the_trail_leads_to_the_persons_codes(make_study, make_user):
    first, second = make_study("recruiting"), make_study("recruiting")
    citizen = make_user("participant")
    enrol(citizen, first)
    enrol(citizen, second)
    first.current_consent.on_erasure = second.current_consent.on_erasure = "anonymise"  # the codes stay
    db.session.commit()
    pseudonym = db.session.scalar(select(AuditPseudonym.key).where(AuditPseudonym.user_id == citizen.id))
    citizen_id = citizen.id
    gdpr.erase_account(citizen)
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(AuditPseudonym)) == 0  # the pseudonym went too
    codes = set(db.session.scalars(select(Enrolment.participant_code)))
    assert len(codes) == 2
    for record in db.session.scalars(select(AuditRecord)):
        keys = {record.participant_key, *map(str, (record.details or {}).values())}
        assert not (pseudonym in keys and keys & codes)  # never both in one record
        assert record.actor_id != citizen_id and (record.details or {}).get("user_id") != citizen_id


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


def test_date_filters_are_inclusive_days_in_utc(as_coordinator, make_study, monkeypatch):
    clock = {"now": T0}
    monkeypatch.setattr(audit, "utcnow", lambda: clock["now"])
    make_study("draft")  # on 2 March
    clock["now"] = T0 + timedelta(days=3, hours=14)  # 5 March, 23:00 UTC
    make_study("draft")
    clock["now"] = T0 + timedelta(days=4)  # 6 March
    make_study("draft")

    def between(start, end):  # newest first, as the page shows them
        return list(
            db.session.scalars(
                select(AuditRecord.id)
                .where(AuditRecord.at >= start, AuditRecord.at < end)
                .order_by(AuditRecord.at.desc(), AuditRecord.id.desc())
            )
        )

    fifth = between(datetime(2026, 3, 5, tzinfo=UTC), datetime(2026, 3, 6, tzinfo=UTC))
    assert len(fifth) == 4  # the second study: study.create, consent.save, two survey.create
    assert shown_ids(text(as_coordinator.get("/audit?date_from=2026-03-05&date_to=2026-03-05"))) == fifth
    assert shown_ids(text(as_coordinator.get("/audit?date_from=2026-03-01&date_to=2026-03-05"))) == between(
        datetime(2026, 3, 1, tzinfo=UTC), datetime(2026, 3, 6, tzinfo=UTC)
    )
    assert shown_ids(text(as_coordinator.get("/audit?date_from=2026-03-06"))) == between(
        datetime(2026, 3, 6, tzinfo=UTC), datetime(9999, 1, 1, tzinfo=UTC)
    )


@pytest.mark.parametrize(
    "query, message",
    [
        ("study=abc", "A study number is a whole number, such as 12."),
        ("study=-3", "A study number is a whole number, such as 12."),
        ("study=99999999999999999999", "A study number is a whole number, such as 12."),
        ("study=%C2%B2", "A study number is a whole number, such as 12."),
        ("sort=sideways", "Choose newest or oldest first."),
        ("action=study.explode", "No record has this action."),
        ("date_from=31/03/2026", "Write the date as YYYY-MM-DD, for example 2026-03-31."),
        ("date_to=2026-02-30", "Write the date as YYYY-MM-DD, for example 2026-03-31."),
        ("date_from=2026-03-05&date_to=2026-03-01", "The end date is before the start date."),
    ],
)
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


def test_fifty_records_a_page_newest_first_with_keyset_cursors(as_coordinator):
    many_records(120)
    newest = db.session.scalars(select(AuditRecord.id).order_by(AuditRecord.at.desc(), AuditRecord.id.desc())).all()
    first = text(as_coordinator.get("/audit"))
    assert shown_ids(first) == newest[:50] and f"{len(newest)} records" in first and 'rel="next"' in first
    assert 'rel="prev"' not in first
    second = text(as_coordinator.get(f"/audit?after={newest[49]}"))
    assert shown_ids(second) == newest[50:100] and 'rel="prev"' in second
    third = text(as_coordinator.get(f"/audit?after={newest[99]}"))
    assert shown_ids(third) == newest[100:] and 'rel="next"' not in third
    back = text(as_coordinator.get(f"/audit?before={newest[100]}"))
    assert shown_ids(back) == newest[50:100]
    assert shown_ids(text(as_coordinator.get(f"/audit?before={newest[50]}"))) == newest[:50]


def test_the_next_link_keeps_the_filters_and_the_order(as_coordinator, make_study):
    make_study("approved")
    many_records(60)
    oldest = db.session.scalars(
        select(AuditRecord.id).where(AuditRecord.action == "account.locked").order_by(AuditRecord.at, AuditRecord.id)
    ).all()
    page = text(as_coordinator.get("/audit?action=account.locked&sort=oldest"))
    assert shown_ids(page) == oldest[:50]
    link = re.search(r'href="([^"]+)" rel="next"', page).group(1)
    assert "action=account.locked" in link and "sort=oldest" in link
    assert shown_ids(text(as_coordinator.get(link))) == oldest[50:]


def test_oldest_first_reverses_the_order(as_coordinator, make_study):
    make_study("approved")
    ids = shown_ids(text(as_coordinator.get("/audit?sort=oldest")))
    assert ids == sorted(ids) and len(ids) > 5
    assert '<option selected value="oldest">Oldest first</option>' in text(as_coordinator.get("/audit?sort=oldest"))


@pytest.mark.parametrize("cursor", ["abc", "-1", "0", "10" * 40, "1%20OR%201=1", "%C2%B2", "999999"])
def test_a_cursor_that_names_no_record_shows_the_first_page(as_coordinator, cursor):
    many_records(60)
    for name in ("after", "before"):
        response = as_coordinator.get(f"/audit?{name}={cursor}")
        page = text(response)
        assert response.status_code == 200 and len(shown_ids(page)) == 50
        assert "This position is not in the trail: here are the first records." in page


def test_query_count_does_not_grow_with_the_trail(as_coordinator, make_study, make_user, count_queries):
    """At most: sign-in, the actions, the count, the page, staff names, study titles (and a cursor's position)."""
    study = make_study("recruiting")

    def queries(url):
        with count_queries() as statements:
            assert as_coordinator.get(url).status_code == 200
        return [s for s in statements if s != "BEGIN"]

    for _ in range(3):
        enrol(make_user("participant"), study)
    assert len(queries("/audit")) <= 6
    for _ in range(30):
        enrol(make_user("participant"), study)
    many_records(200)
    assert len(queries("/audit")) <= 6
    middle = db.session.scalars(select(AuditRecord.id).order_by(AuditRecord.id)).all()[100]
    deep = queries(f"/audit?after={middle}")
    assert len(deep) <= 7
    assert any("(audit_record.at, audit_record.id) <" in statement for statement in deep)  # keyset, not offset


# --- Verifying the chain ---------------------------------------------------------------------------------


def test_verify_reports_an_intact_trail(as_coordinator, make_study):
    make_study("approved")
    total = db.session.scalar(select(func.count()).select_from(AuditRecord))
    chains = db.session.scalar(select(func.count(AuditRecord.chain.distinct())))
    page = text(as_coordinator.post("/audit/verify", follow_redirects=True))
    assert f"The trail is intact: {total} records in {chains} chains, every link verified under the key." in page
    assert "No checkpoint has been written yet" in page


def test_verify_says_which_checkpoint_it_checked_against(as_coordinator, make_study, runner):
    make_study("approved")
    assert runner.invoke(args=["audit", "checkpoint"]).exit_code == 0
    page = text(as_coordinator.post("/audit/verify", follow_redirects=True))
    assert "Nothing is missing since the checkpoint of" in page


def test_verify_reports_a_forged_record(as_coordinator, make_study):
    make_study("rejected")
    target = db.session.scalar(select(AuditRecord).where(AuditRecord.action == "study.reject"))
    db.session.execute(update(AuditRecord).where(AuditRecord.id == target.id).values(comment="All fine, approved."))
    db.session.commit()
    page = text(as_coordinator.post("/audit/verify", follow_redirects=True))
    assert f"The trail is broken at record #{target.id}" in page


def test_verify_notices_records_missing_at_the_end(as_coordinator, make_study):
    study = make_study("submitted")
    newest = db.session.scalar(select(func.max(AuditRecord.id)).where(AuditRecord.study_id == study.id))
    db.session.execute(AuditRecord.__table__.delete().where(AuditRecord.id == newest))
    db.session.commit()
    page = text(as_coordinator.post("/audit/verify", follow_redirects=True))
    assert f"records are missing at the end of chain “study:{study.id}”" in page and "its head row" in page


def test_verify_notices_a_rewound_chain_against_the_checkpoint(as_coordinator, make_study, runner):
    """A database writer deletes the last records and rewinds the head row to match: the database alone
    cannot tell, the checkpoint outside it can."""
    study = make_study("submitted")
    assert runner.invoke(args=["audit", "checkpoint"]).exit_code == 0
    chain = f"study:{study.id}"
    last = db.session.scalars(
        select(AuditRecord).where(AuditRecord.chain == chain).order_by(AuditRecord.seq.desc()).limit(2)
    ).all()
    db.session.execute(AuditRecord.__table__.delete().where(AuditRecord.id.in_([r.id for r in last])))
    db.session.execute(
        update(AuditChain).where(AuditChain.chain == chain).values(seq=last[1].seq - 1, last_hash=last[1].prev_hash)
    )
    db.session.commit()
    page = text(as_coordinator.post("/audit/verify", follow_redirects=True))
    assert f"records are missing at the end of chain “{chain}”" in page and "the checkpoint of" in page
