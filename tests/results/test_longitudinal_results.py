"""Issue 13 item 4 through the app: pilots measuring a variable at three timepoints or more, answered by
participants, read back from the results API, the results page and the printable report, in English and
French. The mixed model's numbers are those nlme prints for the same published data (cited at each)."""

import html
from statistics import mean

import pytest
from sqlalchemy import update

from livinglab.demo import food_protocol
from livinglab.demo_bulk import bench_surveys, bulk_participants
from livinglab.extensions import db
from livinglab.participants.models import Enrolment
from tests.analysis.reference_data import printed
from tests.analysis.reference_published import ERGO_STOOL, ROUNDING_TIMES

V1 = "/api/v1"
FOUR = ("baseline", "week_1", "week_2", "week_3")
THREE = FOUR[:3]


@pytest.fixture
def pilot(make_study):
    """A recruiting pilot measuring `outcome` at every timepoint (and `extra` at the first two only)."""

    def build(arms, timepoints):
        protocol = food_protocol(
            design="parallel_groups" if len(arms) > 1 else "single_group_pre_post",
            arms=list(arms),
            timepoints=list(timepoints),
            target_enrolment=500,
            primary_outcome={"variable": "outcome", "hypothesis": "increase"},
        )
        surveys = [
            {
                "key": f"s_{tp}",
                "title": f"Survey {tp}",
                "timepoint": tp,
                "items": [{"key": "outcome", "text": "The outcome", "type": "number", "required": False}]
                + ([{"key": "extra", "text": "Extra", "type": "number", "required": False}] if i < 2 else []),
            }
            for i, tp in enumerate(timepoints)
        ]
        return make_study("recruiting", protocol=protocol, survey_defs=surveys)

    return build


@pytest.fixture
def answer(take_part):
    """A participant answers `outcome` (None: skipped) at each timepoint; the arm is then set as the data says."""

    def give(study, arm, values, extra=(None, None)):
        given = {}
        for i, (tp, value) in enumerate(zip(study.timepoints, values, strict=True)):
            given[f"s_{tp}"] = {"outcome": value} if value is not None else {}
            if i < 2 and extra[i] is not None:
                given[f"s_{tp}"]["extra"] = extra[i]
        code, _ = take_part(study, given)
        db.session.execute(update(Enrolment).where(Enrolment.participant_code == code).values(arm=arm))
        db.session.commit()

    return give


@pytest.fixture
def read(client, api_headers, coordinator, login):
    def results(study):
        response = client.get(f"{V1}/studies/{study.id}/results", headers=api_headers(coordinator))
        assert response.status_code == 200, response.data[:300]
        return response.get_json()

    def page(study, lang="en", what="results"):
        login(coordinator)
        client.post("/language", data={"lang": lang, "next": "/"})
        response = client.get(f"/studies/{study.id}/{what}")
        assert response.status_code == 200
        return html.unescape(response.get_data(as_text=True))

    return results, page


