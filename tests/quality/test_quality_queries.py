"""The data-quality page and API run as many SQL statements for 1,000 participants as for 10 (issue 13, item 7),
with a response excluded (its exclusion is loaded with the others, not one by one)."""

from sqlalchemy import select

from livinglab.extensions import db
from livinglab.participants.models import Enrolment, Response
from livinglab.quality.models import ResponseExclusion
from tests.results.test_results_queries import grow_to


def exclude_one(study_id: int, user_id: int) -> None:
    response = db.session.scalar(
        select(Response).join(Enrolment).where(Enrolment.study_id == study_id).order_by(Response.id.desc())
    )
    db.session.add(ResponseExclusion(response_id=response.id, reason="Test", excluded_by_id=user_id))
    db.session.commit()


def test_the_data_quality_and_results_pages_and_api_run_as_many_queries_at_1000_participants_as_at_10(
    study_id, measure, login, api_headers, startup
):
    headers, startup_id = api_headers(startup), startup.id
    measure("/api/v1/me", headers)  # a token's first use in an hour notes its last use: not measured
    login(startup)
    urls = [f"/studies/{study_id}/data-quality", f"/api/v1/studies/{study_id}/data-quality"]
    urls += [f"/api/v1/studies/{study_id}/exclusions", f"/api/v1/studies/{study_id}/results"]
    urls += [f"/studies/{study_id}/results", f"/studies/{study_id}/results/report"]  # the secondaries' lines too

    def run() -> list[int]:
        return [measure(url, headers if "/api/" in url else None) for url in urls]

    grow_to(study_id, 10)
    exclude_one(study_id, startup_id)
    small = run()
    grow_to(study_id, 1000)
    exclude_one(study_id, startup_id)
    assert run() == small
    assert max(small) <= 20, small
