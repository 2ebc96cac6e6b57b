"""Repeated reports (issue 14 item 7): a survey marked repeatable is answered any number of times, each report
numbered; it is never missed and never blocks; a problem report tells the startup and the coordinators."""

import csv
import html
import io
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from livinglab.demo import sleep_surveys
from livinglab.errors import Conflict
from livinglab.extensions import db
from livinglab.notifications.models import OutboxMessage, WebhookDelivery, WebhookEndpoint
from livinglab.participants import services as participation
from livinglab.participants.models import Answer, Response
from livinglab.participants.schedule import survey_states
from livinglab.studies.services import frozen_record, hash_record
from livinglab.timeutil import utcnow

REPORT = {
    "key": "side_effects",
    "title": "Report a problem or a side effect",
    "timepoint": "baseline",
    "repeat": "problem_report",
    "items": [
        {"key": "what", "text": "What happened?", "type": "text"},
        {"key": "severity", "text": "How bothersome was it?", "type": "likert", "min": 1, "max": 5, "required": False},
        {
            "key": "kind",
            "text": "What kind of problem?",
            "type": "single_choice",
            "choices": ["headache", "app bug", "other"],
            "required": False,
        },
    ],
}


@pytest.fixture
def pilot(make_study):
    return make_study("recruiting", survey_defs=[*sleep_surveys(), REPORT])


def reports_of(user, study, key="side_effects"):
    return list(
        db.session.scalars(
            select(Response.instance)
            .join(Response.enrolment)
            .where(Response.survey.has(key=key), Response.enrolment.has(user_id=user.id))
            .order_by(Response.instance)
        )
    )


def test_a_survey_answered_once_keeps_its_frozen_record_and_hash(make_study):
    study = make_study("draft")
    record = frozen_record(study)
    assert all("repeat" not in survey for survey in record["surveys"])  # as every pilot approved before
    assert hash_record(record) == hash_record(
        {**record, "surveys": [{k: s[k] for k in ("key", "title", "timepoint", "items")} for s in record["surveys"]]}
    )


def test_a_repeatable_survey_is_in_the_frozen_record(pilot):
    surveys = {s["key"]: s for s in frozen_record(pilot)["surveys"]}
    assert surveys["side_effects"]["repeat"] == "problem_report"
    assert "repeat" not in surveys["baseline"]


def test_reports_are_numbered_and_a_survey_answered_once_still_refuses_a_second(pilot, take_part):
    code, user = take_part(pilot, {"baseline": {"sleep_hours": 6, **{f"who_{i}": 3 for i in range(1, 6)}}})
    for n in range(3):
        participation.submit_response(user, pilot, "side_effects", {"what": f"headache {n}", "severity": 2})
        db.session.commit()
    assert reports_of(user, pilot) == [1, 2, 3]
    with pytest.raises(Conflict) as refused:
        participation.submit_response(user, pilot, "baseline", {"sleep_hours": 7})
    assert refused.value.code == "already_answered"
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Response).where(Response.instance > 1)) == 2


def test_the_database_refuses_a_second_response_with_the_same_number(pilot, take_part):
    _code, user = take_part(pilot, {})
    response = participation.submit_response(user, pilot, "side_effects", {"what": "x"})
    db.session.commit()
    db.session.add(Response(enrolment_id=response.enrolment_id, survey_id=response.survey_id, instance=1))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()
    db.session.add(Response(enrolment_id=response.enrolment_id, survey_id=response.survey_id, instance=0))
    with pytest.raises(IntegrityError):  # CHECK instance >= 1
        db.session.commit()
    db.session.rollback()


def test_a_repeatable_survey_is_never_missed_and_never_blocks(pilot, take_part):
    _code, user = take_part(pilot, {})
    enrolment = participation.enrolment_of(user, pilot)
    answered = participation.answered_survey_ids(enrolment)
    later = utcnow() + timedelta(days=400)  # every window has closed
    states = {d.survey.key: d.state for d in survey_states(enrolment, pilot.surveys, answered, now=later)}
    assert states["side_effects"] == "open" and states["baseline"] == "missed"
    soon = utcnow() + timedelta(days=1)  # baseline answered, the report never sent: nothing waits on it
    participation.submit_response(user, pilot, "baseline", {"sleep_hours": 6, **{f"who_{i}": 3 for i in range(1, 6)}})
    answered = participation.answered_survey_ids(enrolment)
    states = {d.survey.key: d.state for d in survey_states(enrolment, pilot.surveys, answered, now=soon)}
    assert states["follow_up"] == "open" and states["side_effects"] == "open"  # no delay in this protocol


