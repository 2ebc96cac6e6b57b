"""Issue 13 through the app: pilots built with the services, answered by participants, read back from
GET /api/v1/studies/{id}/results. The numbers are those R prints for the same published data (the same
references as tests/analysis, cited at each)."""

import html
from statistics import mean

import pytest
from sqlalchemy import text, update

from livinglab.demo import food_protocol
from livinglab.extensions import db
from livinglab.participants.models import Enrolment
from tests.analysis.reference_data import MPG_AUTOMATIC, MPG_MANUAL, SLEEP_1, SLEEP_2, printed
from tests.analysis.reference_published import ANOREXIA

V1 = "/api/v1"


def item(key: str, kind: str = "number") -> dict:
    return {"key": key, "text": f"The {key}", "type": kind}


@pytest.fixture
def pilot(make_study):
    """A recruiting pilot measuring one variable at the given timepoints, built through the services."""

    def build(arms, timepoints=("baseline", "follow_up"), kind="number", analysis=None, measured=None):
        design = "parallel_groups" if len(arms) > 1 else "single_group_pre_post"
        protocol = food_protocol(
            design=design,
            arms=list(arms),
            timepoints=list(timepoints),
            target_enrolment=500,
            primary_outcome={"variable": "outcome", "hypothesis": "increase"},
            **({"primary_analysis": analysis} if analysis else {}),
        )
        note = {"key": "note", "text": "Anything to add?", "type": "text", "required": False}
        surveys = [
            {
                "key": f"s_{tp}",
                "title": f"Survey {tp}",
                "timepoint": tp,
                "items": [item("outcome", kind) if tp in (measured or timepoints) else note],
            }
            for tp in timepoints
        ]
        return make_study("recruiting", protocol=protocol, survey_defs=surveys)

    return build


@pytest.fixture
def answer(take_part):
    """A participant enrols through the services and answers; the arm is then set to the one the published
    data put them in (randomisation cannot reproduce a published allocation)."""

    def give(study, arm, values: dict):
        given = {f"s_{tp}": ({"outcome": values[tp]} if tp in values else {}) for tp in study.timepoints}
        code, _ = take_part(study, given)
        db.session.execute(update(Enrolment).where(Enrolment.participant_code == code).values(arm=arm))
        db.session.commit()

    return give


@pytest.fixture
def results(client, api_headers, coordinator):
    def read(study):
        response = client.get(f"{V1}/studies/{study.id}/results", headers=api_headers(coordinator))
        assert response.status_code == 200, response.data[:300]
        return response.get_json()

    return read


def test_ancova_is_the_primary_analysis_and_matches_r_on_the_anorexia_trial(pilot, answer, results):
    # MASS::anorexia with Treat levels Cont, CBT, FT: summary(lm(Postwt ~ Prewt + Treat)) (commres.net/wiki/ancova,
    # as tests/analysis/test_ancova.py): TreatCBT 4.0971 (se 1.8935) t 2.164 p 0.033999; TreatFT 8.6601 t 3.949
    # p 0.000189; 68 residual df
    study = pilot(["cont", "cbt", "ft"])
    for arm, name in (("cont", "Cont"), ("cbt", "CBT"), ("ft", "FT")):
        for pre, post in zip(*ANOREXIA[name], strict=True):
            answer(study, arm, {"baseline": pre, "follow_up": post})
    body = results(study)
    primary = body["primary_outcome"]
    assert (primary["test"], primary["adjusted_for"]) == ("ancova", ["outcome@baseline"])
    assert primary["estimate"] == printed("4.0971") and primary["statistic"] == printed("2.164")
    assert primary["p_value"] == printed("0.033999") and primary["df"] == 68
    assert primary["ci95"][0] < primary["estimate"] < primary["ci95"][1]
    assert primary["n_by_group"] == {"cont": 26, "cbt": 29, "ft": 17}
    # Welch's t test at the last timepoint, unadjusted, is the sensitivity analysis
    sensitivity = primary["sensitivity"]
    assert sensitivity["test"] == "welch_t" and "adjusted_for" not in sensitivity
    assert sensitivity["estimate"] == pytest.approx(mean(ANOREXIA["CBT"][1]) - mean(ANOREXIA["Cont"][1]))
    # three arms: the overall tests, and each arm against the control by the same model, Holm-adjusted
    # (p.adjust(c(0.033999, 0.000189), "holm") = c(0.033999, 0.000378), from the printed p values)
    assert primary["overall"]["test"] == "welch_anova" and primary["overall"]["df"][0] == 2
    assert primary["overall"]["robustness"]["test"] == "kruskal_wallis"
    contrasts = {c["arm"]: c for c in primary["arm_contrasts"]["contrasts"]}
    assert contrasts["ft"]["estimate"] == printed("8.6601") and contrasts["ft"]["p_value"] == printed("0.000189")
    assert contrasts["ft"]["p_adjusted"] == pytest.approx(2 * contrasts["ft"]["p_value"])
    assert contrasts["cbt"]["p_adjusted"] == pytest.approx(primary["p_value"])
    assert "ancova" in body["methods"] and "multiarm" in body["methods"]


