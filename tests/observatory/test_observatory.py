"""The observatory: who may see it, its figures on a hand-built sector, filters, CSV, charts, queries."""

import csv
import html
import io
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, update

from livinglab import audit
from livinglab.auth.models import User
from livinglab.demo import build_study, food_protocol, sleep_protocol
from livinglab.extensions import db
from livinglab.observatory.services import Scope, export_rows, figures, quantile, summary
from livinglab.participants import services as participation
from livinglab.participants.models import Enrolment
from livinglab.studies import services as studies
from livinglab.studies import workflow
from livinglab.studies.models import Study

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
DAY = 86400

SLEEP_SURVEYS = [
    {
        "key": tp,
        "title": tp,
        "timepoint": tp,
        "items": [{"key": "sleep_hours", "text": "Hours slept per night?", "type": "number", "min": 0, "max": 24}],
    }
    for tp in ("baseline", "follow_up")
]
FOOD_SURVEYS = [
    {
        "key": tp,
        "title": tp,
        "timepoint": tp,
        "items": [{"key": "satisfaction", "text": "How satisfied?", "type": "likert", "min": 1, "max": 7}],
    }
    for tp in ("baseline", "week_4")
]
ROUTES = [
    "/observatory",
    "/observatory.csv",
    "/observatory/charts/studies.svg",
    "/observatory/charts/participants.svg",
    "/observatory/charts/turnaround.svg",
]


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


class Clock:
    """Audit records and review dates at chosen instants: T0 plus some days."""

    def __init__(self):
        self.now = T0

    def __call__(self):
        return self.now

    def at(self, days: float) -> None:
        self.now = T0 + timedelta(days=days)


@pytest.fixture
def clock(monkeypatch):
    clock = Clock()
    monkeypatch.setattr(audit, "utcnow", clock)
    monkeypatch.setattr(workflow, "utcnow", clock)
    return clock


def walk(study: Study, coordinator, clock: Clock, *moves: tuple[str, float]) -> Study:
    """Make each move at T0 + days, as the startup (submit) or the coordinator (everything else)."""
    for move, days in moves:
        clock.at(days)
        if move == "submit":
            studies.submit(study.owner, study)
        elif move in studies.DECISIONS:
            studies.decide(coordinator, study, move, "" if move == "approve" else "Please clarify the risks.")
        elif move == "end":
            studies.end_study(coordinator, study, "Every participant has answered the follow-up.")
        else:
            studies.set_recruitment(coordinator, study, {"open": "recruiting", "close": "closed"}[move])
        db.session.commit()
    return study


def join(make_user, study: Study, *answers, withdraw_erasing: bool = False) -> None:
    """A new participant enrols and answers each timepoint's survey in turn (a value per survey)."""
    user = make_user("participant")
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
    variable = study.primary_variable
    for timepoint, value in zip(study.timepoints, answers, strict=False):
        participation.submit_response(user, study, timepoint, {variable: value})
    if withdraw_erasing:
        participation.withdraw(user, study, erase_data=True)
    db.session.commit()


@pytest.fixture
def sector(startup, other_startup, coordinator, make_user, clock):
    """Six studies, two domains, every figure worked out by hand in the tests below."""

    def sleep(title):
        return build_study(startup, coordinator, "draft", sleep_protocol(title=title), SLEEP_SURVEYS)

    def food(title):
        return build_study(other_startup, coordinator, "draft", food_protocol(title=title), FOOD_SURVEYS)

    s = {
        "draft": sleep("A draft"),
        "submitted": sleep("Waiting"),
        "two_rounds": sleep("Two rounds"),
        "decrease": sleep("Wrong way"),
        "rejected": food("Rejected"),
        "recruiting": food("Recruiting"),
        "tiny": food("Tiny"),
    }
    db.session.commit()
    walk(s["submitted"], coordinator, clock, ("submit", 0))
    walk(
        s["two_rounds"],
        coordinator,
        clock,
        ("submit", 0),
        ("request_changes", 2),
        ("submit", 3),
        ("approve", 4),
        ("open", 4),
    )
    for before, after in ((5, 7), (6, 8), (5.5, 7.4)):
        join(make_user, s["two_rounds"], before, after)
    join(make_user, s["two_rounds"], 6)  # never answered the follow-up
    walk(s["two_rounds"], coordinator, clock, ("close", 10), ("end", 11))
    walk(s["decrease"], coordinator, clock, ("submit", 0), ("approve", 1), ("open", 1))
    join(make_user, s["decrease"], 7, 6)
    join(make_user, s["decrease"], 8, 6.5)
    walk(s["decrease"], coordinator, clock, ("close", 10), ("end", 11))
    walk(s["rejected"], coordinator, clock, ("submit", 0), ("reject", 5))
    walk(s["recruiting"], coordinator, clock, ("submit", 0), ("approve", 0.25), ("open", 1))
    join(make_user, s["recruiting"], 4, 6)
    join(make_user, s["recruiting"], 5)
    join(make_user, s["recruiting"], 3, withdraw_erasing=True)
    walk(s["tiny"], coordinator, clock, ("submit", 0), ("approve", 0.5), ("open", 1))
    join(make_user, s["tiny"], 4, 5)
    walk(s["tiny"], coordinator, clock, ("close", 10), ("end", 11))
    return s


