"""The results pages, their charts, the plain-language verdict, the printable report and the lay summary."""

import html
import re
import xml.etree.ElementTree as ET

import pytest
from flask_babel import force_locale

from livinglab.analysis.errors import REASONS, WARNINGS
from livinglab.demo import food_protocol, food_surveys, populate, sleep_protocol, sleep_surveys
from livinglab.extensions import db
from livinglab.participants import services
from livinglab.results import charts, verdict
from livinglab.studies import services as studies


def text(response) -> str:
    return response.get_data(as_text=True)


def words_of(response) -> str:
    """The page as a reader sees its words: entities decoded."""
    return html.unescape(text(response))


def enrol(user, study, **overrides):
    details = {
        "consent_version": study.current_consent.version,
        "clauses": {"understood": True, "data_use": True},
        "signature": user.name,
        "age": 34,
        "criteria_confirmed": True,
        **overrides,
    }
    return services.enrol(user, study, **details)


def end(study, coordinator):
    """Close recruitment, then end the pilot: its results are final and its participants read the summary."""
    studies.set_recruitment(coordinator, study, "closed")
    studies.end_study(coordinator, study, "Everyone has answered.")
    db.session.commit()


def assert_clean(page: str) -> None:
    """Never a missing value leaking as NaN or None, never an error page."""
    body = re.sub(r"<[^>]+>", " ", page)
    for word in ("nan", "NaN", "None", "inf", "Traceback"):
        assert not re.search(rf"\b{word}\b", body), f"{word!r} on the page"
    assert "Something went wrong" not in page


def chart_urls(page: str) -> list[str]:
    return re.findall(r'<img src="(/studies/\d+/results/charts/[\w-]+\.svg)"', page)


def assert_svg(response) -> ET.Element:
    assert response.status_code == 200
    assert response.content_type.startswith("image/svg+xml")
    root = ET.fromstring(response.data)
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert not re.search(rb"\bnan\b", response.data, re.IGNORECASE)
    return root


@pytest.fixture
def ended(make_study, coordinator, participant):
    """A single-group pilot, ended, with 10 demo citizens and our participant (who answered nothing)."""
    study = make_study("recruiting")
    populate(study, 10, seed=4)
    enrol(participant, study)
    services.screen(study, 15, [True, True])  # too young
    services.screen(study, 30, [False, True])  # cannot confirm the first criterion
    end(study, coordinator)
    return study


@pytest.fixture
def parallel(make_study, coordinator):
    study = make_study("recruiting", protocol=food_protocol(), survey_defs=food_surveys())
    populate(study, 16, seed=2)
    end(study, coordinator)
    return study


# --- Who may see what ---------------------------------------------------------------------------

ROUTES = [
    "/studies/{id}/results",
    "/studies/{id}/results/report",
    "/studies/{id}/results/charts/compare-sleep_hours.svg",
]


@pytest.mark.parametrize("route", ROUTES)
def test_anonymous_visitors_are_sent_to_sign_in(client, ended, route):
    response = client.get(route.format(id=ended.id))
    assert response.status_code == 302 and "/account/signin" in response.location


@pytest.mark.parametrize("route", ROUTES)
def test_participants_never_see_the_results_page_even_of_their_own_pilot(client, login, participant, ended, route):
    login(participant)
    assert client.get(route.format(id=ended.id)).status_code == 404


@pytest.mark.parametrize("route", ROUTES)
def test_startup_cannot_read_other_organisation_results(client, login, other_startup, ended, route):
    login(other_startup)
    assert client.get(route.format(id=ended.id)).status_code == 404


@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize("who", ["startup", "colleague", "coordinator"])
def test_the_owning_organisation_and_coordinators_read_the_results(client, login, ended, route, who, request):
    login(request.getfixturevalue(who))
    response = client.get(route.format(id=ended.id))
    assert response.status_code == 200


def test_unknown_study_and_unknown_chart_are_not_found(client, login, startup, ended):
    login(startup)
    assert client.get("/studies/999999/results").status_code == 404
    assert client.get(f"/studies/{ended.id}/results/charts/compare-nothing.svg").status_code == 404
    assert client.get(f"/studies/{ended.id}/results/charts/distribution-sleep_hours.svg").status_code == 404


