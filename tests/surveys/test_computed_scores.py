"""Issue 14, item 6: a score computed from items (sum, mean, reversed items; no free code), declared in a survey,
never shown to participants, computed in the analysis, exported with its dictionary row, and usable as the
pre-registered primary outcome. The expected values are worked out by hand in the comments."""

import csv
import html
import io
import re

import pytest
from sqlalchemy import select

from livinglab.demo import sleep_protocol
from livinglab.extensions import db
from livinglab.participants.models import Answer
from livinglab.studies.services import registration_hash
from livinglab.surveys.models import Survey
from tests.studies import test_amendments
from tests.studies.test_amendments import canonical_sha256, served_record
from tests.surveys.test_api_surveys import assert_error


@pytest.fixture
def api(client, api_headers):
    """An API call as a user (a token per user, by their database id)."""
    tokens: dict = {}

    def call(method, path, user=None, **kwargs):
        if user is not None and user.id not in tokens:
            tokens[user.id] = api_headers(user)
        return client.open("/api/v1" + path, method=method, headers=tokens[user.id] if user else {}, **kwargs)

    return call


RESTED = {"key": "rested", "text": "I wake up rested", "type": "likert", "min": 1, "max": 5}
TIRED = {"key": "tired", "text": "I feel tired during the day", "type": "likert", "min": 1, "max": 5, "required": False}
QUALITY = {"key": "quality", "text": "Sleep quality", "score": "mean", "of": ["rested", "tired"], "reverse": ["tired"]}
HOURS = {"key": "sleep_hours", "text": "Hours of sleep per night?", "type": "number", "min": 0, "max": 24, "unit": "h"}


def surveys(score=QUALITY) -> list[dict]:
    items = [HOURS, RESTED, TIRED, score]
    return [
        {"key": "baseline", "title": "Before", "timepoint": "baseline", "items": items},
        {"key": "follow_up", "title": "After", "timepoint": "follow_up", "items": items},
    ]


def text(response) -> str:
    return re.sub(r"\s+", " ", html.unescape(response.get_data(as_text=True)))


@pytest.fixture
def draft(api, startup):
    """A draft built through the API, its primary outcome the computed score."""
    body = sleep_protocol(primary_outcome={"variable": "quality", "hypothesis": "increase"})
    created = api("POST", "/studies", startup, json=body)
    assert created.status_code == 201, created.get_json()
    study_id = created.get_json()["id"]
    consent = {
        "text": "You will answer two short surveys about your sleep.",
        "clauses": [{"key": "understood", "text": "I understand.", "required": True}],
    }
    assert api("PUT", f"/studies/{study_id}/consent", startup, json=consent).status_code == 200
    for definition in surveys():
        posted = api("POST", f"/studies/{study_id}/surveys", startup, json=definition)
        assert posted.status_code == 201, posted.get_json()
    return study_id


@pytest.fixture
def pilot(api, draft, startup, coordinator, make_user):
    """The draft approved and recruiting; four participants answer over the API (score = mean(rested, 6 − tired)):
    P1 2 → 4 (+2), P2 3 → 3.5 (+0.5), P3 1 → 4 (+3), P4 2 (tired skipped: one of two is half) → 3 (+1)."""
    assert api("POST", f"/studies/{draft}/submit", startup).status_code == 200
    assert api("POST", f"/studies/{draft}/decision", coordinator, json={"decision": "approve"}).status_code == 200
    assert api("POST", f"/studies/{draft}/recruitment", coordinator, json={"state": "recruiting"}).status_code == 200
    version = api("GET", f"/studies/{draft}/consent").get_json()["version"]
    answers = [((2, 4), (4, 2)), ((3, 3), (4, 3)), ((1, 5), (3, 1)), ((2, None), (2, 2))]
    for before, after in answers:
        person = make_user("participant")
        enrolment = {
            "consent_version": version,
            "clauses": {"understood": True},
            "signature": person.name,
            "age": 30,
            "criteria_confirmed": True,
        }
        assert api("POST", f"/studies/{draft}/enrolment", person, json=enrolment).status_code == 201
        for key, (rested, tired) in (("baseline", before), ("follow_up", after)):
            given = {"sleep_hours": 7, "rested": rested} | ({"tired": tired} if tired is not None else {})
            sent = api("POST", f"/studies/{draft}/surveys/{key}/responses", person, json={"answers": given})
            assert sent.status_code == 201, sent.get_json()
    return draft