def test_withdrawal_closes_the_reports(pilot, take_part):
    _code, user = take_part(pilot, {}, withdraw=False)
    with pytest.raises(Conflict) as refused:
        participation.submit_response(user, pilot, "side_effects", {"what": "x"})
    assert refused.value.code == "withdrawn"


def test_a_problem_report_writes_one_message_per_staff_member_in_its_transaction(
    pilot, take_part, startup, colleague, coordinator, other_startup
):
    code, user = take_part(pilot, {})
    before = db.session.scalar(
        select(func.count()).select_from(OutboxMessage).where(OutboxMessage.kind == "problem_reported")
    )
    assert before == 0
    participation.submit_response(user, pilot, "side_effects", {"what": "a rash on my arm", "severity": 4})
    db.session.rollback()  # the report and its messages go together
    assert (
        db.session.scalar(
            select(func.count()).select_from(OutboxMessage).where(OutboxMessage.kind == "problem_reported")
        )
        == 0
    )
    participation.submit_response(user, pilot, "side_effects", {"what": "a rash on my arm", "severity": 4})
    db.session.commit()
    messages = db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "problem_reported")).all()
    assert sorted(m.user_id for m in messages) == sorted([startup.id, colleague.id, coordinator.id])
    for message in messages:
        assert message.context["code"] == code and message.context["instance"] == 1
        assert "rash" not in str(message.context) and user.email not in str(message.context)


def test_the_answer_webhook_numbers_each_report(pilot, take_part, startup):
    db.session.add(
        WebhookEndpoint(
            organisation_id=startup.organisation_id, url="https://hooks.example/x", secret="s" * 32, events=["answer"]
        )
    )
    code, user = take_part(pilot, {"baseline": {"sleep_hours": 6, **{f"who_{n}": 3 for n in range(1, 6)}}})
    for what in ("first", "second"):
        participation.submit_response(user, pilot, "side_effects", {"what": what})
    db.session.commit()
    payloads = [d.payload for d in db.session.scalars(select(WebhookDelivery).order_by(WebhookDelivery.id))]
    assert [(p["survey"], p.get("instance")) for p in payloads] == [
        ("baseline", None),  # a survey answered once has no number
        ("side_effects", 1),
        ("side_effects", 2),
    ]
    assert all(p["participant_code"] == code and "first" not in str(p) for p in payloads)


def test_a_diary_entry_tells_nobody(make_study, take_part):
    diary = {**REPORT, "key": "diary", "title": "Sleep diary", "repeat": "diary"}
    study = make_study("recruiting", survey_defs=[*sleep_surveys(), diary])
    _code, user = take_part(study, {"diary": {"what": "slept well"}})
    assert (
        db.session.scalar(
            select(func.count()).select_from(OutboxMessage).where(OutboxMessage.kind == "problem_reported")
        )
        == 0
    )


def test_the_api_numbers_reports_and_refuses_bad_instance_numbers(client, pilot, take_part, api_headers, coordinator):
    code, user = take_part(pilot, {"side_effects": {"what": "first"}})
    headers = api_headers(user)
    url = f"/api/v1/studies/{pilot.id}/surveys/side_effects/responses"
    reply = client.post(url, json={"answers": {"what": "second\r\nline", "severity": 3}}, headers=headers)
    assert reply.status_code == 201, reply.json
    assert reply.json["instance"] == 2
    huge = client.post(url, json={"answers": {"what": "x" * 200_000}}, headers=headers)
    assert huge.status_code in (413, 422)
    staff = api_headers(coordinator)
    base = f"/api/v1/studies/{pilot.id}/participants/{code}/responses/side_effects"
    assert client.get(base + "?instance=2", headers=staff).json["instance"] == 2
    assert client.get(base + "?instance=2", headers=staff).json["answers"]["severity"] == 3
    assert client.get(base + "?instance=9", headers=staff).status_code == 404
    for bad in ("0", "-1", "abc", "²", "1" * 40):
        assert client.get(base + "?instance=" + bad, headers=staff).status_code == 400, bad
    assert reports_of(user, pilot) == [1, 2]