def test_a_pilot_registered_with_welch_keeps_its_unadjusted_primary(pilot, answer, results):
    # the migration gives every pilot registered before the field existed `unadjusted` (test_migrations)
    study = pilot(["cont", "cbt"])
    db.session.execute(text("UPDATE study SET primary_analysis = 'unadjusted' WHERE id = :id"), {"id": study.id})
    db.session.commit()
    for arm, name in (("cont", "Cont"), ("cbt", "CBT")):
        for pre, post in zip(*ANOREXIA[name], strict=True):
            answer(study, arm, {"baseline": pre, "follow_up": post})
    primary = results(study)["primary_outcome"]
    assert primary["test"] == "welch_t" and "sensitivity" not in primary and "adjusted_for" not in primary
    assert primary["estimate"] == pytest.approx(mean(ANOREXIA["CBT"][1]) - mean(ANOREXIA["Cont"][1]))


def test_without_a_baseline_measure_welch_and_the_exact_hedges_g_are_primary(pilot, answer, results):
    # mtcars, mpg by am: R's t.test(mpg ~ am): t = -3.7671, df = 18.332, p-value = 0.001374 (automatic −
    # manual); effectsize 0.8.3 hedges_g(mpg ~ am): -1.440635, 95 % CI [-2.208767, -0.65364]
    study = pilot(["manual", "automatic"], measured=["follow_up"])
    for arm, values in (("manual", MPG_MANUAL), ("automatic", MPG_AUTOMATIC)):
        for value in values:
            answer(study, arm, {"follow_up": value})
    primary = results(study)["primary_outcome"]
    assert primary["test"] == "welch_t" and "sensitivity" not in primary
    assert primary["statistic"] == printed("-3.7671") and primary["df"] == printed("18.332")
    assert primary["p_value"] == printed("0.001374")
    size = primary["effect_size"]
    assert size["name"] == "hedges_g" and size["value"] == printed("-1.440635")
    assert size["ci95"] == [printed("-2.208767"), printed("-0.65364")]


def test_cohens_dz_carries_its_noncentral_interval(pilot, answer, results):
    # effectsize 0.8.3 cohens_d(Pair(extra[group == 1], extra[group == 2]) ~ 1, data = sleep): -1.284558,
    # 95 % CI [-2.118017, -0.414628]; the pilot's difference is last − first, so drug 1 answers last
    study = pilot(["intervention"])
    for first, last in zip(SLEEP_2, SLEEP_1, strict=True):
        answer(study, "intervention", {"baseline": first, "follow_up": last})
    size = results(study)["primary_outcome"]["effect_size"]
    assert size["name"] == "cohens_dz" and size["value"] == printed("-1.284558")
    assert size["ci95"] == [printed("-2.118017"), printed("-0.414628")]