def test_single_group_mixed_model_matches_nlme_on_ergo_stool_and_stays_supportive(pilot, answer, read):
    # Pinheiro & Bates (2000) §1.2, nlme: fm2Stool <- lme(effort ~ Type, data = ergoStool, random = ~ 1 | Subject),
    # summary(fm2Stool) (as tests/analysis/test_longitudinal.py): StdDev (Intercept) 1.332465, Residual 1.100295;
    # TypeT2 3.888889 (se 0.5186838, df 24, t 7.497610), TypeT3 2.222222 (t 4.284348, p 0.0003),
    # TypeT4 0.666667 (t 1.285304, p 0.2110). The four types are the pilot's four timepoints.
    results, page = read
    study = pilot(["intervention"], FOUR)
    for row in ERGO_STOOL:
        answer(study, "intervention", [float(v) for v in row])
    body = results(study)
    primary = body["primary_outcome"]
    # the registered contrast (first → last) stays the primary: a paired t test on T4 − T1
    assert primary["test"] == "paired_t" and primary["timepoints"] == ["baseline", "week_3"]
    assert primary["estimate"] == pytest.approx(mean(r[3] - r[0] for r in ERGO_STOOL))
    over = primary["longitudinal"]
    assert over["role"] == "supportive" and over["timepoints"] == list(FOUR) and over["reference"] == "baseline"
    model = over["model"]
    assert model["random_intercept_sd"] == printed("1.332465") and model["residual_sd"] == printed("1.100295")
    t2, t3, t4 = model["contrasts"]
    assert [t["timepoint"] for t in (t2, t3, t4)] == ["week_1", "week_2", "week_3"]
    for term, estimate, t in ((t2, "3.888889", "7.497610"), (t3, "2.222222", "4.284348"), (t4, "0.666667", "1.285304")):
        assert term["estimate"] == printed(estimate) and term["statistic"] == printed(t)
        assert term["se"] == printed("0.5186838") and term["df"] == 24
        assert term["ci95"][0] < term["estimate"] < term["ci95"][1]
    assert t3["p_value"] == printed("0.0003") and t4["p_value"] == printed("0.2110")
    assert over["friedman"]["n"] == 9 and over["friedman"]["df"] == 3 and over["friedman"]["p_value"] < 0.05
    assert "longitudinal" in body["methods"] and "REML" in body["methods"]["longitudinal"]
    # `extra` is measured twice only: no longitudinal analysis
    assert all("longitudinal" not in e for e in body["secondary"] if e["variable"] == "extra")

    english = page(study)
    for words in ("Change over every timepoint", "supportive", "Change since Baseline", "3.89", "2.22", "0.67"):
        assert words in english
    assert "Friedman's test on the 9 participants with a value at every timepoint: χ² =" in english
    assert "restricted maximum likelihood (REML)" in english
    french = page(study, "fr")
    for words in ("Évolution sur tous les temps de mesure", "analyse de soutien", "3,89", "2,22", "0,67"):
        assert words in french
    assert "Test de Friedman sur les 9 participants" in french and "maximum de vraisemblance restreint" in french
    report = page(study, "en", "results/report")
    assert "Change over every timepoint" in report and "3.89" in report


def test_friedman_matches_r_on_complete_cases_while_the_model_keeps_every_value(pilot, answer, read):
    # R's ?friedman.test (Hollander & Wolfe 1973, p. 140ff), friedman.test(RoundingTimes):
    # Friedman chi-squared = 11.1429, df = 2, p-value = 0.003805. Two more participants missed a timepoint:
    # Friedman's test leaves them out, the mixed model keeps their values.
    results, page = read
    study = pilot(["intervention"], THREE)
    for row in ROUNDING_TIMES:
        answer(study, "intervention", row)
    answer(study, "intervention", [5.3, None, 5.2])
    answer(study, "intervention", [5.6, 5.5, None])
    over = results(study)["primary_outcome"]["longitudinal"]
    rank = over["friedman"]
    assert rank["statistic"] == printed("11.1429") and rank["p_value"] == printed("0.003805")
    assert rank["n"] == 22 and rank["df"] == 2
    assert (over["n_participants"], over["n_complete"]) == (24, 22)
    assert over["model"]["n_participants"] == 24 and over["model"]["n_observations"] == 22 * 3 + 4
    assert "Friedman's test on the 22 participants" in page(study)