def test_the_problem_reports_page_shows_codes_and_answers_only(client, login, pilot, take_part, startup, other_startup):
    code, user = take_part(pilot, {"side_effects": {"what": "=HYPERLINK(1)", "kind": "app bug"}})
    login(startup)
    page = client.get(f"/studies/{pilot.id}/problem-reports")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert code in text and "app bug" in text and "report 1" in text
    assert user.email not in text and user.name not in text
    client.post("/account/signout")
    login(other_startup)
    assert client.get(f"/studies/{pilot.id}/problem-reports").status_code in (403, 404)


def test_the_dashboard_offers_another_report_and_counts_them(client, login, pilot, take_part):
    _code, user = take_part(pilot, {"side_effects": {"what": "one"}})
    participation.submit_response(user, pilot, "side_effects", {"what": "two"})
    db.session.commit()
    login(user)
    text = client.get("/dashboard").get_data(as_text=True)
    assert "Report a problem" in text and "2 sent" in text
    assert text.count("As often as needed, from: ") == 1  # the problem report, not the surveys answered once
    sent = client.post(f"/pilots/{pilot.id}/surveys/side_effects", data={"what": "three"})
    assert sent.status_code == 302
    assert reports_of(user, pilot) == [1, 2, 3]


def test_the_long_form_export_and_its_dictionary(client, login, make_study, take_part, startup):
    study = make_study("ended", survey_defs=[*sleep_surveys(), REPORT])
    assert study  # ended: no one may take part; build one that ran instead
    running = make_study("recruiting", survey_defs=[*sleep_surveys(), REPORT])
    code, user = take_part(running, {"side_effects": {"what": "=1+1", "severity": 5, "kind": "headache"}})
    participation.submit_response(user, running, "side_effects", {"what": "fine", "severity": 1})
    db.session.commit()
    login(startup)
    reply = client.get(f"/studies/{running.id}/exports/reports.csv")
    assert reply.status_code == 200
    rows = list(csv.reader(io.StringIO(reply.get_data(as_text=True).lstrip("\ufeff"))))
    header = rows[0]
    assert header[:6] == ["participant_code", "arm", "site", "survey", "instance", "submitted_at"]
    assert header[6:] == ["what", "severity", "kind"]
    assert [r[:5] for r in rows[1:]] == [
        [code, "intervention", "", "side_effects", "1"],
        [code, "intervention", "", "side_effects", "2"],
    ]
    assert rows[1][6:] == ["'=1+1", "5", "headache"] and rows[2][6:] == ["fine", "1", ""]
    wide = client.get(f"/studies/{running.id}/exports/data.csv").get_data(as_text=True)
    assert "side_effects" not in wide and "severity" not in wide.splitlines()[0]
    dictionary = client.get(f"/studies/{running.id}/exports/dictionary.csv").get_data(as_text=True)
    assert "reports.instance" in dictionary and "repeated, long form" in dictionary
    assert "reports.severity" in dictionary


def test_two_reports_sent_at_once_get_distinct_numbers(app, pilot, take_part):
    """Two threads, two sessions and connections, released together: both reports are kept, numbered 1 and 2
    (on PostgreSQL the second INSERT waits for the first's commit, fails on the constraint, and is numbered again)."""
    import threading

    from livinglab.auth.models import User
    from livinglab.transactions import unit_of_work

    _code, user = take_part(pilot, {})
    user_id, study_id = user.id, pilot.id
    db.session.commit()
    start, results = threading.Barrier(2), []

    def send(n):
        with app.app_context():
            try:
                who = db.session.get(User, user_id)
                study = participation.visible_study(who, study_id)
                start.wait()
                with unit_of_work():
                    response = participation.submit_response(who, study, "side_effects", {"what": f"at once {n}"})
                results.append(response.instance)
            except Exception as err:  # noqa: BLE001  # the test reads every outcome
                results.append(err)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=send, args=(n,)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    db.session.commit()
    assert sorted(results) == [1, 2], results
    assert reports_of(user, pilot) == [1, 2]
    assert (
        db.session.scalar(
            select(func.count()).select_from(OutboxMessage).where(OutboxMessage.kind == "problem_reported")
        )
        == 2 * 2
    )  # startup + coordinator, twice


