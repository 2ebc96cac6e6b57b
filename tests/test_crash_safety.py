"""Nothing acknowledged is lost, and nothing is half-written, when the server dies mid-burst.

Many enrolled participants submit their baseline survey at once to a real gunicorn (several worker
processes) on the test database (SQLite file, or PostgreSQL with DATABASE_URL); some send theirs twice,
as a client retrying would. Once a third of them are acknowledged, the master and every worker get
SIGKILL at the same instant. Then, in the database: every acknowledged response is there with exactly
the answers sent, no response lacks any of its answers, nobody has two responses to the survey, and the
audit chain is intact. A new server on the same database then takes the submissions that were lost:
each is stored once (201), or was already stored before the crash (409 `already_answered`).
"""

import http.client
import json
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import func, select

from livinglab import audit
from livinglab.auth.services import create_token
from livinglab.demo import sleep_protocol
from livinglab.extensions import db
from livinglab.participants import services as participation
from livinglab.participants.models import Answer, Enrolment, Response
from tests.servers import gunicorn

PEOPLE, TWICE_EVERY, CLIENTS, WORKERS = 120, 5, 24, 3
KILL_AFTER = PEOPLE // 3  # acknowledgements before the plug is pulled


def answers_of(n: int) -> dict:
    """Different answers for each person, so that a mix-up would show."""
    return {"sleep_hours": round(4 + (n % 40) / 8, 3), **{f"who_{i}": (n + i) % 6 for i in range(1, 6)}}


def post(url: str, token: str, body: dict) -> tuple[int | None, dict | None]:
    """(status, JSON body); (None, None) when no answer came (refused, reset, cut off)."""
    request = urllib.request.Request(
        url,
        data=json.dumps(body).encode(),
        method="POST",
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"},
    )
    try:
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as err:
            return err.code, json.loads(err.read())
    except (OSError, http.client.HTTPException, ValueError):  # refused, reset, cut off: not acknowledged
        return None, None


def stored_responses(study_id: int) -> dict[int, dict]:
    """{enrolment id: {response id: {item key: number}}} for the study, read fresh."""
    db.session.commit()  # end this session's snapshot: read what the server committed
    rows = db.session.execute(
        select(Response.enrolment_id, Response.id, Answer.item_key, Answer.number)
        .join(Enrolment, Response.enrolment_id == Enrolment.id)
        .outerjoin(Answer, Answer.response_id == Response.id)
        .where(Enrolment.study_id == study_id)
    )
    stored: dict[int, dict] = {}
    for enrolment_id, response_id, key, number in rows:
        answers = stored.setdefault(enrolment_id, {}).setdefault(response_id, {})
        if key is not None:
            answers[key] = number
    return stored


def enrol_everyone(study, make_user) -> list[dict]:
    consent = study.current_consent
    people = []
    for n in range(PEOPLE):
        user = make_user("participant")
        enrolment = participation.enrol(
            user,
            study,
            consent_version=consent.version,
            clauses={clause["key"]: True for clause in consent.clauses},
            signature=user.name,
            age=30,
            criteria_confirmed=True,
        )
        people.append({"n": n, "enrolment": enrolment.id, "token": create_token(user)[0], "answers": answers_of(n)})
    db.session.commit()
    return people


