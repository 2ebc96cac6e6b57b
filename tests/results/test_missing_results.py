"""Issue 13, item 8 through the app: attrition per arm and the missing-data sensitivity analyses of a pilot
built with the services, read from the API, the results page and the printable report, in English and French."""

import html
import re

import numpy as np
import pytest
import statsmodels.api as sm
from openapi_schema_validator import OAS31Validator, oas31_format_checker
from sqlalchemy import update

from livinglab.api.openapi import spec as build_spec
from livinglab.demo import food_protocol
from livinglab.extensions import db
from livinglab.participants.models import Enrolment

V1 = "/api/v1"
# (arm, baseline, follow-up): None where the participant gave no answer
PEOPLE = [
    ("control", 4.0, 5.0),
    ("control", 3.0, 3.0),
    ("control", 5.0, 6.0),
    ("control", 2.0, 4.0),
    ("control", 4.0, None),  # never came back
    ("control", None, None),  # enrolled, never answered
    ("app", 3.0, 6.0),
    ("app", 4.0, 6.0),
    ("app", 2.0, 5.0),
    ("app", 5.0, 7.0),
    ("app", 3.0, None),  # never came back
]


@pytest.fixture
def pilot(make_study, take_part):
    protocol = food_protocol(
        design="parallel_groups",
        arms=["control", "app"],
        timepoints=["baseline", "follow_up"],
        target_enrolment=100,
        primary_outcome={"variable": "comfort", "hypothesis": "increase"},
        primary_analysis="ancova",
    )
    surveys = [
        {
            "key": f"s_{tp}",
            "title": f"Survey {tp}",
            "timepoint": tp,
            "items": [{"key": "comfort", "text": "Comfort", "type": "number"}],
        }
        for tp in ("baseline", "follow_up")
    ]
    study = make_study("recruiting", protocol=protocol, survey_defs=surveys)

    def join(arm, answers, withdraw=None):
        code, _user = take_part(study, answers, withdraw=withdraw)
        db.session.execute(update(Enrolment).where(Enrolment.participant_code == code).values(arm=arm))
        db.session.commit()

    for arm, before, after in PEOPLE:
        given = {}
        if before is not None:
            given["s_baseline"] = {"comfort": before}
        if after is not None:
            given["s_follow_up"] = {"comfort": after}
        join(arm, given)
    join("app", {"s_baseline": {"comfort": 4.0}}, withdraw=True)  # withdrew, answers erased: lost, never analysed
    return study


def test_attrition_and_sensitivity_through_the_api(pilot, client, api_headers, coordinator):
    response = client.get(f"{V1}/studies/{pilot.id}/results", headers=api_headers(coordinator))
    assert response.status_code == 200
    body = response.get_json()
    attrition = body["attrition"]
    assert attrition["variable"] == "comfort" and attrition["timepoint"] == "follow_up"
    control, app = attrition["by_arm"]["control"], attrition["by_arm"]["app"]
    assert (control["randomised"], control["completed"], control["lost"], control["erased"]) == (6, 4, 2, 0)
    assert (app["randomised"], app["completed"], app["lost"], app["erased"]) == (6, 4, 2, 1)
    # lost × completed [[2, 4], [2, 4]]: R's fisher.test(matrix(c(2, 2, 4, 4), 2)) gives p-value = 1
    assert attrition["test"]["test"] == "fisher_exact" and attrition["test"]["p_value"] == pytest.approx(1.0)

    primary = body["primary_outcome"]
    assert primary["test"] == "ancova" and primary["n"] == 8
    lines = {line["assumption"]: line for line in primary["missing_data_sensitivity"]}
    carried = lines["baseline_carried_forward"]
    # those with a baseline: 5 per arm; the two who never came back keep their baseline value (R: lm(filled ~ arm + baseline))
    rows = [(arm, b, b if a is None else a) for arm, b, a in PEOPLE if b is not None]
    design = sm.add_constant(np.array([[arm == "app", b] for arm, b, _a in rows], dtype=float))
    fit = sm.OLS(np.array([a for *_x, a in rows]), design).fit()
    assert carried["estimate"] == pytest.approx(fit.params[1]) and carried["p_value"] == pytest.approx(fit.pvalues[1])
    assert (carried["n"], carried["imputed"], carried["n_randomised"], carried["df"]) == (10, 2, 11, 7)
    imputed = lines["multiple_imputation"]
    assert (imputed["n"], imputed["imputed"], imputed["imputations"], imputed["seed"]) == (11, 3, 20, pilot.id)
    assert imputed["reason"] is None and imputed["ci95"][0] < imputed["estimate"] < imputed["ci95"][1]
    assert "missing_data_sensitivity" in body["methods"]
    components = build_spec()["components"]
    for name, part in (("Results", body), ("Attrition", attrition), ("Outcome", primary)):
        validator = OAS31Validator(
            {"$ref": f"#/components/schemas/{name}", "components": components}, format_checker=oas31_format_checker
        )
        assert not list(validator.iter_errors(part)), name
    described = components["schemas"]["Outcome"]["properties"]["missing_data_sensitivity"]
    assert described["items"]["$ref"].endswith("/MissingDataSensitivity")
    # computed again from the database (no cache), the same figures: the imputation is seeded
    from livinglab.results.cache import compute

    again = compute(pilot)["primary_outcome"]["missing_data_sensitivity"]
    assert again[1]["estimate"] == imputed["estimate"] and again[1]["p_value"] == imputed["p_value"]


@pytest.mark.parametrize(
    "lang, words",
    [
        (
            "en",
            [
                "Lost to follow-up",
                "(1 erased)",
                "Sensitivity to missing data",
                "Baseline carried forward",
                "Multiple imputation",
                "all 11 participants",
                "Assumes that those without a last value did not change",
            ],
        ),
        (
            "fr",
            [
                "Perdus de vue",
                "(1 effacé)",
                "Sensibilité aux données manquantes",
                "Report de la valeur initiale",
                "Imputation multiple",
                "les 11 participants",
                "Suppose que les participants sans dernière valeur",
            ],
        ),
    ],
)
def test_the_page_and_the_report_show_attrition_and_each_assumption(
    pilot, client, login, startup, api_headers, coordinator, lang, words
):
    body = client.get(f"{V1}/studies/{pilot.id}/results", headers=api_headers(coordinator)).get_json()
    figures = [
        f"{line['estimate']:.2f}" if lang == "en" else f"{line['estimate']:.2f}".replace(".", ",")
        for line in body["primary_outcome"]["missing_data_sensitivity"]
    ]
    login(startup)
    client.post("/language", data={"lang": lang, "next": "/"})
    for path in (f"/studies/{pilot.id}/results", f"/studies/{pilot.id}/results/report"):
        response = client.get(path)
        assert response.status_code == 200
        page = html.unescape(response.get_data(as_text=True))
        for expected in words + figures:
            assert expected in page, (lang, path, expected)
        # whole words: French prose holds "nan" ("en donnant")
        assert not re.search(r"\bNone\b", page) and not re.search(r"\bnan\b", page), (lang, path)