def test_the_summary_of_reports_is_computed_per_participant(make_study, take_part, make_user, coordinator):
    """Three enrolled: A sends severities 1 and 3 (mean 2), B sends 5, C none. Reports per participant 2, 1, 0:
    mean 1, median 1, max 2. Participant means 2 and 5: mean 3.5, median 3.5. Kinds: headache in 2 reports by
    A and B, app bug in 1 by A."""
    from livinglab.results.loading import flow_counts
    from livinglab.results.reports import repeated_results

    study = make_study("recruiting", survey_defs=[*sleep_surveys(), REPORT])
    _a, a = take_part(study, {"side_effects": {"what": "x", "severity": 1, "kind": "headache"}})
    participation.submit_response(a, study, "side_effects", {"what": "y", "severity": 3, "kind": "app bug"})
    take_part(study, {"side_effects": {"what": "z", "severity": 5, "kind": "headache"}})
    take_part(study, {})
    db.session.commit()
    [summary] = repeated_results(study, flow_counts(study)["kept_by_arm"])["repeated_reports"]
    assert (summary["participants_reporting"], summary["enrolled"], summary["reports"]) == (2, 3, 3)
    assert summary["per_participant"] == {"mean": 1, "median": 1, "max": 2}
    items = {item["key"]: item for item in summary["items"]}
    means = items["severity"]["participant_means"]
    assert (means["n"], means["mean"], means["median"], means["min"], means["max"]) == (2, 3.5, 3.5, 2, 5)
    assert items["kind"]["choices"] == {
        "headache": {"reports": 2, "participants": 2},
        "app bug": {"reports": 1, "participants": 1},
        "other": {"reports": 0, "participants": 0},
    }
    assert "by_arm" not in summary  # one group


def test_the_summary_reads_a_fixed_number_of_queries(make_study, take_part, count_queries):
    from livinglab.results.reports import repeated_results

    study = make_study("recruiting", survey_defs=[*sleep_surveys(), REPORT])
    counts = []
    for _n in range(2):
        for _m in range(3):
            take_part(study, {"side_effects": {"what": "x", "severity": 2}})
        db.session.expire_all()
        with count_queries() as statements:
            repeated_results(study, {"intervention": 3})
        counts.append(len(statements))
    assert counts[0] == counts[1]


def test_results_carry_the_summary_and_the_page_shows_it(client, login, make_study, take_part, startup, api_headers):
    study = make_study("recruiting", survey_defs=[*sleep_surveys(), REPORT])
    take_part(study, {"side_effects": {"what": "x", "severity": 2}})
    login(startup)
    page = client.get(f"/studies/{study.id}/results")
    assert page.status_code == 200
    assert "Repeated reports" in page.get_data(as_text=True)
    methods = client.get(f"/api/v1/studies/{study.id}/results", headers=api_headers(startup)).json
    assert methods["repeated_reports"][0]["reports"] == 1
    assert "Repeated reports (“Report a problem or a side effect”)" in methods["methods_text"]["en"]


def test_the_api_takes_and_refuses_a_survey_repeat(client, make_study, startup, api_headers):
    study = make_study("draft")
    headers = api_headers(startup)
    base = f"/api/v1/studies/{study.id}/surveys"
    body = {**REPORT, "key": "problems"}
    made = client.post(base, json=body, headers=headers)
    assert made.status_code == 201, made.json
    assert made.json["repeat"] == "problem_report"
    assert "repeat" not in client.get(f"{base}/baseline", headers=headers).json  # optional: absent when once
    for bad in ("weekly", 3, ["diary"], "diary\r\n"):
        refused = client.post(base, json={**body, "key": "other", "repeat": bad}, headers=headers)
        assert refused.status_code in (400, 422) and "repeat" in refused.json["error"]["fields"], bad
    changed = client.patch(f"{base}/problems", json={"repeat": "diary"}, headers=headers)
    assert changed.status_code == 200, changed.json
    assert client.get(f"{base}/problems", headers=headers).json["repeat"] == "diary"