@pytest.mark.parametrize("status", ["draft", "submitted", "changes_requested", "rejected"])
def test_no_results_before_approval(client, login, startup, make_study, status):
    study = make_study(status)
    login(startup)
    for route in ROUTES[:2]:
        page = text(client.get(route.format(id=study.id)))
        assert "No results before approval" in page
    assert client.get(ROUTES[2].format(id=study.id)).status_code == 404


def test_the_study_page_links_to_results_and_participants_once_approved(client, login, startup, make_study):
    draft, approved = make_study("draft"), make_study("approved")
    login(startup)
    assert f"/studies/{draft.id}/results" not in text(client.get(f"/studies/{draft.id}"))
    page = text(client.get(f"/studies/{approved.id}"))
    assert f'href="/studies/{approved.id}/results"' in page and f'href="/studies/{approved.id}/participants"' in page


# --- The page -----------------------------------------------------------------------------------


def test_results_page_shows_flow_verdict_figures_charts_and_methods(client, login, startup, ended):
    login(startup)
    page = words_of(client.get(f"/studies/{ended.id}/results"))
    assert "Interim results" not in page
    assert "What the pilot found" in page and "the hypothesis of an increase" in page
    for part in (
        "checked their eligibility",
        "signed the consent form and enrolled",
        "allocated",
        "analysed for the primary outcome",
        "Paired t test",
        "Wilcoxon signed-rank test",
        "Cohen's dz",
        "Shapiro–Wilk",
        "Secondary outcomes",
        "WHO-5 Well-Being Index",
        "Cronbach's alpha",
        "How these figures were computed",
        "Printable report",
    ):
        assert part in page, part
    assert "Age outside 18–65: 1" in re.sub(r"<[^>]+>", "", page)
    assert "Could not confirm “Works night or rotating shifts”: 1" in re.sub(r"<[^>]+>", "", page)
    # SUS is asked at follow-up only: said, not tested
    assert "System Usability Scale (SUS) is not compared: it is measured at one timepoint only (Follow up)" in page
    urls = chart_urls(page)
    assert f"/studies/{ended.id}/results/charts/compare-sleep_hours.svg" in urls
    assert page.count(' alt="') >= len(urls) and page.count("<figcaption>") >= len(urls)
    assert_clean(page)
    for url in urls:
        assert_svg(client.get(url))


def test_parallel_groups_page_draws_strips_and_stacked_bars(client, login, coordinator, parallel):
    login(coordinator)
    page = words_of(client.get(f"/studies/{parallel.id}/results"))
    assert "Welch's t test" in page and "Mann–Whitney test" in page and "Hedges' g" in page
    assert "Group “Usual menu”" in page and "Group “Plant based”" in page
    assert "Answers to choice questions, by group" in page and "Fisher's exact test" in page
    urls = set(chart_urls(page))
    for name in (
        "compare-satisfaction",
        "distribution-satisfaction",
        "distribution-diet",
        "distribution-recommend",
        "distribution-keep",
        "compare-recommend",
    ):
        assert f"/studies/{parallel.id}/results/charts/{name}.svg" in urls, name
    assert_clean(page)
    for url in urls:
        root = assert_svg(client.get(url))
        assert root.findall(".//{http://www.w3.org/2000/svg}text")  # real text, not paths


def test_svg_responses_carry_their_own_policy(client, login, startup, ended):
    login(startup)
    response = client.get(f"/studies/{ended.id}/results/charts/compare-sleep_hours.svg")
    assert_svg(response)
    assert response.headers["Content-Security-Policy"] == "default-src 'none'; style-src 'unsafe-inline'"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_interim_results_while_recruiting_are_labelled(client, login, startup, make_study):
    study = make_study("recruiting")
    populate(study, 4, seed=1)
    db.session.commit()
    login(startup)
    page = text(client.get(f"/studies/{study.id}/results"))
    assert "Interim results: the pilot has not ended." in page
    assert_clean(page)


def test_printable_report_has_everything_and_a_print_hint(client, login, coordinator, ended):
    login(coordinator)
    page = text(client.get(f"/studies/{ended.id}/results/report"))
    assert "results-report" in page and "Print or save as PDF" in page and "print.js" in page
    assert '<details class="methods" open>' in page
    assert chart_urls(page) and "<script>" not in page.replace("<script src=", "")
    assert_clean(page)


