"""Issue 9, item 14: the observatory costs a constant number of queries in the number of studies, and
its charts are drawn once for the data they show (then served from memory, or 304 to the browser)."""

import re

import pytest
from sqlalchemy import func, select

from livinglab.auth.models import User
from livinglab.demo import build_study, sleep_protocol
from livinglab.demo_bulk import bulk_participants
from livinglab.extensions import db
from livinglab.observatory import charts, views
from livinglab.studies import services as studies
from livinglab.studies.models import Study

CHARTS = ["studies", "participants", "turnaround"]


@pytest.fixture
def ended_studies(startup, coordinator):
    """Add `n` ended pilots with a few answers each."""
    ids = {"startup": startup.id, "coordinator": coordinator.id}

    def add(n: int) -> None:
        owner, reviewer = db.session.get(User, ids["startup"]), db.session.get(User, ids["coordinator"])
        for i in range(n):
            study = build_study(owner, reviewer, "recruiting", sleep_protocol(title=f"Ended {i}"))
            bulk_participants(study, 4, seed=i)
            studies.set_recruitment(reviewer, study, "closed")
            studies.end_study(reviewer, study, "Every participant has answered the follow-up.")
        db.session.commit()

    return add


@pytest.fixture
def measure(client, count_queries):
    def run(url: str) -> int:
        db.session.remove()
        with count_queries() as statements:
            response = client.get(url)
        assert response.status_code == 200, url
        return len(statements)

    return run


def test_the_observatory_costs_the_same_queries_with_5_and_25_ended_studies(
    client, login, coordinator, ended_studies, measure
):
    login(coordinator)
    ended_studies(5)
    measure("/observatory")  # computes and caches each new study's results once
    small = {url: measure(url) for url in ["/observatory", *(f"/observatory/charts/{c}.svg" for c in CHARTS)]}
    ended_studies(20)
    measure("/observatory")
    large = {url: measure(url) for url in small}
    assert large == small
    assert small["/observatory"] <= 12, small


def test_a_study_whose_data_changed_is_recomputed_once(client, login, coordinator, ended_studies, measure):
    login(coordinator)
    ended_studies(3)
    measure("/observatory")
    warm = measure("/observatory")
    study_id = db.session.scalar(select(func.max(Study.id)))
    bulk_participants(db.session.get(Study, study_id), 2, seed=9)
    db.session.commit()
    assert measure("/observatory") > warm  # that one study's results are computed again...
    assert measure("/observatory") == warm  # ...once


def test_charts_are_drawn_once_for_the_data_they_show(client, login, coordinator, ended_studies, monkeypatch):
    login(coordinator)
    ended_studies(2)
    views.charts_drawn.clear()
    drawn = []
    original = charts.stacked_bars
    monkeypatch.setattr(charts, "stacked_bars", lambda *a, **k: drawn.append(1) or original(*a, **k))
    first = client.get("/observatory/charts/studies.svg")
    again = client.get("/observatory/charts/studies.svg")
    assert first.status_code == again.status_code == 200 and first.data == again.data
    assert len(drawn) == 1
    # the browser's copy is still good: 304, no body
    revalidated = client.get("/observatory/charts/studies.svg", headers={"If-None-Match": first.headers["ETag"]})
    assert revalidated.status_code == 304 and not revalidated.data
    # new data, new chart
    ended_studies(1)
    changed = client.get("/observatory/charts/studies.svg", headers={"If-None-Match": first.headers["ETag"]})
    assert changed.status_code == 200 and changed.headers["ETag"] != first.headers["ETag"]
    assert len(drawn) == 2
    # the French chart is another chart
    client.post("/language", data={"lang": "fr", "next": "/observatory"})
    assert client.get("/observatory/charts/studies.svg").status_code == 200 and len(drawn) == 3


def svg_size(body: str) -> tuple[float, float]:
    width, height = re.search(r'<svg[^>]*width="([\d.]+)pt" height="([\d.]+)pt"', body).groups()
    return float(width) * 4 / 3, float(height) * 4 / 3  # points to CSS pixels


def test_chart_images_say_their_size_so_the_page_does_not_jump(client, login, coordinator, ended_studies):
    login(coordinator)
    ended_studies(2)
    page = client.get("/observatory").get_data(as_text=True)
    for name in CHARTS:
        img = re.search(rf'<img src="/observatory/charts/{name}.svg"[^>]*width="(\d+)" height="(\d+)"', page)
        source = re.search(
            rf'srcset="/observatory/charts/{name}.svg\?size=narrow"[^>]*width="(\d+)" height="(\d+)"', page
        )
        assert img and source, name
        for match, url in (
            (img, f"/observatory/charts/{name}.svg"),
            (source, f"/observatory/charts/{name}.svg?size=narrow"),
        ):
            width, height = svg_size(client.get(url).get_data(as_text=True))
            assert abs(int(match.group(1)) - width) <= 1 and abs(int(match.group(2)) - height) <= 1, url