def test_an_amendment_keeps_the_repeat_and_its_diff_shows_a_change(make_study, startup):
    from livinglab.studies import amendments

    study = make_study("recruiting", survey_defs=[*sleep_surveys(), REPORT])
    amendment = amendments.open_amendment(startup, study, "Make the report a diary")
    shadow = amendments.proposed_study(amendment)
    assert {s.key: s.repeat for s in shadow.surveys}["side_effects"] == "problem_report"  # kept in the copy
    amendments.save_survey(startup, study, amendment, {**REPORT, "repeat": "diary"})
    assert {s["key"]: s.get("repeat") for s in amendment.record["surveys"]}["side_effects"] == "diary"
    diff = amendments.differences(study, amendment)
    changed = {survey["key"]: (change, items) for survey, change, items in diff["surveys"]}
    assert changed["side_effects"][0] == "changed" and ("", "changed") in changed["side_effects"][1]
    amendments.apply(study, amendment)
    assert {s.key: s.repeat for s in study.surveys}["side_effects"] == "diary"


def test_my_data_lists_every_report_and_erasure_removes_them(client, login, api_headers, pilot, take_part):
    _code, user = take_part(pilot, {"side_effects": {"what": "one"}})
    participation.submit_response(user, pilot, "side_effects", {"what": "two"})
    db.session.commit()
    exported = client.get("/api/v1/me/export", headers=api_headers(user)).json
    [taking_part] = exported["enrolments"]
    assert sorted((r["survey"], r["instance"]) for r in taking_part["responses"]) == [
        ("side_effects", 1),
        ("side_effects", 2),
    ]
    login(user)
    page = client.get(f"/pilots/{pilot.id}/answers").get_data(as_text=True)
    assert "report 1" in page and "report 2" in page
    participation.withdraw(user, pilot, erase_data=True)
    db.session.commit()
    assert reports_of(user, pilot) == []


def test_a_correction_addresses_the_report_it_names(client, pilot, take_part, api_headers):
    _code, user = take_part(pilot, {"side_effects": {"what": "first"}})
    participation.submit_response(user, pilot, "side_effects", {"what": "second"})
    db.session.commit()
    url = f"/api/v1/studies/{pilot.id}/surveys/side_effects/responses/mine"
    headers = api_headers(user)
    fixed = client.put(url, json={"answers": {"what": "second, fixed"}, "revision": 0, "instance": 2}, headers=headers)
    assert fixed.status_code == 200, fixed.json
    assert (fixed.json["instance"], fixed.json["answers"]["what"]) == (2, "second, fixed")
    for bad in (0, -1, "²", True, 1.5, [2], 10**12):
        refused = client.put(url, json={"answers": {"what": "x"}, "revision": 0, "instance": bad}, headers=headers)
        assert refused.status_code == 400, (bad, refused.json)
    missing = client.put(url, json={"answers": {"what": "x"}, "revision": 0, "instance": 7}, headers=headers)
    assert missing.status_code == 404
    texts = db.session.scalars(
        select(Answer.text).join(Response).where(Response.survey.has(key="side_effects")).order_by(Response.instance)
    ).all()
    assert texts == ["first", "second, fixed"]