def test_results_page_speaks_french_with_decimal_commas(client, login, startup, ended):
    login(startup)
    page = text(client.get(f"/studies/{ended.id}/results", headers={"Accept-Language": "fr"}))
    assert '<html lang="fr">' in page
    assert re.search(r"p = 0,\d+|p &lt; 0,001", page)
    assert_clean(page)


# --- The verdict sentence -------------------------------------------------------------------------


def outcome(**fields) -> dict:
    base = {
        "design": "single_group_pre_post",
        "estimate": 1.58,
        "ci95": [0.70, 2.46],
        "p_value": 0.0028,
        "effect_size": {"name": "cohens_dz", "value": 1.28},
        "hypothesis": "increase",
        "alpha": 0.05,
        "supported": True,
        "reason": None,
        "arms": [],
        "timepoints": ["baseline", "follow_up"],
    }
    return base | fields


CASES = {
    "increase_supported": (
        outcome(),
        (
            "Sleep rose by 1.6 h on average (95 % CI 0.7 to 2.5), p = 0.003, a large effect: the hypothesis of an "
            "increase is supported."
        ),
        ["1,6", "0,7", "2,5", "p = 0,003"],
    ),
    "decrease_supported": (
        outcome(
            estimate=-0.8,
            ci95=[-1.24, -0.36],
            p_value=0.0004,
            hypothesis="decrease",
            effect_size={"name": "cohens_dz", "value": -0.6},
        ),
        (
            "Sleep fell by 0.80 h on average (95 % CI -1.24 to -0.36), p < 0.001, a medium effect: the hypothesis of "
            "a decrease is supported."
        ),
        ["0,80", "p < 0,001"],
    ),
    "change_not_supported": (
        outcome(
            estimate=0.3,
            ci95=[-0.5, 1.1],
            p_value=0.42,
            hypothesis="change",
            supported=False,
            effect_size={"name": "cohens_dz", "value": 0.15},
        ),
        (
            "Sleep rose by 0.3 h on average (95 % CI -0.5 to 1.1), p = 0.42, a negligible effect: the hypothesis of a "
            "change is not supported."
        ),
        ["0,3", "p = 0,42"],
    ),
    "increase_other_way": (
        outcome(
            estimate=-1.2,
            ci95=[-2.0, -0.4],
            p_value=0.01,
            supported=False,
            effect_size={"name": "cohens_dz", "value": -0.3},
        ),
        (
            "Sleep fell by 1.2 h on average (95 % CI -2.0 to -0.4), p = 0.010, a small effect: the hypothesis of an "
            "increase is not supported, since the difference goes the other way."
        ),
        ["1,2", "p = 0,010"],
    ),
    "parallel_higher": (
        outcome(
            design="parallel_groups",
            arms=["usual_menu", "plant_based"],
            estimate=1.28,
            ci95=[0.085, 2.474],
            p_value=0.0371,
            effect_size={"name": "hedges_g", "value": 0.91},
        ),
        (
            "Sleep was higher by 1.3 h on average in the group “Plant based” than in the group “Usual menu” (95 % CI "
            "0.1 to 2.5), p = 0.037, a large effect: the hypothesis of an increase is supported."
        ),
        ["1,3", "p = 0,037", "Plant based"],
    ),
    "untestable": (
        outcome(
            estimate=None,
            ci95=None,
            p_value=None,
            supported=None,
            reason={"code": "too_few_pairs", "n": 1, "minimum": 2},
            effect_size={"name": "cohens_dz", "value": None},
        ),
        (
            "Sleep: the hypothesis of an increase cannot be tested because fewer than 2 participants have a value at "
            "both timepoints (1)."
        ),
        ["Sleep"],
    ),
}


@pytest.mark.parametrize("case", CASES)
def test_the_verdict_sentence_in_english(app, case):
    entry, expected, _french = CASES[case]
    with app.test_request_context(), force_locale("en"):
        assert verdict.primary_sentence(entry, "Sleep", "h").replace("\u00a0", " ") == expected


@pytest.mark.parametrize("case", CASES)
def test_the_verdict_sentence_in_french_writes_decimal_commas(app, case):
    entry, _english, fragments = CASES[case]
    with app.test_request_context(), force_locale("fr"):
        sentence = verdict.primary_sentence(entry, "Sleep", "h").replace("\u00a0", " ").replace("\u202f", " ")
    for fragment in fragments:
        assert fragment in sentence, (fragment, sentence)
    assert "1.6" not in sentence and "0.003" not in sentence


