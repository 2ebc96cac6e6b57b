"""The quotas hold when many people enrol at the same instant, as the cap does (test_enrolment_concurrency.py):
a real multi-process server (gunicorn) on the test database (SQLite file, or PostgreSQL)."""

import json
import threading
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import func, select

from livinglab.auth.services import create_token
from livinglab.demo import sleep_protocol
from livinglab.extensions import db
from livinglab.participants.models import Enrolment
from livinglab.participants.quota_places import QuotaPlace
from tests.participants.test_enrolment_concurrency import WORKERS, gunicorn, post_json  # noqa: F401 (a fixture)

AGE_QUOTA, SITE_QUOTA, PEOPLE = 5, 7, 48
SITES = [{"key": "ward_3", "name": "Ward 3"}, {"key": "pharmacy", "name": "Pharmacy"}]


def test_the_quotas_hold_under_concurrent_enrolments(gunicorn, make_study, make_user):  # noqa: F811
    spec = {"ratio": None, "age_strata": [50], "quotas": {"50+": AGE_QUOTA}, "site_quotas": {"ward_3": SITE_QUOTA}}
    study = make_study("recruiting", protocol=sleep_protocol(target_enrolment=40, sites=SITES, allocation=spec))
    tokens = [create_token(make_user("participant"))[0] for _ in range(PEOPLE)]
    db.session.commit()

    def body(n: int) -> bytes:  # half aged 60 at the pharmacy (the age quota), half aged 30 at ward 3 (the site's)
        old = n % 2 == 0
        return json.dumps(
            {
                "consent_version": 1,
                "clauses": {"understood": True, "data_use": True},
                "signature": "A. Person",
                "age": 60 if old else 30,
                "criteria_confirmed": True,
                "site": "pharmacy" if old else "ward_3",
            }
        ).encode()

    url = f"{gunicorn}/api/v1/studies/{study.id}/enrolment"
    start = threading.Barrier(PEOPLE)

    def attempt(n_token):
        n, token = n_token
        start.wait()
        return post_json(url, body(n), token)

    with ThreadPoolExecutor(max_workers=PEOPLE) as pool:
        results = list(pool.map(attempt, enumerate(tokens)))
    statuses = [status for status, _body in results]
    codes = [json.loads(payload)["error"]["code"] for status, payload in results if status != 201]
    db.session.commit()  # end the snapshot this test read before the burst
    stored = dict(
        db.session.execute(
            select(Enrolment.site, func.count()).where(Enrolment.study_id == study.id).group_by(Enrolment.site)
        ).all()
    )
    quotas = {
        row.subgroup: (row.places, row.taken)
        for row in db.session.scalars(select(QuotaPlace).where(QuotaPlace.study_id == study.id))
    }
    db.session.refresh(study)
    print(
        f"\n[{db.engine.dialect.name}] {PEOPLE} concurrent enrolments sent to {WORKERS} gunicorn workers: "
        f"{statuses.count(201)} accepted, {codes.count('full')} refused as full, quotas {AGE_QUOTA} and {SITE_QUOTA}"
    )
    assert statuses.count(201) == AGE_QUOTA + SITE_QUOTA
    assert codes == ["full"] * (PEOPLE - AGE_QUOTA - SITE_QUOTA)
    assert stored == {"pharmacy": AGE_QUOTA, "ward_3": SITE_QUOTA}
    assert study.enrolled_count == AGE_QUOTA + SITE_QUOTA
    assert quotas == {"50+": (AGE_QUOTA, AGE_QUOTA), "ward_3": (SITE_QUOTA, SITE_QUOTA)}
