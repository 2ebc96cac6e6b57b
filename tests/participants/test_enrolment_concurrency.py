"""The enrolment cap holds when many people enrol at the same instant, against a real
multi-process server (gunicorn) on the test database (SQLite file, or PostgreSQL)."""

import json
import threading
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select

from livinglab.auth.services import create_token
from livinglab.demo import sleep_protocol
from livinglab.extensions import db
from livinglab.participants.models import Enrolment
from tests.servers import gunicorn as serve

TARGET, PEOPLE, WORKERS = 10, 48, 4


@pytest.fixture
def gunicorn(app, tmp_path):
    with serve(app.config["SQLALCHEMY_DATABASE_URI"], tmp_path, workers=WORKERS, threads=4) as server:
        yield server.url


def post_json(url: str, body: bytes, token: str) -> tuple[int, bytes]:
    request = urllib.request.Request(
        url, data=body, method="POST", headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"}
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as err:
        return err.code, err.read()


def test_the_cap_holds_under_concurrent_enrolments(gunicorn, make_study, make_user):
    study = make_study("recruiting", protocol=sleep_protocol(target_enrolment=TARGET))
    tokens = [create_token(make_user("participant"))[0] for _ in range(PEOPLE)]
    db.session.commit()
    body = json.dumps(
        {
            "consent_version": 1,
            "clauses": {"understood": True, "data_use": True},
            "signature": "A. Person",
            "age": 30,
            "criteria_confirmed": True,
        }
    ).encode()
    url = f"{gunicorn}/api/v1/studies/{study.id}/enrolment"
    start = threading.Barrier(PEOPLE)

    def attempt(token):
        start.wait()
        return post_json(url, body, token)

    with ThreadPoolExecutor(max_workers=PEOPLE) as pool:
        results = list(pool.map(attempt, tokens))
    statuses = [status for status, _body in results]
    codes = [json.loads(payload)["error"]["code"] for status, payload in results if status != 201]
    db.session.commit()  # end the snapshot this test read before the burst
    stored = db.session.scalar(select(func.count()).select_from(Enrolment).where(Enrolment.study_id == study.id))
    db.session.refresh(study)
    print(
        f"\n[{db.engine.dialect.name}] {PEOPLE} concurrent enrolments sent to {WORKERS} gunicorn workers: "
        f"{statuses.count(201)} accepted, {codes.count('full')} refused as full, target {TARGET}"
    )
    assert statuses.count(201) == TARGET
    assert codes == ["full"] * (PEOPLE - TARGET)
    assert stored == TARGET == study.enrolled_count