# --- Declaring a score -------------------------------------------------------------------------------------


def test_a_score_is_stored_as_declared_and_served_by_the_api(api, draft, startup):
    served = api("GET", f"/studies/{draft}/surveys/baseline", startup).get_json()
    assert served["items"][-1] == QUALITY
    study = api("GET", f"/studies/{draft}", startup).get_json()
    assert study["primary_outcome"] == {"variable": "quality", "hypothesis": "increase"}
    schemas = api("GET", "/openapi.json").get_json()["components"]["schemas"]
    assert {"score", "of", "reverse"} <= set(schemas["ComputedScore"]["properties"])
    assert {"$ref": "#/components/schemas/ComputedScore"} in schemas["SurveyItem"]["anyOf"]


def extra(*items) -> dict:
    return {"key": "extra", "title": "Extra", "timepoint": "baseline", "items": [RESTED | {"key": "a"}, *items]}


SCORE = {"key": "s", "text": "S", "score": "sum"}
REFUSED = [
    ({**SCORE, "of": ["a"]}, 422, "of: At least 2 entries."),
    ({**SCORE, "of": ["a", "nowhere"]}, 422, "“nowhere” is not a question of this survey"),
    ({**SCORE, "of": ["a", "note"]}, 422, "“note” is not answered with a number"),
    ({**SCORE, "of": ["a", "other"]}, 422, "“other” is itself a computed score"),
    ({**SCORE, "of": ["a", "kg"], "reverse": ["kg"]}, 422, "“kg” has no lowest and highest value"),
    ({**SCORE, "of": ["a", "kg"], "reverse": ["b"]}, 422, "Only items of the score can be reversed"),
    ({**SCORE, "score": "median", "of": ["a", "kg"]}, 422, "score: Must be one of: sum, mean."),
    ({**SCORE, "text": "", "of": ["a", "kg"]}, 422, "text: This field is required."),
    ({**SCORE, "of": ["a", "a"]}, 422, "“a” is listed twice."),
    ({**SCORE, "of": ["a", "Not A Key"]}, 422, "Use lower-case letters"),
    ({**SCORE, "of": "a, kg"}, 400, "of: Must be a list."),
    ({**SCORE, "of": ["a", {"deep": [[["kg"]]]}]}, 400, "of: Must be text."),
    ({**SCORE, "of": [f"k{i}" for i in range(101)]}, 422, "of: At most 100 entries."),
    ({**SCORE, "text": "Line\r\nbreak" * 1000, "of": ["a", "kg"]}, 422, "text: At most 1000 characters."),
]


@pytest.mark.parametrize("score, status, message", REFUSED)
def test_a_score_that_cannot_be_computed_is_refused_and_nothing_is_saved(api, draft, startup, score, status, message):
    others = [
        {"key": "kg", "text": "Weight?", "type": "number"},
        {"key": "note", "text": "Anything?", "type": "text", "required": False},
        {"key": "other", "text": "Other", "score": "sum", "of": ["a", "kg"]},
    ]
    before = db.session.scalars(select(Survey.id)).all()
    error = assert_error(api("POST", f"/studies/{draft}/surveys", startup, json=extra(*others, score)), status)
    assert message in error["fields"]["items"], error
    db.session.rollback()
    assert db.session.scalars(select(Survey.id)).all() == before


