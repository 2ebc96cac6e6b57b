"""The enrolment cap holds when many people enrol at the same instant, against a real
multi-process server (gunicorn) on the test database (SQLite file, or PostgreSQL)."""
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlalchemy import func, select

from livinglab.auth.services import create_token
from livinglab.demo import sleep_protocol
from livinglab.extensions import db
from livinglab.participants.models import Enrolment

TARGET, PEOPLE, WORKERS = 10, 48, 4


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def gunicorn(app):
    port = free_port()
    env = {**os.environ, "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
           "LIVINGLAB_RATELIMIT_ENABLED": "false", "LIVINGLAB_SECRET_KEY": "concurrency-test"}
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-w", str(WORKERS), "--threads", "4", "-b", f"127.0.0.1:{port}",
         "--log-level", "warning", "livinglab:create_app()"],
        env=env, cwd=Path(__file__).resolve().parent.parent)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(600):  # up to a minute on a busy machine
            try:
                urllib.request.urlopen(base + "/api/v1/catalogue", timeout=2)
                break
            except OSError:
                time.sleep(0.1)
        else:
            pytest.fail("gunicorn did not start")
        yield base
    finally:
        server.terminate()
        server.wait(timeout=20)


def post_json(url: str, body: bytes, token: str) -> tuple[int, bytes]:
    request = urllib.request.Request(url, data=body, method="POST", headers={
        "Content-Type": "application/json", "Authorization": f"Bearer {token}"})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as err:
        return err.code, err.read()


def test_the_cap_holds_under_concurrent_enrolments(gunicorn, make_study, make_user):
    import json

    study = make_study("recruiting", protocol=sleep_protocol(target_enrolment=TARGET))
    tokens = [create_token(make_user("participant"))[0] for _ in range(PEOPLE)]
    db.session.commit()
    body = json.dumps({"consent_version": 1, "clauses": {"understood": True, "data_use": True},
                       "signature": "A. Person", "age": 30, "criteria_confirmed": True}).encode()
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
    print(f"\n[{db.engine.dialect.name}] {PEOPLE} concurrent enrolments sent to {WORKERS} gunicorn workers: "
          f"{statuses.count(201)} accepted, {codes.count('full')} refused as full, target {TARGET}")
    assert statuses.count(201) == TARGET
    assert codes == ["full"] * (PEOPLE - TARGET)
    assert stored == TARGET == study.enrolled_count
