"""Issue 13, item 5 through the app: the intervals of the variables table, Benjamini–Hochberg chosen in the
protocol, and correlations on request (page and API), on pilots built with the services and answered by
participants. Reference values: R's printed output, or worked by hand from the published definitions."""

import pytest

from livinglab.demo import food_protocol, food_surveys, sleep_protocol, sleep_surveys
from livinglab.demo_bulk import bulk_participants
from livinglab.extensions import db
from livinglab.studies.models import Study
from tests.analysis.reference_data import printed
from tests.analysis.reference_published import TUNA_X, TUNA_Y

V1 = "/api/v1"
RECOMMEND = [10, 10, 9, 8, 7, 6, 0, 3, 9]  # 4 promoters, 2 passives, 3 detractors: NPS 100/9


def number(key):
    return {"key": key, "text": f"The {key}", "type": "number"}


@pytest.fixture
def pilot(make_study, take_part):
    """A pre/post pilot measuring `outcome`, `steps`, `recommend` (NPS) and a note at both timepoints,
    answered by nine participants: outcome and steps at baseline are Hollander & Wolfe's tuna data (R's ?cor.test)."""

    def build(**protocol):
        spec = food_protocol(
            design="single_group_pre_post",
            arms=["intervention"],
            timepoints=["baseline", "follow_up"],
            target_enrolment=50,
            primary_outcome={"variable": "outcome", "hypothesis": "increase"},
            **protocol,
        )
        items = [number("outcome"), number("steps"), {"key": "recommend", "text": "Recommend?", "type": "nps"}]
        items.append({"key": "note", "text": "Anything to add?", "type": "text", "required": False})
        surveys = [{"key": f"s_{tp}", "title": tp, "timepoint": tp, "items": items} for tp in ("baseline", "follow_up")]
        study = make_study("recruiting", protocol=spec, survey_defs=surveys)
        for i, (x, y, nps) in enumerate(zip(TUNA_X, TUNA_Y, RECOMMEND, strict=True)):
            base = {"outcome": x, "steps": y, "recommend": nps}
            later = {"outcome": x + 1 + (i % 3), "steps": y * 2 - i % 2, "recommend": min(10, nps + 1)}
            take_part(study, {"s_baseline": base, "s_follow_up": later})
        return study

    return build


def french(client):
    client.post("/language", data={"lang": "fr", "next": "/"})


def test_the_variables_table_shows_the_intervals_in_the_api_page_and_report_in_english_and_french(
    pilot, client, login, startup, api_headers
):
    study = pilot()
    body = client.get(f"{V1}/studies/{study.id}/results", headers=api_headers(startup)).get_json()
    baseline = body["variables"]["outcome"]["by_timepoint"]["baseline"]
    # n = 9: qbinom(0.025, 9, ½) = 2 (P(B ≤ 1) = 10/512 < 0.025 ≤ P(B ≤ 2) = 46/512): the 2nd and 8th values
    # of 41.9 44.1 44.4 44.7 45.2 45.9 50.7 53.3 60.1, at level 1 − 2 × 10/512 (DescTools::MedianCI, "exact")
    assert baseline["median"] == 45.2 and baseline["median_ci95"] == [44.1, 53.3]
    assert baseline["median_ci_level"] == pytest.approx(1 - 20 / 512)
    nps = body["variables"]["recommend"]["by_timepoint"]["baseline"]["nps"]
    # adjusted Wald (Rocks 2016) by hand: n' = 12, p' = 4.75/12, d' = 3.75/12, centre 1/12,
    # Var = (8.5/12 − 1/144)/12 = 0.05844907, half = 1.959964 × 0.2417624 = 0.4738456 → [−39.05122, 55.71789]
    assert nps["score"] == pytest.approx(100 / 9)
    assert nps["ci95"] == [pytest.approx(-39.05122, abs=1e-4), pytest.approx(55.71789, abs=1e-4)]
    assert "descriptive_intervals" in body["methods"] and "Feldt" in body["methods"]["descriptive_intervals"]
    login(startup)
    for url in (f"/studies/{study.id}/results", f"/studies/{study.id}/results/report"):
        page = client.get(url).get_data(as_text=True)
        page = page.replace("\u202f", " ").replace("\xa0", " ").replace("\u2212", "-")
        assert "Median (95 % CI)" in page and "NPS (95 % CI)" in page
        assert '45.2 <span class="muted small nowrap">(44.1 to 53.3)</span>' in page
        assert '11 <span class="muted small nowrap">(-39 to 56)</span>' in page
        assert "adjusted Wald" in page
    french(client)
    for url in (f"/studies/{study.id}/results", f"/studies/{study.id}/results/report"):
        page = client.get(url).get_data(as_text=True).replace("\u202f", " ").replace("\xa0", " ")
        assert "Médiane (IC à 95 %)" in page
        assert '45,2 <span class="muted small nowrap">(44,1 à 53,3)</span>' in page
        assert "Wald ajustée" in page