def test_a_score_is_never_answered_and_a_value_sent_for_it_is_refused(api, pilot, make_user):
    person = make_user("participant")
    version = api("GET", f"/studies/{pilot}/consent").get_json()["version"]
    body = {"consent_version": version, "clauses": {"understood": True}, "signature": person.name, "age": 40}
    enrolled = api("POST", f"/studies/{pilot}/enrolment", person, json=body | {"criteria_confirmed": True})
    assert enrolled.status_code == 201, enrolled.get_json()
    answers = {"sleep_hours": 6, "rested": 3, "tired": 3, "quality": 5}
    error = assert_error(
        api("POST", f"/studies/{pilot}/surveys/baseline/responses", person, json={"answers": answers}), 422
    )
    assert error["fields"] == {"quality": "“quality” is computed from other answers: it cannot be sent."}
    listed = api("GET", f"/studies/{pilot}/surveys", person).get_json()["items"]
    assert all("quality" not in {i["key"] for i in s["items"] if "type" in i} for s in listed)
    stored = db.session.scalars(select(Answer.item_key)).all()
    assert "quality" not in stored and stored, "the pilot's answers are there, none for the score"


def test_the_participant_page_never_shows_the_score(api, pilot, client, login, make_user):
    person = make_user("participant")
    version = api("GET", f"/studies/{pilot}/consent").get_json()["version"]
    body = {"consent_version": version, "clauses": {"understood": True}, "signature": person.name, "age": 40}
    assert (
        api("POST", f"/studies/{pilot}/enrolment", person, json=body | {"criteria_confirmed": True}).status_code == 201
    )
    login(person)
    page = text(client.get(f"/pilots/{pilot}/surveys/baseline"))
    assert "I wake up rested" in page and "Sleep quality" not in page and 'name="quality"' not in page
    sent = client.post(f"/pilots/{pilot}/surveys/baseline", data={"sleep_hours": "7", "rested": "4", "tired": "2"})
    assert sent.status_code == 302, text(sent)[:2000]


def test_deleting_an_item_a_score_uses_is_refused_with_the_reason(api, draft, startup, client, login):
    error = assert_error(api("DELETE", f"/studies/{draft}/surveys/baseline/items/tired", startup), 422)
    assert "“tired” is used by the computed score “quality”" in error["message"]
    renamed = {**TIRED, "key": "sleepy"}
    error = assert_error(api("PUT", f"/studies/{draft}/surveys/baseline/items/tired", startup, json=renamed), 422)
    assert "“tired” is not a question of this survey" in error["fields"]["items"]
    login(startup)
    survey = db.session.scalar(select(Survey).where(Survey.study_id == draft, Survey.key == "baseline"))
    page = client.post(f"/studies/{draft}/surveys/{survey.id}/items/2/delete", data={"confirmed": "yes"})
    assert "used by the computed score" in text(client.get(page.headers["Location"]))
    db.session.expire_all()
    assert [i["key"] for i in db.session.get(Survey, survey.id).items] == ["sleep_hours", "rested", "tired", "quality"]
    # the score goes first, then its items may
    assert api("DELETE", f"/studies/{draft}/surveys/baseline/items/quality", startup).status_code == 200
    assert api("DELETE", f"/studies/{draft}/surveys/baseline/items/tired", startup).status_code == 200


def test_the_registration_hash_covers_the_score(api, draft, startup, coordinator):
    assert api("POST", f"/studies/{draft}/submit", startup).status_code == 200
    assert api("POST", f"/studies/{draft}/decision", coordinator, json={"decision": "approve"}).status_code == 200
    record = served_record(api, startup, draft)
    assert QUALITY in record["surveys"][0]["items"]
    served = api("GET", f"/studies/{draft}", startup).get_json()["registration_hash"]
    assert canonical_sha256(record) == served
    changed = {
        **record,
        "surveys": [{**s, "items": [*s["items"][:-1], {**QUALITY, "score": "sum"}]} for s in record["surveys"]],
    }
    assert canonical_sha256(changed) != served
    from livinglab.studies.models import Study

    assert registration_hash(db.session.get(Study, draft)) == served


def test_the_primary_outcome_chooser_offers_the_score(api, draft, startup, client, login):
    login(startup)
    page = text(client.get(f"/studies/{draft}/edit"))
    assert '<option selected value="quality">Sleep quality (asked at Baseline, Follow up)</option>' in page or (
        'value="quality"' in page and "Sleep quality (asked at" in page
    )


