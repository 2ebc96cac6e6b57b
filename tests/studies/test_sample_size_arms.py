"""The planned total follows the design's number of arms: a between-group calculation gives the n per group
(R's power.t.test(power = .90, delta = 1): n = 22.02110, so 23), and every arm needs it."""

import html
import re

from livinglab.demo import food_protocol, food_surveys, populate
from livinglab.extensions import db

API = "/api/v1"
WELCH = {"method": "welch", "effect": 1, "sd": 1, "power": 0.9, "justification": "Pilot data: sd 1 point."}
THREE_ARMS = ["usual_menu", "plant_based", "mixed_menu"]


def text(response) -> str:
    return re.sub(r"\s+", " ", html.unescape(response.get_data(as_text=True)))


def three_arm_pilot(make_study, status: str):
    protocol = food_protocol(arms=THREE_ARMS, target_enrolment=60)
    study = make_study(status, protocol=protocol, survey_defs=food_surveys())
    study.sample_size = {**WELCH, "correlation": None, "p_control": None, "p_intervention": None}
    db.session.commit()
    return study


def test_three_arms_need_the_per_group_n_in_each_arm(make_study, client, login, startup):
    study = three_arm_pilot(make_study, "draft")
    login(startup)
    page = text(client.get(f"/studies/{study.id}"))
    assert "These assumptions require 23 participants per group (69 in total)" in page  # 3 × 23
    assert "The target enrolment (60) is 9 participants short of this, before any drop-out." in page


def test_the_results_plan_three_arms_against_what_was_analysed(make_study, client, login, api_headers, startup):
    study = three_arm_pilot(make_study, "recruiting")
    populate(study, 12, seed=3)
    db.session.commit()
    achieved = client.get(f"{API}/studies/{study.id}/results", headers=api_headers(startup)).get_json()["sample_size"]
    assert (achieved["planned_total"], achieved["planned_per_group"]) == (69, 23)
    login(startup)
    assert "Planned: 69 participants." in text(client.get(f"/studies/{study.id}/results"))