def test_an_instruments_alpha_shows_feldts_interval_in_the_api_and_on_the_page(
    make_study, take_part, client, login, startup, api_headers
):
    study = make_study("recruiting", protocol=sleep_protocol(), survey_defs=sleep_surveys())
    for i in range(6):
        take_part(
            study, {"baseline": {"sleep_hours": 6 + i % 3, **{f"who_{k}": min(5, i + k // 3) for k in range(1, 6)}}}
        )
    body = client.get(f"{V1}/studies/{study.id}/results", headers=api_headers(startup)).get_json()
    alpha = body["variables"]["who"]["cronbach_alpha"]["baseline"]
    # Feldt: 1 − (1 − alpha)·F(q; n − 1, (n − 1)(k − 1)), n = 6 respondents, k = 5 items: F on 5 and 20 df,
    # qf(0.975, 5, 20) = 3.289056 and qf(0.025, 5, 20) = 1 / qf(0.975, 20, 5) = 0.1580139 (printed F tables of
    # the upper 2.5 % points: 3.29 for (5, 20), 6.33 for (20, 5))
    assert alpha["n"] == 6 and alpha["k"] == 5 and alpha["ci_method"] == "feldt"
    assert alpha["ci95"] == [
        pytest.approx(1 - (1 - alpha["value"]) * 3.289056, abs=1e-6),
        pytest.approx(1 - (1 - alpha["value"]) * 0.1580139, abs=1e-6),
    ]
    login(startup)
    page = client.get(f"/studies/{study.id}/results").get_data(as_text=True)
    low, high = (f"{bound:.2f}" for bound in alpha["ci95"])
    assert f"95 % CI {low} to {high}</span> (Feldt)" in page.replace("\xa0", " ").replace("\u2212", "-")


@pytest.mark.parametrize("hostile", ["BH", "bonferroni", "", 1, None, ["holm"], {"x": 1}, "holm\r\n"])
def test_the_secondary_adjustment_is_a_protocol_field_that_refuses_anything_else(
    make_study, client, api_headers, startup, hostile
):
    study = make_study("draft")
    headers, url = api_headers(startup), f"{V1}/studies/{study.id}"
    before = client.get(url, headers=headers).get_json()
    assert before["secondary_adjustment"] == "holm", "Holm unless the protocol chooses otherwise"
    response = client.patch(url, json={"secondary_adjustment": hostile}, headers=headers)
    assert response.status_code in (400, 422) and "secondary_adjustment" in response.get_json()["error"]["fields"]
    assert client.get(url, headers=headers).get_json() == before, "nothing changed"
    assert client.patch(url, json={"secondary_adjustment": "benjamini_hochberg"}, headers=headers).status_code == 200
    assert client.get(url, headers=headers).get_json()["secondary_adjustment"] == "benjamini_hochberg"


def test_the_secondary_adjustment_enters_the_registration_hash(make_study):
    from livinglab.studies.fields import protocol_dict

    protocol = food_protocol(secondary_adjustment="benjamini_hochberg")
    study = make_study("recruiting", protocol=protocol, survey_defs=food_surveys())
    assert protocol_dict(study)["secondary_adjustment"] == "benjamini_hochberg"
    assert study.registrations[-1].record["protocol"]["secondary_adjustment"] == "benjamini_hochberg"


def test_benjamini_hochberg_chosen_in_the_protocol_is_what_the_results_use_and_name(
    pilot, client, login, startup, api_headers
):
    study = pilot(secondary_adjustment="benjamini_hochberg")
    body = client.get(f"{V1}/studies/{study.id}/results", headers=api_headers(startup)).get_json()
    secondary = body["secondary"]
    assert {e["variable"] for e in secondary} == {"steps", "recommend"}
    # R's p.adjust(c(p1, p2), "BH"), by hand for two: the larger stays, the smaller becomes min(2·p, larger)
    low, high = sorted(e["p_value"] for e in secondary)
    assert sorted(e["p_adjusted"] for e in secondary) == pytest.approx(sorted([min(2 * low, high), high]))
    assert {e["adjustment"] for e in secondary} == {"benjamini_hochberg"}
    assert "secondary_benjamini_hochberg" in body["methods"] and "secondary" not in body["methods"]
    login(startup)
    page = client.get(f"/studies/{study.id}/results").get_data(as_text=True)
    assert "p adjusted (Benjamini–Hochberg)" in page and "p adjusted (Holm)" not in page
    assert "Benjamini–Hochberg adjustment across them" in page
    french(client)
    page = client.get(f"/studies/{study.id}/results/report").get_data(as_text=True)
    assert "p ajusté (Benjamini–Hochberg)" in page and "p ajusté (Holm)" not in page


def test_a_correlation_on_request_matches_r_through_the_api(pilot, client, api_headers, coordinator):
    study = pilot()
    url = f"{V1}/studies/{study.id}/results/correlation?x=outcome@baseline&y=steps@baseline"
    response = client.get(url, headers=api_headers(coordinator))
    assert response.status_code == 200, response.data[:300]
    found = response.get_json()
    # R's ?cor.test (stats-Ex.Rout.save): t = 1.8411, df = 7, one-sided p 0.05409, cor 0.5711816;
    # Spearman S = 48, one-sided p 0.0484 (exact, n = 9), rho 0.6
    assert found["n"] == 9 and found["exploratory"] is True
    assert found["x"] == {
        "measure": "outcome@baseline",
        "variable": "outcome",
        "timepoint": "baseline",
        "label": "The outcome",
    }
    assert found["pearson"]["estimate"] == printed("0.5711816") and found["pearson"]["statistic"] == printed("1.8411")
    assert found["pearson"]["p_value"] / 2 == printed("0.05409") and len(found["pearson"]["ci95"]) == 2
    assert found["spearman"]["statistic"] == 48 and found["spearman"]["p_value"] / 2 == printed("0.0484")


def test_a_correlation_on_request_on_the_page_in_english_and_french(pilot, client, login, startup):
    study = pilot()
    login(startup)
    results = client.get(f"/studies/{study.id}/results").get_data(as_text=True)
    assert "Correlations on request" in results and 'value="steps@follow_up"' in results
    assert 'value="note@baseline"' not in results, "text questions are not offered"
    url = f"/studies/{study.id}/results/correlation?x=outcome@baseline&y=steps@baseline"
    page = client.get(url).get_data(as_text=True)
    assert "exploratory" in page and "0.57" in page and "S = 48" in page and "p = 0.097" in page
    french(client)
    page = client.get(url).get_data(as_text=True)
    assert "exploratoire" in page and "0,57" in page and "r de Pearson" in page and "p = 0,097" in page


HOSTILE = [
    ("x=outcome@baseline&y=note@baseline", 422, "y"),  # a text question
    ("x=outcome@baseline&y=outcome@never", 422, "y"),
    ("x=nothing@baseline&y=steps@baseline", 422, "x"),
    ("x=outcome@baseline", 422, "y"),
    ("x=outcome@baseline&y=outcome@baseline", 422, "y"),
    ("x=outcome@baseline&y=steps@baseline%0D%0ASet-Cookie:%20a=b", 400, "y"),
    ("x=" + "a" * 5000 + "&y=steps@baseline", 400, "x"),
]


@pytest.mark.parametrize(("query", "status", "field"), HOSTILE)
def test_hostile_correlation_requests_get_a_clear_4xx_on_the_api_and_the_page(
    pilot, client, api_headers, login, startup, query, status, field
):
    study = pilot()
    version = db.session.get(Study, study.id).data_version
    response = client.get(f"{V1}/studies/{study.id}/results/correlation?{query}", headers=api_headers(startup))
    assert response.status_code == status and field in response.get_json()["error"]["fields"]
    assert "Set-Cookie" not in response.headers
    login(startup)
    page = client.get(f"/studies/{study.id}/results/correlation?{query}")
    assert page.status_code == status and 'class="error"' in page.get_data(as_text=True)
    assert db.session.get(Study, study.id).data_version == version


def test_another_organisation_or_a_participant_cannot_read_a_correlation(
    pilot, client, api_headers, login, other_startup, take_part
):
    study = pilot()
    query = "x=outcome@baseline&y=steps@baseline"
    assert (
        client.get(
            f"{V1}/studies/{study.id}/results/correlation?{query}", headers=api_headers(other_startup)
        ).status_code
        == 404
    )
    _code, participant = take_part(study, {})
    assert (
        client.get(f"{V1}/studies/{study.id}/results/correlation?{query}", headers=api_headers(participant)).status_code
        == 403
    )
    login(other_startup)
    assert client.get(f"/studies/{study.id}/results/correlation?{query}").status_code == 404


def test_a_correlation_runs_as_many_queries_at_1000_participants_as_at_10(
    make_study, client, count_queries, api_headers, login, startup
):
    study_id = make_study("recruiting", protocol=sleep_protocol(), survey_defs=sleep_surveys()).id
    headers = api_headers(startup)
    login(startup)
    query = "x=sleep_hours@baseline&y=who@follow_up"

    def measure(url, headers=None):
        db.session.remove()
        with count_queries() as statements:
            response = client.get(url, headers=headers or {})
            body = response.get_data(as_text=True)
        assert response.status_code == 200, body[:300]
        return len(statements), body

    def grow_to(count):
        study = db.session.get(Study, study_id)
        bulk_participants(study, count - study.enrolled_count, seed=count, dropout=0.1)
        db.session.commit()

    measure(f"{V1}/me", headers)
    grow_to(10)
    api, _ = measure(f"{V1}/studies/{study_id}/results/correlation?{query}", headers)
    page, _ = measure(f"/studies/{study_id}/results/correlation?{query}")
    grow_to(1000)
    api_large, body = measure(f"{V1}/studies/{study_id}/results/correlation?{query}", headers)
    page_large, _ = measure(f"/studies/{study_id}/results/correlation?{query}")
    assert (api_large, page_large) == (api, page) and max(api, page) <= 20
    assert '"n":' in body