def test_a_yes_no_primary_outcome_before_and_after_is_tested_with_mcnemar(pilot, answer, results):
    # 5 yes → yes, 2 yes → no, 10 no → yes, 3 no → no: 12 discordant pairs, so the exact binomial test,
    # binom.test(2, 12): p = 2 × (1 + 12 + 66) / 4096 (by hand, as tests/analysis/test_binary.py)
    study = pilot(["intervention"], kind="yes_no")
    for first, last, n in ((True, True, 5), (True, False, 2), (False, True, 10), (False, False, 3)):
        for _ in range(n):
            answer(study, "intervention", {"baseline": first, "follow_up": last})
    body = results(study)
    primary = body["primary_outcome"]
    assert (primary["test"], primary["exact"], primary["n"]) == ("mcnemar", True, 20)
    assert primary["p_value"] == pytest.approx(2 * 79 / 4096, rel=1e-12)
    assert primary["statistic"] == pytest.approx((10 - 2 - 1) ** 2 / 12)
    assert primary["estimate"] == pytest.approx(15 / 20 - 7 / 20) and primary["supported"] is True
    assert primary["proportions"]["baseline"]["value"] == pytest.approx(7 / 20)
    # Wilson by hand for 15 of 20, z = qnorm(0.975): (p + z²/2n ± z √(p(1 − p)/n + z²/4n²)) / (1 + z²/n)
    z2 = 1.959963984540054**2
    centre, half = (0.75 + z2 / 40) / (1 + z2 / 20), 1.959963984540054 * (0.75 * 0.25 / 20 + z2 / 1600) ** 0.5
    low, high = body["variables"]["outcome"]["by_timepoint"]["follow_up"]["ci95"]
    assert (low, high) == (pytest.approx(centre - half / (1 + z2 / 20)), pytest.approx(centre + half / (1 + z2 / 20)))


def test_a_yes_no_primary_outcome_between_arms_reports_the_risk_difference_and_fishers_odds_ratio(
    pilot, answer, results
):
    # Fisher's convictions of like-sex twins (R's ?fisher.test): 2 of 17 against 10 of 13; odds ratio
    # 0.04693661, 95 % CI 0.003325764 0.363182271; the smallest expected count is 5.2, so chi-square
    study = pilot(["control", "arm"], kind="yes_no", measured=["follow_up"])
    for arm, yes, total in (("arm", 2, 17), ("control", 10, 13)):
        for i in range(total):
            answer(study, arm, {"follow_up": i < yes})
    body = results(study)
    primary = body["primary_outcome"]
    assert primary["test"] == "chi_square" and primary["estimate"] == pytest.approx(2 / 17 - 10 / 13)
    assert primary["odds_ratio"]["value"] == printed("0.04693661")
    assert primary["odds_ratio"]["ci95"] == [printed("0.003325764"), printed("0.363182271")]
    assert primary["ci95"][0] < primary["estimate"] < primary["ci95"][1]
    assert all(entry["variable"] != "outcome" for entry in body["categorical"]), "tested once, as the primary"


def test_the_results_page_names_each_method_in_both_languages(pilot, answer, client, login, coordinator):
    study = pilot(["cont", "cbt", "ft"])
    for arm, name in (("cont", "Cont"), ("cbt", "CBT"), ("ft", "FT")):
        for pre, post in list(zip(*ANOREXIA[name], strict=True))[:8]:
            answer(study, arm, {"baseline": pre, "follow_up": post})
    login(coordinator)
    page = client.get(f"/studies/{study.id}/results").get_data(as_text=True)
    for words in ("ANCOVA", "Sensitivity analysis", "Welch&#39;s one-way analysis of variance", "Holm", "95 % CI"):
        assert words in page
    client.post("/language", data={"lang": "fr", "next": "/"})
    page = client.get(f"/studies/{study.id}/results").get_data(as_text=True)
    for words in ("Analyse de sensibilité", "Analyse de variance à un facteur de Welch", "ajustée sur la valeur"):
        assert words in page