# --- Who may see it ------------------------------------------------------------------------------


@pytest.mark.parametrize("route", ROUTES)
def test_anonymous_visitors_are_sent_to_sign_in(client, route):
    response = client.get(route)
    assert response.status_code == 302 and "/account/signin" in response.headers["Location"]


@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize("role", ["participant", "startup"])
def test_participants_and_startups_may_not_see_the_observatory(client, login, make_user, route, role):
    login(make_user(role))
    assert client.get(route).status_code == 403


@pytest.mark.parametrize("route", ROUTES)
def test_coordinators_see_every_observatory_route(client, login, coordinator, route):
    login(coordinator)
    assert client.get(route).status_code == 200


def test_only_coordinators_get_the_observatory_link(client, login, coordinator, startup):
    login(startup)
    assert "/observatory" not in text(client.get("/studies/"))
    client.post("/account/signout")
    login(coordinator)
    page = text(client.get("/studies/all"))
    assert 'href="/observatory"' in page and 'href="/audit"' in page


# --- The figures -----------------------------------------------------------------------------------


def test_quartiles_interpolate_as_r_type_7():
    assert quantile([1, 2, 3, 4], 0.25) == 1.75 and quantile([1, 2, 3, 4], 0.5) == 2.5
    assert summary([5.0]) == {"n": 1, "median": 5.0, "q1": 5.0, "q3": 5.0, "min": 5.0, "max": 5.0}
    assert summary([])["median"] is None


def test_studies_are_counted_by_domain_and_status(sector):
    data = figures(Scope())
    assert data["studies"]["total"] == 7
    ehealth, food = data["studies"]["by_domain"]["e-health"], data["studies"]["by_domain"]["foodtech"]
    assert {k: v for k, v in ehealth.items() if v} == {"draft": 1, "submitted": 1, "ended": 2}
    assert {k: v for k, v in food.items() if v} == {"rejected": 1, "recruiting": 1, "ended": 1}
    assert data["studies"]["by_status"]["ended"] == 3


def test_participants_enrolled_and_retained_per_domain(sector):
    data = figures(Scope())
    # e-health: 4 + 2 enrolled, 3 + 2 answered the follow-up; foodtech: 3 + 1 enrolled (one withdrew
    # and erased), 1 + 1 answered week 4.
    assert data["participants"]["e-health"] == {"pilots": 2, "enrolled": 6, "retained": 5, "rate": 5 / 6}
    assert data["participants"]["foodtech"] == {"pilots": 2, "enrolled": 4, "retained": 2, "rate": 0.5}
    assert data["overall"] == {"pilots": 4, "enrolled": 10, "retained": 7, "rate": 0.7}


def test_review_turnaround_counts_each_round(sector):
    turnaround = figures(Scope())["turnaround"]
    # e-health rounds: 2 days then 1 day (the same study, resubmitted), and 1 day; foodtech: 5, 0.25, 0.5 days.
    assert sorted(turnaround["durations"]["e-health"]) == [DAY, DAY, 2 * DAY]
    ehealth = turnaround["by_domain"]["e-health"]
    assert (ehealth["n"], ehealth["median"], ehealth["q1"], ehealth["q3"]) == (3, DAY, DAY, 1.5 * DAY)
    food = turnaround["by_domain"]["foodtech"]
    assert (food["median"], food["q1"], food["q3"]) == (0.5 * DAY, 0.375 * DAY, 2.75 * DAY)
    overall = turnaround["overall"]
    assert (overall["n"], overall["median"], overall["q1"], overall["q3"]) == (6, DAY, 0.625 * DAY, 1.75 * DAY)
    assert turnaround["waiting"] == 1