# --- Computed in the analysis and the exports -----------------------------------------------------------------


def test_the_results_api_compares_the_score_as_the_primary_outcome(api, pilot, startup):
    body = api("GET", f"/studies/{pilot}/results", startup).get_json()
    primary = body["primary_outcome"]
    assert (primary["variable"], primary["test"], primary["n"]) == ("quality", "paired_t", 4)
    assert primary["estimate"] == pytest.approx((2 + 0.5 + 3 + 1) / 4)
    variable = body["variables"]["quality"]
    assert variable["type"] == "score" and variable["label"] == "Sleep quality"
    assert variable["by_timepoint"]["baseline"]["mean"] == pytest.approx((2 + 3 + 1 + 2) / 4)
    assert variable["by_timepoint"]["follow_up"]["mean"] == pytest.approx((4 + 3.5 + 4 + 3) / 4)
    assert variable["computed"] == {"method": "mean", "of": ["rested", "tired"], "reverse": {"tired": [1, 5]}}


@pytest.mark.parametrize(
    "lang, sentence",
    [
        (
            "en",
            "Computed: mean of rested, tired (tired reversed: 6 − value); given when at least 1 of the 2 items is answered.",
        ),
        (
            "fr",
            "Calculé : moyenne de rested, tired (tired inversé : 6 − valeur) ; donné quand au moins 1 des 2 items a une réponse.",
        ),
    ],
)
def test_the_results_page_shows_the_score_and_how_it_is_computed(pilot, client, login, startup, lang, sentence):
    login(startup)
    page = text(client.get(f"/studies/{pilot}/results", headers={"Accept-Language": lang}))
    assert "Sleep quality" in page
    assert sentence in page


def exported(client, pilot, what, lang="en") -> list[list[str]]:
    response = client.get(f"/api/v1/studies/{pilot}/{what}", headers=client.headers | {"Accept-Language": lang})
    assert response.status_code == 200, response.data[:300]
    return list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))


def test_the_export_has_the_score_column_and_its_dictionary_row(api, pilot, startup, client, api_headers):
    client.headers = api_headers(startup)
    rows = exported(client, pilot, "export.csv")
    header = rows[0]
    assert header[-4:] == ["sleep_hours", "rested", "tired", "quality"]
    scores = sorted((r[2], r[-1]) for r in rows[1:])
    # baseline 2, 3, 1, 2 (the fourth from rested alone); follow-up 4, 3.5, 4, 3
    assert scores == sorted(
        [("baseline", v) for v in ("2", "3", "1", "2")] + [("follow_up", v) for v in ("4", "3.5", "4", "3")]
    )
    dictionary = {row[0]: row for row in exported(client, pilot, "dictionary.csv")}
    assert dictionary["quality"][1:4] == [
        "Sleep quality. Computed: mean of rested, tired (tired reversed: 6 − value); given when at least 1 of the 2 "
        "items is answered.",
        "score",
        "[1, 5]",
    ]
    french = {row[0]: row for row in exported(client, pilot, "dictionary.csv", "fr")}
    assert "Calculé : moyenne de rested, tired (tired inversé : 6 − valeur)" in french["quality"][1]


def test_the_spss_and_stata_files_carry_the_score(api, pilot, startup, client, api_headers, tmp_path):
    import pyreadstat

    headers = api_headers(startup)
    for suffix, read in (("sav", pyreadstat.read_sav), ("dta", pyreadstat.read_dta)):
        response = client.get(f"/api/v1/studies/{pilot}/export.{suffix}", headers=headers)
        assert response.status_code == 200
        path = tmp_path / f"data.{suffix}"
        path.write_bytes(response.data)
        frame, meta = read(str(path))
        assert sorted(frame["quality"]) == sorted([2, 3, 1, 2, 4, 3.5, 4, 3])
        assert meta.column_names_to_labels["quality"].startswith("Sleep quality. Computed: mean")


# --- The builder, the pages and amendments ---------------------------------------------------------------------