def test_the_api_lists_the_problem_reports_to_the_staff_only(
    client, pilot, take_part, api_headers, startup, other_startup, coordinator
):
    """The staff's page through the API: codes, numbers and answers, newest first; never who."""
    code, user = take_part(pilot, {"side_effects": {"what": "=HYPERLINK(1)", "kind": "app bug"}})
    participation.submit_response(user, pilot, "side_effects", {"what": "dizzy", "severity": 4})
    db.session.commit()
    url = f"/api/v1/studies/{pilot.id}/problem-reports"
    for reader in (startup, coordinator):
        reply = client.get(url, headers=api_headers(reader))
        assert reply.status_code == 200, reply.json
        items = reply.json["items"]
        assert [(r["participant_code"], r["survey"], r["instance"]) for r in items] == [
            (code, "side_effects", 2),
            (code, "side_effects", 1),
        ]
        assert items[0]["answers"]["what"] == "dizzy" and items[0]["answers"]["severity"] == 4
        assert items[1]["answers"]["kind"] == "app bug" and items[0]["not_applicable"] == []
        assert user.email not in reply.get_data(as_text=True) and user.name not in reply.get_data(as_text=True)
    assert client.get(url, headers=api_headers(other_startup)).status_code == 404
    assert client.get(url, headers=api_headers(user)).status_code == 403
    assert client.get(url).status_code == 401
    assert (
        client.get(f"/api/v1/studies/{pilot.id + 1000}/problem-reports", headers=api_headers(startup)).status_code
        == 404
    )


def test_the_api_exports_the_reports_in_long_form(client, pilot, take_part, api_headers, startup, other_startup):
    code, user = take_part(pilot, {"side_effects": {"what": "+cmd|' /C calc'!A0", "severity": 2}})
    url = f"/api/v1/studies/{pilot.id}/export.reports.csv"
    reply = client.get(url, headers=api_headers(startup))
    assert reply.status_code == 200 and reply.headers["Cache-Control"] == "no-store"
    rows = list(csv.reader(io.StringIO(reply.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][:6] == ["participant_code", "arm", "site", "survey", "instance", "submitted_at"]
    assert rows[1][:5] == [code, "intervention", "", "side_effects", "1"]
    assert rows[1][6] == "'+cmd|' /C calc'!A0"
    assert client.get(url, headers=api_headers(other_startup)).status_code == 404
    assert client.get(url, headers=api_headers(user)).status_code == 403


def test_the_dashboard_counts_every_pilots_reports_in_one_query(make_study, take_part, count_queries):
    """The dashboard asked once per pilot the participant is in; the counts of all come from one grouped query."""
    from livinglab.participants import reports
    from livinglab.participants.models import Enrolment

    one = make_study("recruiting", survey_defs=[*sleep_surveys(), REPORT])
    two = make_study("recruiting", survey_defs=[*sleep_surveys(), REPORT])
    _code, first = take_part(one, {"side_effects": {"what": "a"}})
    participation.submit_response(first, one, "side_effects", {"what": "b"})
    _code, second = take_part(two, {"side_effects": {"what": "c"}})
    db.session.commit()
    enrolments = list(db.session.scalars(select(Enrolment).where(Enrolment.study_id.in_([one.id, two.id]))))
    report_ids = {s.study_id: s.id for s in (*one.surveys, *two.surveys) if s.key == "side_effects"}
    with count_queries() as statements:
        sent = reports.counts_for(enrolments)
    assert len(statements) == 1
    assert {e.study_id: sent[e.id] for e in enrolments} == {
        one.id: {report_ids[one.id]: 2},
        two.id: {report_ids[two.id]: 1},
    }


def test_the_export_menu_says_where_the_reports_are(client, login, make_study, take_part, startup):
    """The menu's sentences were written before repeated reports: "Every answer" in the CSV, and the SPSS and
    Stata files silent on the reports they do not hold."""
    with_reports = make_study("recruiting", survey_defs=[*sleep_surveys(), REPORT])
    take_part(with_reports, {"side_effects": {"what": "x", "severity": 2}})
    without = make_study("recruiting")
    take_part(without, {})
    login(startup)
    page = html.unescape(client.get(f"/studies/{with_reports.id}/results").get_data(as_text=True))
    assert "Every answer to the timepoints' surveys, one row per participant code and timepoint" in page
    assert "the repeated reports are in their own file, below" in page and "Repeated reports (CSV)" in page
    page = html.unescape(client.get(f"/studies/{without.id}/results").get_data(as_text=True))
    assert "Every answer to the timepoints' surveys" in page and "repeated reports" not in page.lower()