def test_share_of_supported_hypotheses_among_testable_ended_pilots(sector):
    outcomes = figures(Scope())["outcomes"]
    # two_rounds: sleep rose by ~2 h (supported); decrease: it fell (not supported); tiny: one participant.
    assert outcomes == {"ended": 3, "supported": 1, "not_supported": 1, "untestable": 1, "share": 0.5}


def test_a_pilot_is_final_when_it_ends_not_when_its_recruitment_closes(startup, coordinator, make_user, clock):
    """Closing recruitment stops new enrolments only: the enrolled still answer, so the verdict is not final
    and the observatory leaves it out until the pilot ends."""
    study = build_study(startup, coordinator, "draft", sleep_protocol(title="Still answering"), SLEEP_SURVEYS)
    db.session.commit()
    walk(study, coordinator, clock, ("submit", 0), ("approve", 1), ("open", 1))
    for before, after in ((5, 7), (6, 8), (5.5, 7.4)):
        join(make_user, study, before, after)
    walk(study, coordinator, clock, ("close", 10))
    assert figures(Scope())["outcomes"]["ended"] == 0
    assert export_rows(Scope())[0]["primary_outcome_supported"] == ""
    walk(study, coordinator, clock, ("end", 11))
    assert figures(Scope())["outcomes"] == {
        "ended": 1,
        "supported": 1,
        "not_supported": 0,
        "untestable": 0,
        "share": 1.0,
    }
    assert export_rows(Scope())[0]["primary_outcome_supported"] == "yes"


def test_the_page_shows_the_figures(client, login, coordinator, sector):
    login(coordinator)
    page = text(client.get("/observatory"))
    for expected in (
        "Observatory",
        "Studies by domain and status",
        "70%",
        "24 h",
        "15 h",
        "42 h",
        "2.8 days",
        "Of 2 ended pilots with a testable primary outcome, 1 supported their hypothesis (50%).",
        "1 round is waiting for a decision.",
        'src="/observatory/charts/studies.svg"',
    ):
        assert expected in page, expected
    assert 'alt="Bar chart of studies per domain, stacked by status. E-health: 4 (1 draft' in page


# --- Filters -----------------------------------------------------------------------------------------


def test_domain_filter_keeps_one_domain(client, login, coordinator, sector):
    data = figures(Scope(domain="foodtech"))
    assert data["domains"] == ["foodtech"] and data["studies"]["total"] == 3
    assert data["overall"]["enrolled"] == 4 and data["outcomes"]["untestable"] == 1
    login(coordinator)
    page = text(client.get("/observatory?domain=foodtech"))
    assert "All domains" not in page and 'src="/observatory/charts/studies.svg?domain=foodtech"' in page


def test_year_filter_uses_the_year_of_creation(client, login, coordinator, sector):
    db.session.execute(
        update(Study).where(Study.id == sector["draft"].id).values(created_at=datetime(2024, 5, 1, tzinfo=UTC))
    )
    db.session.commit()
    assert figures(Scope(year=2024))["studies"]["total"] == 1
    assert figures(Scope(year=2023))["studies"]["total"] == 0
    login(coordinator)
    page = text(client.get("/observatory?year=2024"))
    assert '<option selected value="2024">2024</option>' in page
    rows = list(csv.DictReader(io.StringIO(client.get("/observatory.csv?year=2024").get_data(as_text=True))))
    assert [int(r["study_id"]) for r in rows] == [sector["draft"].id]


@pytest.mark.parametrize(
    "query, message",
    [
        ("domain=astrology", "Choose a domain from the list."),
        ("year=abc", "Choose a year from the list."),
        ("year=-1", "Choose a year from the list."),
        ("year=99999999999999999999", "Choose a year from the list."),
        ("domain=%00&year=%F0%9F%98%80", "Choose a domain from the list."),
    ],
)
def test_bad_filters_are_reported_and_ignored(client, login, coordinator, sector, query, message):
    login(coordinator)
    response = client.get("/observatory?" + query)
    assert response.status_code == 200 and message in text(response)
    assert client.get("/observatory/charts/studies.svg?" + query).status_code == 200
    export = client.get("/observatory.csv?" + query)
    assert export.status_code == 400 and message in export.get_data(as_text=True)


def test_a_year_without_studies_gives_empty_figures(client, login, coordinator, sector):
    login(coordinator)
    page = text(client.get("/observatory?year=1999"))
    assert "No pilot has ended yet." in page and "—" in page