@pytest.mark.parametrize(
    "value, words",
    [
        (0.0, "negligible"),
        (0.19, "negligible"),
        (0.2, "small"),
        (-0.49, "small"),
        (0.5, "medium"),
        (0.79, "medium"),
        (0.8, "large"),
        (-2.4, "large"),
        (None, None),
        (float("nan"), None),
    ],
)
def test_effect_size_words_follow_the_conventional_thresholds(value, words):
    assert verdict.magnitude(value) == words


@pytest.mark.parametrize(
    "p, written",
    [
        (0.0028, "p = 0.003"),
        (0.00099, "p < 0.001"),
        (0.2345, "p = 0.23"),
        (0.0496, "p = 0.0496"),
        (0.05, "p = 0.050"),
        (None, "—"),
        (float("nan"), "—"),
    ],
)
def test_p_values_never_round_across_alpha(app, p, written):
    with app.test_request_context(), force_locale("en"):
        assert verdict.p_value(p, 0.05) == written


def test_the_analysis_reasons_and_warnings_are_translated_by_code(app):
    results = {
        "primary_outcome": outcome(estimate=None, supported=None, reason={"code": "no_change"}),
        "secondary": [],
        "categorical": [],
    }
    with app.test_request_context(), force_locale("en"):
        assert "no variation to test" in verdict.reason_text({"code": "no_change"})
        assert (
            verdict.reason_text({"code": "too_few_pairs", "n": 1, "minimum": 2})
            == "fewer than 2 participants have a value at both timepoints (1)"
        )
        assert (
            verdict.warning_text({"code": "empty_arm", "arm": "plant_based"}, results, {})
            == "No participant of the group “Plant based” has answered yet."
        )
        assert (
            verdict.warning_text({"code": "primary_not_tested", "variable": "sleep"}, results, {})
            == "The primary outcome cannot be tested because every participant gave the same value at both "
            "timepoints: there is no variation to test."
        )


@pytest.mark.parametrize("locale", ["en", "fr"])
def test_every_code_the_analysis_speaks_has_its_own_sentence(app, locale):
    entry = outcome(
        variable="sleep",
        comparison="baseline → follow_up",
        robustness={"test": "wilcoxon_signed_rank"},
        dropped_missing=2,
    )
    results = {"primary_outcome": entry, "secondary": [], "categorical": []}
    numbers = {
        "n": 3,
        "minimum": 2,
        "maximum": 5000,
        "arm_n": 1,
        "control_n": 4,
        "k": 1,
        "timepoint": "baseline",
        "variable": "sleep",
        "type": "text",
        "design": "crossover",
        "arm": "plant_based",
        "p_value": 0.01,
        "alpha": 0.05,
        "comparison": "baseline → follow_up",
        "expected_min": 2.5,
    }
    with app.test_request_context(), force_locale(locale):
        reasons = {verdict.reason_text({"code": code} | numbers) for code in REASONS}
        warnings = {verdict.warning_text({"code": code} | numbers, results, {}) for code in WARNINGS}
    assert len(reasons) == len(REASONS) and not reasons & set(REASONS)
    assert len(warnings) == len(WARNINGS) and not warnings & set(WARNINGS)


# --- Edge cases: a clear page, never an error or NaN ----------------------------------------------------


def test_an_approved_study_with_no_answers(client, login, startup, make_study):
    study = make_study("approved")
    login(startup)
    page = text(client.get(f"/studies/{study.id}/results"))
    assert "No answers yet: nothing to describe or test." in page
    assert "cannot be tested because" in page
    assert chart_urls(page) == []
    assert_clean(page)


def test_one_participant(client, login, startup, make_user, make_study):
    study = make_study("recruiting")
    person = make_user("participant")
    enrol(person, study)
    services.submit_response(person, study, "baseline", {"sleep_hours": 6, **{f"who_{i}": 3 for i in range(1, 6)}})
    services.submit_response(
        person,
        study,
        "follow_up",
        {"sleep_hours": 7.5, **{f"who_{i}": 4 for i in range(1, 6)}, **{f"sus_{i}": 4 for i in range(1, 11)}},
    )
    db.session.commit()
    login(startup)
    page = text(client.get(f"/studies/{study.id}/results"))
    assert "cannot be tested because fewer than 2 participants have a value at both timepoints (1)" in page
    assert_clean(page)
    for url in chart_urls(page):
        assert_svg(client.get(url))