def test_a_crash_mid_burst_loses_no_acknowledged_response_and_leaves_none_half_written(
    app, tmp_path, make_study, make_user
):
    study = make_study("recruiting", protocol=sleep_protocol(target_enrolment=PEOPLE))
    people = enrol_everyone(study, make_user)
    database = app.config["SQLALCHEMY_DATABASE_URI"]
    path = f"/api/v1/studies/{study.id}/surveys/baseline/responses"
    # Each person once, and every TWICE_EVERY-th a second time a little later (a client's retry).
    order = [(p["n"], p) for p in people] + [(p["n"] + 7.5, p) for p in people if p["n"] % TWICE_EVERY == 0]
    sends = [person for _position, person in sorted(order, key=lambda pair: pair[0])]
    acknowledged, results, lock = threading.Event(), [], threading.Lock()

    started = time.monotonic()
    with gunicorn(database, tmp_path, workers=WORKERS, threads=4) as server:

        def submit(person):
            status, body = post(server(path), person["token"], {"answers": person["answers"]})
            with lock:
                results.append((person, status, body))
                if sum(1 for _p, s, _b in results if s == 201) >= KILL_AFTER:
                    acknowledged.set()

        with ThreadPoolExecutor(max_workers=CLIENTS) as pool:
            for person in sends:
                pool.submit(submit, person)
            assert acknowledged.wait(timeout=120), f"fewer than {KILL_AFTER} acknowledged:\n{server.log()[-3000:]}"
            server.kill()  # SIGKILL to the master and every worker at once
            killed_at = len(results)
    crash_seconds = time.monotonic() - started

    statuses = Counter(status for _person, status, _body in results)
    acks = {person["enrolment"]: body["id"] for person, status, body in results if status == 201}
    refusals = Counter(body["error"]["code"] for _p, status, body in results if status and status != 201)
    stored = stored_responses(study.id)
    found = sum(len(responses) for responses in stored.values())
    print(
        f"\n[{db.engine.dialect.name}] {len(sends)} submissions sent by {PEOPLE} participants to {WORKERS} "
        f"gunicorn workers, SIGKILL after {killed_at} answers ({crash_seconds:.1f} s): "
        f"{statuses[201]} acknowledged (201), {dict(refusals)} refused, {statuses[None]} without an answer; "
        f"{found} responses found in the database"
    )

    assert statuses[None] > 0, "the kill came after the burst: nothing was cut off"
    assert set(statuses) <= {201, 409, None}, statuses
    assert set(refusals) <= {"already_answered"}, refusals
    by_enrolment = {person["enrolment"]: person for person in people}
    # Every acknowledged response is there, with exactly the answers sent.
    for enrolment_id, response_id in acks.items():
        assert response_id in stored.get(enrolment_id, {}), f"acknowledged response {response_id} is lost"
    # None is half-written: each stored response holds the full set of its answers.
    for enrolment_id, responses in stored.items():
        for response_id, answers in responses.items():
            assert answers == by_enrolment[enrolment_id]["answers"], f"response {response_id}: {answers}"
    # Nobody answered twice, however often they sent it.
    assert all(len(responses) == 1 for responses in stored.values())
    assert found >= len(acks)
    checked, broken = audit.verify()
    assert broken is None, f"audit chain broken at record {broken.id} after {checked} records"

    # A new server on the same database takes what was lost, and no more.
    with gunicorn(database, tmp_path, workers=2, threads=2) as server:
        lost = [person for person in people if person["enrolment"] not in acks]
        with ThreadPoolExecutor(max_workers=8) as pool:
            retried = list(pool.map(lambda p: post(server(path), p["token"], {"answers": p["answers"]}), lost))
    retry_statuses = Counter(status for status, _body in retried)
    stored = stored_responses(study.id)
    print(
        f"[{db.engine.dialect.name}] after a restart, {len(lost)} unacknowledged participants sent again: "
        f"{retry_statuses[201]} stored now, {retry_statuses[409]} already stored before the crash"
    )
    assert set(retry_statuses) <= {201, 409}, retry_statuses
    assert retry_statuses[409] == found - len(acks), "a 409 for every response stored but not acknowledged"
    assert {e: len(r) for e, r in stored.items()} == {person["enrolment"]: 1 for person in people}
    assert all(answers == by_enrolment[e]["answers"] for e, r in stored.items() for answers in r.values())
    assert audit.verify()[1] is None
    total = db.session.scalar(
        select(func.count()).select_from(Response).join(Enrolment).where(Enrolment.study_id == study.id)
    )
    assert total == PEOPLE
