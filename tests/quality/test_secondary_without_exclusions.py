"""Each secondary outcome's comparison run again without the excluded responses (`without_exclusions`), beside the
registered one, in the API, the results page and the printable report; null when nothing is excluded.

The pilot: WHO-5 (a secondary outcome, score = 4 × the sum of its five items) is 20 at baseline for everyone and
24, 28, 32 and 60 at follow-up, so the changes are 4, 8, 12 and 40; the fourth follow-up is excluded. Without it
R's `t.test(c(4, 8, 12))` prints t = 3.4641, df = 2, p-value = 0.07418, 95 percent confidence interval -1.936551
17.936551, mean of x 8 (by hand: sd 4, t = 8 / (4 / √3); the interval is 4 × that of `t.test(c(1, 2, 3))`,
-0.4841377 4.4841377). With it, the registered comparison's mean change is (4 + 8 + 12 + 40) / 4 = 16."""

import html
import re

import pytest

from livinglab.demo import sleep_surveys

BASELINE_WHO = dict.fromkeys((f"who_{i}" for i in range(1, 6)), 1)  # sum 5: score 20
FOLLOW_UP_WHO = [[2, 1, 1, 1, 1], [2, 2, 1, 1, 1], [2, 2, 2, 1, 1], [3, 3, 3, 3, 3]]  # scores 24, 28, 32, 60
SUS = {f"sus_{i}": 3 for i in range(1, 11)}


@pytest.fixture
def pilot(make_study, take_part):
    study = make_study("recruiting", survey_defs=sleep_surveys())
    codes = []
    for n, items in enumerate(FOLLOW_UP_WHO):
        follow_up = {"sleep_hours": 6 + n, **{f"who_{i}": v for i, v in enumerate(items, start=1)}, **SUS}
        code, _user = take_part(study, {"baseline": {"sleep_hours": 5, **BASELINE_WHO}, "follow_up": follow_up})
        codes.append(code)
    return study, codes


def results(client, study, headers) -> dict:
    answer = client.get(f"/api/v1/studies/{study.id}/results", headers=headers)
    assert answer.status_code == 200
    return answer.get_json()


def who_of(found: dict) -> dict:
    [entry] = [e for e in found["secondary"] if e["variable"] == "who"]
    return entry


def exclude_last(client, study, codes, headers) -> None:
    answer = client.post(
        f"/api/v1/studies/{study.id}/exclusions",
        json={"participant_code": codes[3], "survey": "follow_up", "reason": "Answered for her partner."},
        headers=headers,
    )
    assert answer.status_code == 201, answer.get_json()


def test_each_secondary_is_run_again_without_the_excluded_responses(client, api_headers, startup, pilot):
    study, codes = pilot
    headers = api_headers(startup)
    before = who_of(results(client, study, headers))
    assert before["without_exclusions"] is None  # nothing excluded: no second analysis
    assert before["estimate"] == pytest.approx(16)

    exclude_last(client, study, codes, headers)
    found = results(client, study, headers)
    who = who_of(found)
    assert who["n"] == 4 and who["estimate"] == pytest.approx(16)  # the registered comparison: every response
    without = who["without_exclusions"]
    assert (without["test"], without["n"], without["variable"]) == ("paired_t", 3, "who")
    assert without["estimate"] == pytest.approx(8)
    assert without["statistic"] == pytest.approx(3.4641, abs=5e-5)
    assert without["df"] == pytest.approx(2)
    assert without["p_value"] == pytest.approx(0.07418, abs=5e-6)
    assert without["ci95"] == pytest.approx([-1.936551, 17.936551], abs=5e-6)
    assert without["p_adjusted"] == pytest.approx(without["p_value"])  # a family of one
    assert (without["excluded_responses"], without["excluded_participants"]) == (1, 1)
    assert "without_exclusions" not in without  # one level only
    assert found["primary_outcome"]["without_exclusions"]["n"] == 3  # the primary's, as before


def test_the_api_documents_the_new_key(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    secondary = spec["components"]["schemas"]["SecondaryOutcome"]["allOf"][1]["properties"]
    assert "SecondaryWithoutExclusions" in str(secondary["without_exclusions"])
    assert "SecondaryWithoutExclusions" in spec["components"]["schemas"]


@pytest.mark.parametrize(
    "locale, line",
    [
        ("en", "Without the excluded responses (1 response excluded): n = 3, estimate "),
        ("fr", "Sans les réponses exclues (1 réponse exclue) : n = 3, estimation "),
    ],
)
def test_the_results_page_and_report_show_a_line_under_the_secondary(
    client, api_headers, login, startup, pilot, locale, line
):
    study, codes = pilot
    login(startup)
    client.post("/language", data={"lang": locale})
    page = re.sub(r"\s+", " ", html.unescape(client.get(f"/studies/{study.id}/results").get_data(as_text=True)))
    assert line not in page  # nothing excluded yet
    exclude_last(client, study, codes, api_headers(startup))
    for url in (f"/studies/{study.id}/results", f"/studies/{study.id}/results/report"):
        page = re.sub(r"\s+", " ", html.unescape(client.get(url).get_data(as_text=True)))
        assert line in page, url
        after = page[page.index(line) :][:200]
        assert ("p = 0.074" if locale == "en" else "p = 0,074") in after, after