@pytest.mark.parametrize("hostile", ["ANCOVA", "welch", "", 1, None, ["ancova"], {"x": 1}])
def test_the_primary_analysis_is_a_protocol_field_that_refuses_anything_else(
    make_study, client, api_headers, startup, hostile
):
    study = make_study("draft")
    headers = api_headers(startup)
    url = f"{V1}/studies/{study.id}"
    before = client.get(url, headers=headers).get_json()
    assert before["primary_analysis"] == "ancova", "new studies default to the baseline-adjusted analysis"
    response = client.patch(url, json={"primary_analysis": hostile}, headers=headers)
    assert response.status_code in (400, 422) and "primary_analysis" in response.get_json()["error"]["fields"]
    assert client.get(url, headers=headers).get_json() == before, "nothing changed"
    assert client.patch(url, json={"primary_analysis": "unadjusted"}, headers=headers).status_code == 200
    assert client.get(url, headers=headers).get_json()["primary_analysis"] == "unadjusted"


def test_the_primary_analysis_enters_the_registration_hash(make_study):
    from livinglab.studies.fields import protocol_dict

    study = make_study("recruiting")
    assert protocol_dict(study)["primary_analysis"] == "ancova"
    assert study.registrations[-1].record["protocol"]["primary_analysis"] == "ancova"


def test_a_yes_no_primary_outcome_with_three_arms_claims_no_overall_test(
    pilot, answer, take_part, results, client, login, coordinator
):
    # no analysis of variance nor Kruskal–Wallis for a yes/no outcome: each arm against the control, Holm-adjusted
    study = pilot(["control", "coaching", "app"], kind="yes_no", measured=["follow_up"])
    for arm, yes in (("control", 3), ("coaching", 6), ("app", 8)):
        for i in range(10):
            answer(study, arm, {"follow_up": i < yes})
    code, _user = take_part(study, {})  # allocated to the control, never answered: lost, so attrition is tested
    db.session.execute(update(Enrolment).where(Enrolment.participant_code == code).values(arm="control"))
    db.session.commit()
    body = results(study)
    primary = body["primary_outcome"]
    assert "overall" not in primary and [c["arm"] for c in primary["arm_contrasts"]["contrasts"]] == ["coaching", "app"]
    assert "multiarm" not in body["methods"]
    english = body["methods_text"]["en"]
    assert (
        "More than two groups: each group against the control with Holm's adjustment; no overall test is run for a "
        "yes/no outcome." in english
    )
    assert "analysis of variance" not in english and "Kruskal" not in english
    login(coordinator)
    page = html.unescape(client.get(f"/studies/{study.id}/results").get_data(as_text=True))
    assert (
        "<li>More than two groups: each group against the control, Holm-adjusted across the groups; no overall test "
        "is run for a yes/no outcome; the primary contrast is the group the protocol declares (by default the second "
        "group listed) against the first.</li>" in page
    )
    assert "Kruskal" not in page and "analysis of variance" not in page
    # attrition was compared, and the primary analysis on every participant allocated ran by its extreme cases (a
    # yes/no outcome: neither carried forward nor imputed)
    assert (
        "<li>Attrition compared between groups by Fisher's exact or the chi-square test; missing data: the yes/no"
        in page
    )
    assert "Rubin's rules).</li>" not in page


def test_the_variables_table_gives_the_wilson_interval_of_the_share_of_yes(pilot, answer, client, login, coordinator):
    # 7 of 20 yes at baseline, 15 of 20 at follow-up. Wilson by hand, z = 1.959964 (R: prop.test(x, 20,
    # correct = FALSE)$conf.int): 7/20 → 0.1812 to 0.5671; 15/20 → 0.5313 to 0.8881, in whole percent
    study = pilot(["intervention"], kind="yes_no")
    for first, last, n in ((True, True, 5), (True, False, 2), (False, True, 10), (False, False, 3)):
        for _ in range(n):
            answer(study, "intervention", {"baseline": first, "follow_up": last})
    login(coordinator)
    page = html.unescape(client.get(f"/studies/{study.id}/results").get_data(as_text=True)).replace("\u00a0", " ")
    assert '<th scope="col">95 % CI of the share of yes (Wilson)</th>' in page
    assert '<td data-label="95 % CI of the share of yes (Wilson)" class="nowrap">18 % to 57 %</td>' in page
    assert '<td data-label="95 % CI of the share of yes (Wilson)" class="nowrap">53 % to 89 %</td>' in page