def test_all_answers_equal(client, login, startup, make_user, make_study):
    study = make_study("recruiting")
    for _ in range(3):
        person = make_user("participant")
        enrol(person, study)
        services.submit_response(person, study, "baseline", {"sleep_hours": 7, **{f"who_{i}": 3 for i in range(1, 6)}})
        services.submit_response(
            person,
            study,
            "follow_up",
            {"sleep_hours": 7, **{f"who_{i}": 3 for i in range(1, 6)}, **{f"sus_{i}": 3 for i in range(1, 11)}},
        )
    db.session.commit()
    login(startup)
    page = text(client.get(f"/studies/{study.id}/results"))
    assert "every participant gave the same value at both timepoints: there is no variation to test" in page
    assert_clean(page)
    for url in chart_urls(page):
        assert_svg(client.get(url))


def test_an_arm_with_nobody(client, login, startup, make_user, make_study):
    study = make_study("recruiting", protocol=food_protocol(), survey_defs=food_surveys())
    person = make_user("participant")
    enrol(person, study, criteria_confirmed=[True])
    services.submit_response(person, study, "baseline", {"satisfaction": 5, "diet": "Omnivore"})
    db.session.commit()
    login(startup)
    page = text(client.get(f"/studies/{study.id}/results"))
    assert "has answered yet." in page and "No participant of the group" in page
    assert_clean(page)
    for url in chart_urls(page):
        assert_svg(client.get(url))


def test_a_withdrawn_participant_with_erased_data(client, login, startup, make_user, make_study):
    study = make_study("recruiting")
    populate(study, 3, seed=5)
    person = make_user("participant")
    enrol(person, study)
    services.submit_response(person, study, "baseline", {"sleep_hours": 2, **{f"who_{i}": 0 for i in range(1, 6)}})
    services.withdraw(person, study, True)
    db.session.commit()
    login(startup)
    page = text(client.get(f"/studies/{study.id}/results"))
    assert "withdrew later" in page and "had their answers erased" in page
    assert_clean(page)


def test_html_in_labels_and_choices_is_escaped(client, login, startup, coordinator, make_user, make_study):
    hostile = "<img src=x onerror=alert(1)>"
    surveys = food_surveys()
    surveys[0]["items"][0]["text"] = hostile
    surveys[0]["items"][1]["choices"] = ["<b>Omnivore</b>", "A & B", "$5 meals"]
    study = make_study("recruiting", protocol=food_protocol(title=f"Study {hostile}"), survey_defs=surveys)
    for choice in ["<b>Omnivore</b>", "A & B", "$5 meals", "A & B"]:
        person = make_user("participant")
        enrol(person, study, criteria_confirmed=[True])
        services.submit_response(person, study, "baseline", {"satisfaction": 4, "diet": choice})
    db.session.commit()
    login(startup)
    page = text(client.get(f"/studies/{study.id}/results"))
    assert hostile not in page and "<b>Omnivore" not in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page and "&lt;b&gt;Omnivore&lt;/b&gt;" in page
    chart = client.get(f"/studies/{study.id}/results/charts/distribution-diet.svg")
    root = assert_svg(chart)
    words = " ".join(t.text or "" for t in root.iter("{http://www.w3.org/2000/svg}text"))
    assert "<b>Omnivore</b>" in words and "$5 meals" in words and "A & B" in words


# --- Charts, pure -----------------------------------------------------------------------------------


def test_charts_are_reproducible_svg_even_without_data():
    before, after = [5.0, 6.0, 7.5], [6.0, 6.5, 8.0]
    first = charts.paired_lines(before, after, labels=["A", "B"], y_label="Hours", mean_label="Mean")
    assert first == charts.paired_lines(before, after, labels=["A", "B"], y_label="Hours", mean_label="Mean")
    for svg in (
        first,
        charts.paired_lines([], [], labels=["A", "B"], y_label="Hours", mean_label="Mean"),
        charts.strip_by_group([("x", []), ("y", [float("nan")])], y_label="v", mean_label="Mean"),
        charts.stacked_bars([("row", [float("nan"), 50, 50])], ["1", "2", "3"], x_label="%"),
        charts.stacked_bars([("row", [])], [], x_label="%"),
        charts.grouped_bars([("row", [10, 90])], ["a", "b"], x_label="%"),
        charts.grouped_bars([], ["a"], x_label="%"),
    ):
        assert ET.fromstring(svg.encode()).tag.endswith("svg")