def survey_of(study_id, key="baseline") -> Survey:
    db.session.expire_all()
    return db.session.scalar(select(Survey).where(Survey.study_id == study_id, Survey.key == key))


def test_the_builder_adds_a_computed_score_with_checkboxes(client, login, startup, make_study):
    study = make_study("draft")
    login(startup)
    follow = survey_of(study.id, "follow_up")
    page = text(client.get(f"/studies/{study.id}/surveys/{follow.id}"))
    assert "Add a computed score" in page and 'value="who_3"' in page and 'name="score-reverse"' in page
    form = {"kind": "score", "score-text": "Usability and mood", "score-score": "sum", "score-key": ""}
    sent = client.post(
        f"/studies/{study.id}/surveys/{follow.id}/items",
        data={**form, "score-of": ["who_1", "who_2", "sus_2"], "score-reverse": ["sus_2"]},
    )
    assert sent.status_code == 302, text(sent)[:3000]
    item = survey_of(study.id, "follow_up").items[-1]
    assert item == {
        "key": "usability_mood",
        "text": "Usability and mood",
        "score": "sum",
        "of": ["who_1", "who_2", "sus_2"],
        "reverse": ["sus_2"],
    }
    shown = text(client.get(f"/studies/{study.id}/surveys/{follow.id}"))
    assert (
        "Computed: sum of who_1, who_2, sus_2 (sus_2 reversed: 6 − value); given only when all 3 items are answered."
        in shown
    )
    preview = text(client.get(f"/studies/{study.id}/surveys/{follow.id}/preview"))
    assert "Computed: sum of who_1" in preview and 'name="usability_mood"' not in preview
    edit = text(client.get(f"/studies/{study.id}/surveys/{follow.id}/items/{len(item) - 1}/edit"))
    assert "Edit the computed score" in edit or "Edit the" in edit
    index = len(survey_of(study.id, "follow_up").items) - 1
    edit = text(client.get(f"/studies/{study.id}/surveys/{follow.id}/items/{index}/edit"))
    assert "Edit the computed score" in edit and re.search(r'value="sus_2"\s+checked', edit)
    changed = client.post(
        f"/studies/{study.id}/surveys/{follow.id}/items/{index}/edit",
        data={**form, "score-key": "usability_mood", "score-score": "mean", "score-of": ["who_1", "who_2"]},
    )
    assert changed.status_code == 302
    assert survey_of(study.id, "follow_up").items[-1]["score"] == "mean"
    refused = client.post(
        f"/studies/{study.id}/surveys/{follow.id}/items", data={**form, "score-text": "One item", "score-of": ["who_1"]}
    )
    assert refused.status_code == 422 and "At least 2 entries." in text(refused)


def test_the_reviewer_reads_the_score_as_computed_not_asked(api, draft, startup, coordinator, client, login):
    assert api("POST", f"/studies/{draft}/submit", startup).status_code == 200
    login(coordinator)
    page = text(client.get(f"/studies/{draft}/review"))
    assert "Computed score" in page and "Computed: mean of rested, tired (tired reversed: 6 − value)" in page


def test_an_amendment_adds_a_score_that_shows_in_its_diff_and_survives_approval(api, draft, startup, coordinator):
    assert api("POST", f"/studies/{draft}/submit", startup).status_code == 200
    assert api("POST", f"/studies/{draft}/decision", coordinator, json={"decision": "approve"}).status_code == 200
    opened = api("POST", f"/studies/{draft}/amendments", startup, json={"reason": "Also a total"})
    version = opened.get_json()["version"]
    base = f"/studies/{draft}/amendments/{version}"
    survey = api("GET", f"/studies/{draft}/surveys/follow_up", startup).get_json()
    total = {"key": "total", "text": "Total", "score": "sum", "of": ["rested", "tired"], "reverse": []}
    changed = {k: survey[k] for k in ("key", "title", "timepoint")} | {"items": [*survey["items"], total]}
    assert api("POST", f"{base}/surveys", startup, json=changed).status_code == 200
    amendment = api("GET", base, startup).get_json()
    assert total in next(s for s in amendment["surveys"] if s["key"] == "follow_up")["items"]
    from livinglab.studies import amendments as amending
    from livinglab.studies.models import Study

    study = db.session.get(Study, draft)
    diff = amending.differences(study, amending.find(study, version))
    follow = next(entry for entry in diff["surveys"] if entry[0]["key"] == "follow_up")
    assert ("total", "added") in follow[2]
    assert api("POST", f"{base}/submit", startup).status_code == 200
    assert api("POST", f"{base}/decision", coordinator, json={"decision": "approve"}).status_code == 200
    assert total in api("GET", f"/studies/{draft}/surveys/follow_up", startup).get_json()["items"]