# --- CSV and charts -------------------------------------------------------------------------------------


def test_csv_has_one_row_per_study_and_no_person(client, login, coordinator, sector):
    login(coordinator)
    response = client.get("/observatory.csv")
    assert response.mimetype == "text/csv" and "attachment" in response.headers["Content-Disposition"]
    body = response.get_data(as_text=True)
    rows = {int(r["study_id"]): r for r in csv.DictReader(io.StringIO(body))}
    assert len(rows) == 7
    two = rows[sector["two_rounds"].id]
    assert (two["domain"], two["status"], two["organisation"]) == ("e-health", "ended", "Sommeil+")
    assert (two["first_submitted_on"], two["last_decided_on"], two["review_rounds"]) == (
        "2026-03-02",
        "2026-03-06",
        "2",
    )
    assert (two["enrolled"], two["retained"], two["primary_outcome_supported"]) == ("4", "3", "yes")
    assert rows[sector["decrease"].id]["primary_outcome_supported"] == "no"
    assert rows[sector["tiny"].id]["primary_outcome_supported"] == "untestable"
    assert rows[sector["recruiting"].id]["primary_outcome_supported"] == ""
    assert rows[sector["draft"].id]["first_submitted_on"] == "" and rows[sector["draft"].id]["review_rounds"] == "0"
    codes = db.session.scalars(select(Enrolment.participant_code)).all()
    people = db.session.execute(select(User.name, User.email).where(User.role == "participant")).all()
    assert len(codes) == 10 and len(people) == 10
    assert not any(code in body for code in codes)
    assert not any(name in body or email in body for name, email in people)


def test_csv_neutralises_formulas_in_titles(client, login, coordinator, startup):
    build_study(startup, coordinator, "draft", sleep_protocol(title='=HYPERLINK("http://evil")'), SLEEP_SURVEYS)
    db.session.commit()
    login(coordinator)
    row = next(csv.DictReader(io.StringIO(client.get("/observatory.csv").get_data(as_text=True))))
    assert row["title"].startswith("'=")


def test_charts_are_svg_with_their_own_style_policy(client, login, coordinator, sector):
    login(coordinator)
    for name in ("studies", "participants", "turnaround"):
        response = client.get(f"/observatory/charts/{name}.svg")
        assert response.mimetype == "image/svg+xml"
        assert "script-src" not in response.headers["Content-Security-Policy"]
        assert response.get_data(as_text=True).lstrip().startswith("<?xml")
    assert "E-health" in client.get("/observatory/charts/studies.svg").get_data(as_text=True)
    assert client.get("/observatory/charts/pie.svg").status_code == 404


def test_empty_sector_renders(client, login, coordinator):
    login(coordinator)
    page = text(client.get("/observatory"))
    assert "No pilot has ended yet." in page and "<img" not in page
    assert "No study yet." in client.get("/observatory/charts/studies.svg").get_data(as_text=True)


# --- Queries do not grow with participants ------------------------------------------------------------


def wipe():
    db.session.rollback()
    db.session.remove()
    with db.engine.begin() as connection:
        for table in reversed(db.metadata.sorted_tables):
            connection.execute(table.delete())


def queries_with(participants: int, client, make_user, count_queries, clock) -> dict[str, tuple[int, int]]:
    """Queries of each route (cold results, then warm) in a sector of one ended study of this size."""
    wipe()
    owner, coordinator = make_user("startup"), make_user("coordinator")
    study = build_study(owner, coordinator, "draft", sleep_protocol(target_enrolment=100), SLEEP_SURVEYS)
    db.session.commit()
    walk(study, coordinator, clock, ("submit", 0), ("approve", 1), ("open", 1))
    for n in range(participants):
        join(make_user, study, 5 + n % 3, 6 + n % 4)
    walk(study, coordinator, clock, ("close", 3), ("end", 4))
    client.post("/account/signin", data={"email": coordinator.email, "password": "correct-horse-battery"})
    counts = {}
    for route in ROUTES:
        measured = []
        for _ in range(2):
            with count_queries() as statements:
                assert client.get(route).status_code == 200
            measured.append(len(statements))
        counts[route] = tuple(measured)
    return counts


def test_query_count_does_not_grow_with_participants(client, make_user, count_queries, clock):
    few = queries_with(5, client, make_user, count_queries, clock)
    many = queries_with(50, client, make_user, count_queries, clock)
    assert few == many
    assert max(warm for _cold, warm in few.values()) < 25