def test_charts_thin_large_samples_but_keep_the_means():
    values = list(range(charts.MAX_POINTS * 3))
    svg = charts.strip_by_group([("big", values)], y_label="v", mean_label="Mean")
    assert svg.count("<use ") < charts.MAX_POINTS + 50


# --- The lay summary for participants ------------------------------------------------------------------


def test_participants_of_a_closed_pilot_see_what_it_found(client, login, participant, ended):
    login(participant)
    page = text(client.get("/dashboard"))
    assert "What the pilot found" in page
    assert "11 people took part;" in page and "answered both surveys" in page
    assert "On average, the answers about “Sleep hours”" in page
    assert_clean(page)


def test_the_lay_summary_speaks_french(client, login, participant, ended):
    login(participant)
    client.post("/language", data={"lang": "fr", "next": "/"})
    page = text(client.get("/dashboard"))
    assert '<html lang="fr">' in page and 'class="lay-summary"' in page and "11" in page
    assert_clean(page)


def test_no_lay_summary_while_the_pilot_runs(client, login, participant, make_study):
    study = make_study("recruiting")
    enrol(participant, study)
    db.session.commit()
    login(participant)
    page = text(client.get("/dashboard"))
    assert study.title in page and "What the pilot found" not in page


def test_withdrawn_participants_keeping_their_data_see_the_summary_not_those_who_erased_it(
    client, login, make_user, make_study, coordinator
):
    study = make_study("recruiting")
    populate(study, 4, seed=6)
    kept, erased = make_user("participant"), make_user("participant")
    for person in (kept, erased):
        enrol(person, study)
        services.submit_response(person, study, "baseline", {"sleep_hours": 6, **{f"who_{i}": 3 for i in range(1, 6)}})
    services.withdraw(kept, study, False)
    services.withdraw(erased, study, True)
    end(study, coordinator)
    login(kept)
    assert "What the pilot found" in text(client.get("/dashboard"))
    client.post("/account/signout")
    login(erased)
    page = text(client.get("/dashboard"))
    assert study.title in page and "What the pilot found" not in page


def test_the_lay_summary_never_shows_other_participants_codes(client, login, participant, ended):
    from sqlalchemy import select

    from livinglab.participants.models import Enrolment

    codes = db.session.scalars(select(Enrolment.participant_code).where(Enrolment.user_id != participant.id)).all()
    login(participant)
    page = text(client.get("/dashboard"))
    assert codes and not any(code in page for code in codes)


# --- Speed: queries do not grow with the participants ------------------------------------------------------


def test_results_pages_run_the_same_number_of_queries_whatever_the_number_of_participants(
    client, login, startup, coordinator, make_study, count_queries
):
    small = make_study("recruiting", protocol=sleep_protocol(target_enrolment=60))
    large = make_study("recruiting", protocol=sleep_protocol(target_enrolment=60), survey_defs=sleep_surveys())
    populate(small, 10, seed=8)
    populate(large, 40, seed=9)
    db.session.commit()
    login(startup)
    counts = {}
    for name, study in (("small", small), ("large", large)):
        for visit in ("cold", "warm"):
            for route in (
                "/studies/{id}/results",
                "/studies/{id}/results/report",
                "/studies/{id}/results/charts/compare-sleep_hours.svg",
            ):
                db.session.commit()  # each request starts with an empty identity map, as in production
                with count_queries() as statements:
                    assert client.get(route.format(id=study.id)).status_code == 200
                counts[(name, visit, route)] = len(statements)
    for visit in ("cold", "warm"):
        for route in (
            "/studies/{id}/results",
            "/studies/{id}/results/report",
            "/studies/{id}/results/charts/compare-sleep_hours.svg",
        ):
            assert counts[("small", visit, route)] == counts[("large", visit, route)], (visit, route, counts)