def test_an_amendment_may_add_a_score_to_a_survey_that_has_opened(api, make_study, startup, participant, client, login):
    """Answers do not depend on a computed score: a survey answered already may gain one (its questions may not)."""
    study = make_study("recruiting")
    test_amendments.enrol(participant, study)  # the baseline opens for them today
    version = api("POST", f"/studies/{study.id}/amendments", startup, json={"reason": "Score WHO-5 items 1-2"})
    base = f"/studies/{study.id}/amendments/{version.get_json()['version']}"
    survey = api("GET", f"/studies/{study.id}/surveys/baseline", startup).get_json()
    header = {k: survey[k] for k in ("key", "title", "timepoint")}
    mood = {"key": "mood", "text": "Mood", "score": "mean", "of": ["who_1", "who_2"], "reverse": []}
    added = api("POST", f"{base}/surveys", startup, json=header | {"items": [*survey["items"], mood]})
    assert added.status_code == 200, added.get_json()
    question = {"key": "naps", "text": "Naps?", "type": "number"}
    refused = api("POST", f"{base}/surveys", startup, json=header | {"items": [*survey["items"], mood, question]})
    assert_error(refused, 422, "survey_opened")
    login(startup)
    page = text(client.get(base + "/surveys/baseline"))
    assert "only its wording may change" in page and "A computed score may still be added" in page
    assert "Add a computed score" in page and "Add a question" not in page


def test_the_score_has_its_charts_correlations_and_workbook_column(api, pilot, startup, client, login):
    login(startup)
    page = client.get(f"/studies/{pilot}/results").get_data(as_text=True)
    charts = set(re.findall(rf'src="(/studies/{pilot}/results/charts/[^"]+\.svg[^"]*)"', page))
    assert any("quality" in src for src in charts), charts
    for src in charts:
        assert client.get(html.unescape(src)).status_code == 200, src
    found = api("GET", f"/studies/{pilot}/results/correlation?x=quality@baseline&y=quality@follow_up", startup)
    assert found.status_code == 200, found.get_json()
    assert found.get_json()["n"] == 4
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(client.get(f"/studies/{pilot}/exports/data.xlsx").data), read_only=True)
    header = [cell.value for cell in next(book["data"].iter_rows(max_row=1))]
    assert header[-1] == "quality"


def test_the_builder_refuses_hostile_score_input_and_saves_nothing(client, login, startup, make_study):
    study = make_study("draft")
    login(startup)
    follow = survey_of(study.id, "follow_up")
    before = survey_of(study.id, "follow_up").items
    form = {"kind": "score", "score-text": "Score", "score-score": "mean", "score-key": ""}
    for data in (
        {**form, "score-of": ["who_1", "who_2\r\nX-Injected: 1"]},
        {**form, "score-of": [f"k{i}" for i in range(500)]},
        {**form, "score-of": ["who_1", "who_2"], "score-score": "eval(1)"},
        {**form, "score-of": ["who_1", "who_2"], "score-text": "x" * 100_000},
        {**form, "score-of": ["who_1", "sleep_hours"], "score-reverse": ["who_1", "comments"]},
    ):
        response = client.post(f"/studies/{study.id}/surveys/{follow.id}/items", data=data)
        assert response.status_code == 422, data
    assert survey_of(study.id, "follow_up").items == before
