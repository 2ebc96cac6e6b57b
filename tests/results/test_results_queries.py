"""Issue 4, point 12: results, exports and the results page run as many SQL statements for 1,000
participants as for 10 (no query per participant, per answer or per variable)."""

import pytest

from livinglab.demo import food_protocol, food_surveys, sleep_protocol, sleep_surveys
from livinglab.demo_bulk import bulk_participants
from livinglab.extensions import db
from livinglab.studies.models import Study

API = ["results", "export.csv", "dictionary.csv"]
PAGES = ["data.csv", "dictionary.csv", "data.xlsx", "data.sav", "data.dta"]
DESIGNS = {"pre_post": (sleep_protocol, sleep_surveys), "parallel_groups": (food_protocol, food_surveys)}


@pytest.fixture(params=list(DESIGNS))
def study_id(request, make_study):
    """A recruiting study's id (each request loads the study afresh)."""
    protocol, surveys = DESIGNS[request.param]
    return make_study("recruiting", protocol=protocol(), survey_defs=surveys()).id


def grow_to(study_id: int, count: int) -> None:
    """Synthetic participants up to `count`, some without a follow-up (inserted in bulk: see demo_bulk)."""
    study = db.session.get(Study, study_id)
    bulk_participants(study, count - study.enrolled_count, seed=count, dropout=0.1)
    db.session.commit()


@pytest.fixture
def measure(client, count_queries):
    """The SQL statements one GET runs, its body read to the end (the CSV is streamed). The tests hold
    one app context, so its session is dropped first: each request starts, as in production, with
    nothing loaded."""

    def run(url: str, headers=None) -> int:
        db.session.remove()
        with count_queries() as statements:
            response = client.get(url, headers=headers or {})
            response.get_data()
        assert response.status_code == 200, (url, response.status_code)
        return len(statements)

    return run


def counts(measure, study_id, headers) -> dict:
    out = {}
    for what in API:
        url = f"/api/v1/studies/{study_id}/{what}"
        out[f"api {what}"] = measure(url, headers)  # results: computed afresh (new data)
        out[f"api {what}, again"] = measure(url, headers)  # results: from the cache
    return out


def test_the_api_runs_as_many_queries_at_1000_participants_as_at_10(study_id, measure, api_headers, startup):
    headers = api_headers(startup)
    measure("/api/v1/me", headers)  # a token's first use in an hour also notes its last use: not measured
    grow_to(study_id, 10)
    small = counts(measure, study_id, headers)
    grow_to(study_id, 1000)
    large = counts(measure, study_id, headers)
    assert large == small
    assert max(small.values()) <= 20, small
    assert small["api results, again"] < small["api results"], "the second read comes from the cache"


def test_the_downloads_run_as_many_queries_at_1000_participants_as_at_10(study_id, measure, login, startup):
    login(startup)

    def downloads() -> dict:
        return {what: measure(f"/studies/{study_id}/exports/{what}") for what in PAGES}

    grow_to(study_id, 10)
    small = downloads()
    grow_to(study_id, 1000)
    assert downloads() == small
    assert max(small.values()) <= 20, small


def test_the_results_page_runs_as_many_queries_at_1000_participants_as_at_10(app, study_id, measure, login, startup):
    login(startup)
    url = f"/studies/{study_id}/results"
    grow_to(study_id, 10)
    small = (measure(url), measure(url))  # computed afresh, then from the cache
    grow_to(study_id, 1000)
    large = (measure(url), measure(url))
    assert large == small
    assert max(small) <= 30, small