def test_parallel_groups_get_the_arm_by_time_terms_of_their_own_arm(pilot, answer, read):
    # balanced, complete data: each arm × time term is the difference between the arm's and the control's mean
    # change from baseline, the control's time terms its mean change (by hand below, from the data given)
    results, page = read
    arms = ["control", "app", "coach"]
    study = pilot(arms, THREE)
    data = {arm: [] for arm in arms}
    for i in range(18):
        arm = arms[i % 3]
        level, slope = 40 + (i * 7) % 11, (1, 3, 4)[i % 3]
        row = [level + (i % 4) * 0.5, level + slope + (i % 5) * 0.5, level + 2 * slope + (i % 3)]
        data[arm].append(row)
        answer(study, arm, row)
    body = results(study)

    def change(arm, column):
        return mean(r[column] - r[0] for r in data[arm])

    primary = body["primary_outcome"]
    coach = next(e for e in body["secondary"] if e["variable"] == "outcome" and e["arms"] == ["control", "coach"])
    for entry, arm in ((primary, "app"), (coach, "coach")):
        model = entry["longitudinal"]["model"]
        assert model["arms"] == arms and model["n_participants"] == 18
        assert [t["timepoint"] for t in model["time_in_control"]] == ["week_1", "week_2"]
        for term, column in zip(model["time_in_control"], (1, 2), strict=True):
            assert term["estimate"] == pytest.approx(change("control", column))
        assert {t["arm"] for t in model["interactions"]} == {arm} and len(model["interactions"]) == 2
        for term, column in zip(model["interactions"], (1, 2), strict=True):
            assert term["estimate"] == pytest.approx(change(arm, column) - change("control", column))
            assert term["df"] == 54 - 18 - 6  # nlme: observations − participants − within columns
        assert [t["arm"] for t in model["arm_at_baseline"]] == [arm] and model["arm_at_baseline"][0]["df"] == 15
        rank = entry["longitudinal"]["friedman"]
        assert rank["p_value"] is None and rank["reason_code"]["code"] == "not_for_parallel_groups"
        assert "Friedman" in rank["reason"]
    english = page(study)
    assert (
        "Difference in change, “App” − “Control”" in english and "Difference in change, “Coach” − “Control”" in english
    )
    assert "Friedman's test was not run because with parallel groups" in english
    french = page(study, "fr")
    assert "Différence d’évolution, « App » − « Control »" in french
    assert "Le test de Friedman n’a pas été réalisé car en groupes parallèles" in french


def test_too_few_answers_give_a_coded_reason_on_the_page_not_an_error(pilot, answer, read):
    results, page = read
    study = pilot(["intervention"], THREE)
    answer(study, "intervention", [1.0, 2.0, 3.0])
    over = results(study)["primary_outcome"]["longitudinal"]
    assert over["model"]["p_value"] is None and over["model"]["reason_code"]["code"] == "too_few"
    assert over["friedman"]["p_value"] is not None or over["friedman"]["reason_code"]["code"]
    assert "The mixed model was not fitted because" in page(study)
    assert "Le modèle mixte n’a pas été ajusté car" in page(study, "fr")


def test_two_timepoints_get_no_longitudinal_analysis(pilot, answer, read):
    results, page = read
    study = pilot(["intervention"], ("baseline", "follow_up"))
    for row in ([1.0, 2.0], [2.0, 4.0], [3.0, 3.5]):
        answer(study, "intervention", row)
    body = results(study)
    assert "longitudinal" not in body["primary_outcome"] and "longitudinal" not in body["methods"]
    assert "Change over every timepoint" not in page(study)


def test_the_results_run_as_many_queries_for_300_participants_at_three_timepoints_as_for_15(
    make_study, client, api_headers, coordinator, login, count_queries
):
    protocol = food_protocol(
        arms=["control", "app", "coach"],
        timepoints=list(THREE),
        target_enrolment=1000,
        primary_outcome={"variable": "sleep_hours", "hypothesis": "increase"},
    )
    study = make_study("recruiting", protocol=protocol, survey_defs=bench_surveys(21, THREE))
    study_id, headers = study.id, api_headers(coordinator)
    login(coordinator)
    client.get(f"{V1}/me", headers=headers)  # a token's first use in an hour also notes its last use: not measured

    def measure(url, **kwargs):
        db.session.remove()
        with count_queries() as statements:
            response = client.get(url, **kwargs)
        assert response.status_code == 200
        return len(statements), response

    found = []
    for count in (15, 300):
        bulk_participants(db.session.get(type(study), study_id), count - len(found) * 15, seed=count)
        db.session.commit()
        api, response = measure(f"{V1}/studies/{study_id}/results", headers=headers)
        assert "longitudinal" in response.get_json()["primary_outcome"]
        page, _ = measure(f"/studies/{study_id}/results")
        found.append((api, page))
    assert found[0] == found[1]
