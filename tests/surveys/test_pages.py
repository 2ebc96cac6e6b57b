"""Issue 14, item 4: a survey with sections is answered one page at a time, with its progress, and Back and Next
that keep the answers in the participant's draft; without sections a survey stays one page."""

import html
import re

import pytest
from sqlalchemy import func, select

from livinglab.demo import sleep_protocol, sleep_surveys
from livinglab.exports.columns import plan_for
from livinglab.exports.dictionary import dictionary_rows
from livinglab.extensions import db
from livinglab.participants import services
from livinglab.participants.models import Answer, Response, SurveyDraft
from livinglab.studies.services import registration_hash
from livinglab.surveys import paging
from livinglab.surveys.definitions import clean_items
from livinglab.surveys.models import Survey

API = "/api/v1"
CLAUSES = {"understood": True, "data_use": True}
SLEEP = {"key": "sleep_hours", "text": "Hours of sleep per night?", "type": "number", "min": 0, "max": 24, "unit": "h"}
MOOD = {"key": "about_mood", "section": "How you feel", "intro": "Five statements about the last two weeks."}
LAST = {"key": "last_word", "section": "A last word"}
COMMENTS = {"key": "comments", "text": "Anything else?", "type": "text", "required": False}
WHO = {f"who_{i}": "3" for i in range(1, 6)}


def paged_surveys() -> list[dict]:
    """The sleep pilot's surveys; its baseline in three pages: sleep, then the WHO-5, then a comment."""
    baseline, follow_up = sleep_surveys()
    baseline["items"] = [SLEEP, MOOD, {"key": "who", "instrument": "who5"}, LAST, COMMENTS]
    return [baseline, follow_up]


def text(response) -> str:
    return re.sub(r"\s+", " ", html.unescape(response.get_data(as_text=True)))


def rows(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def draft_answers() -> dict | None:
    db.session.expire_all()
    return db.session.scalar(select(SurveyDraft.answers))


def checked(page: str, name: str, value: str) -> bool:
    return bool(re.search(rf'name="{name}" value="{re.escape(value)}"\s+checked', page))


def enrol(user, study):
    services.enrol(
        user, study, consent_version=1, clauses=CLAUSES, signature=user.name, age=40, criteria_confirmed=True
    )
    db.session.commit()


@pytest.fixture
def pilot(make_study, participant):
    study = make_study("recruiting", survey_defs=paged_surveys())
    enrol(participant, study)
    return study


@pytest.fixture
def page_url(pilot):
    return f"/pilots/{pilot.id}/surveys/baseline"


def post(client, url, page, action=None, **answers):
    data = {paging.FIELD: str(page), **answers}
    if action:
        data["action"] = action
    return client.post(url, data=data)


# --- Splitting the items into pages ----------------------------------------------------------------------


def test_the_items_before_the_first_section_are_the_first_page_and_each_section_starts_a_page():
    items = clean_items([SLEEP, MOOD, {"key": "who", "instrument": "who5"}, LAST, COMMENTS])
    pages = paging.split(items)
    assert [p.number for p in pages] == [1, 2, 3]
    assert [p.section and p.section["key"] for p in pages] == [None, "about_mood", "last_word"]
    assert [p.keys for p in pages] == [["sleep_hours"], [f"who_{i}" for i in range(1, 6)], ["comments"]]
    assert pages[1].section["intro"] == "Five statements about the last two weeks."


def test_a_page_with_nothing_to_show_is_left_out_but_keeps_the_numbers_of_the_others():
    items = clean_items([MOOD, SLEEP, {"key": "empty", "section": "Nothing here"}, LAST, COMMENTS])
    assert [len(p.items) for p in paging.split(items)] == [0, 1, 0, 1]  # nothing before the first section
    shown = paging.pages(items, {})
    assert [p.number for p in shown] == [2, 4]
    assert paging.at(shown, 1).number == 2 and paging.at(shown, 3).number == 4  # the next page that shows
    assert paging.after(shown, shown[0]).number == 4 and paging.before(shown, shown[0]) is None
    assert paging.position(shown, shown[1]) == 2


def test_an_error_belongs_to_the_page_of_its_answer_key():
    shown = paging.pages(clean_items([SLEEP, MOOD, {"key": "who", "instrument": "who5"}, LAST, COMMENTS]), {})
    assert paging.first_with_error(shown, {"who_4": "Please answer this question."}).number == 2
    assert paging.first_with_error(shown, {"comments": "x", "sleep_hours": "y"}).number == 1
    assert paging.first_with_error(shown, {"unknown": "x"}) is None


@pytest.mark.parametrize("raw", ["-1", "0", "999999999999", "abc", "", "2.5", " 2", "٣", None, "102"])
def test_a_page_number_is_a_small_positive_whole_number_or_nothing(raw):
    assert paging.number(raw) is None


def test_a_section_break_is_stored_plainly_and_is_no_question():
    items = clean_items([{**MOOD, "intro": "  "}, SLEEP])
    assert items[0] == {"key": "about_mood", "section": "How you feel"}  # no empty intro kept


@pytest.mark.parametrize(
    "items, message",
    [
        ([MOOD, LAST], "at least one question"),
        ([{**MOOD, "type": "likert"}, SLEEP], "not a question"),
        ([{**MOOD, "key": "sleep_hours"}, SLEEP], "used twice"),
        ([{**MOOD, "section": "a\nb"}, SLEEP], "one line"),
        ([{**MOOD, "section": "x" * 201}, SLEEP], "200"),
        ([{**MOOD, "intro": "x" * 1001}, SLEEP], "1000"),
        ([{"key": "about", "section": ""}, SLEEP], "section: This field is required"),
    ],
)
def test_a_bad_section_break_is_refused(items, message):
    with pytest.raises(Exception, match=message):
        clean_items(items)


# --- The participant's pages ------------------------------------------------------------------------------


def test_a_survey_with_sections_is_shown_one_page_at_a_time_with_its_progress(client, login, participant, page_url):
    login(participant)
    page = text(client.get(page_url))
    assert "Page 1 of 3" in page and '<progress max="3" value="1" aria-labelledby="survey-progress-text">' in page
    assert 'name="sleep_hours"' in page and 'name="who_1"' not in page and 'name="comments"' not in page
    assert f'name="{paging.FIELD}" value="1"' in page
    assert 'value="next"' in page and 'value="back"' not in page and "Send my answers" not in page
    second = text(client.get(page_url + "?page=2"))
    assert "Page 2 of 3" in second and "How you feel" in second and "Five statements about" in second
    assert 'name="who_1"' in second and 'name="sleep_hours"' not in second and 'value="back"' in second
    last = text(client.get(page_url + "?page=3"))
    assert "Page 3 of 3" in last and "Send my answers" in last and 'value="next"' not in last


def test_next_and_back_keep_the_answers_in_the_draft(client, login, participant, page_url):
    login(participant)
    moved = post(client, page_url, 1, "next", sleep_hours="7.5")
    assert moved.status_code == 302 and moved.location.endswith("/surveys/baseline?page=2")
    assert draft_answers() == {"sleep_hours": "7.5"}
    back = post(client, page_url, 2, "back", who_1="4", who_2="2")
    assert back.status_code == 302 and back.location.endswith("?page=1")
    assert draft_answers() == {"sleep_hours": "7.5", "who_1": "4", "who_2": "2"}  # kept, though unfinished
    assert 'value="7.5"' in text(client.get(back.location))
    again = text(client.get(post(client, page_url, 1, "next", sleep_hours="8").location))
    assert checked(again, "who_1", "4") and checked(again, "who_2", "2")
    assert draft_answers() == {"sleep_hours": "8", "who_1": "4", "who_2": "2"}
    assert rows(Response) == 0


def test_an_answer_cleared_on_its_page_is_cleared_from_the_draft(client, login, participant, page_url):
    login(participant)
    post(client, page_url, 2, "back", who_1="4", who_2="2")
    post(client, page_url, 2, "back", who_1="4")
    assert draft_answers() == {"who_1": "4"}


def test_next_checks_only_the_answers_of_its_page(client, login, participant, page_url):
    login(participant)
    refused = post(client, page_url, 1, "next", sleep_hours="30")
    page = text(refused)
    assert refused.status_code == 422 and "Page 1 of 3" in page and 'id="a-sleep_hours-error"' in page
    assert "Enter a value from 0 to 24." in page and 'value="30"' in page
    assert draft_answers() == {"sleep_hours": "30"}  # kept as typed, to be fixed
    assert 'id="a-who_1-error"' not in page  # the next page is not checked yet
    missing = post(client, page_url, 2, "next", who_1="3")
    page = text(missing)
    assert missing.status_code == 422 and "Page 2 of 3" in page and 'id="a-who_2-error"' in page
    assert 'id="a-sleep_hours-error"' not in page  # nor the page before
    assert post(client, page_url, 2, "next", **WHO).location.endswith("?page=3")


def test_sending_with_an_answer_missing_on_page_one_goes_back_there(client, login, participant, page_url):
    login(participant)
    post(client, page_url, 2, "next", **WHO)
    sent = post(client, page_url, 3, comments="Fine.")
    page = text(sent)
    assert sent.status_code == 422 and "Page 1 of 3" in page and 'id="a-sleep_hours-error"' in page
    assert "Some answers need your attention on page 1 of 3." in page
    assert rows(Response) == 0
    assert draft_answers() == {**WHO, "comments": "Fine."}  # the last page's answer is kept too
    post(client, page_url, 1, "next", sleep_hours="6")
    assert "Fine." in text(client.get(page_url + "?page=3"))


def test_the_last_page_sends_every_page_and_the_draft_goes(client, login, participant, page_url, pilot):
    login(participant)
    post(client, page_url, 1, "next", sleep_hours="6.5")
    post(client, page_url, 2, "next", **WHO)
    sent = post(client, page_url, 3, comments="Thanks")
    assert sent.status_code == 302 and sent.location == "/dashboard"
    stored = {a.item_key: (a.number, a.text) for a in db.session.scalars(select(Answer))}
    assert stored == {"sleep_hours": (6.5, None), **{k: (3.0, None) for k in WHO}, "comments": (None, "Thanks")}
    assert rows(SurveyDraft) == 0 and rows(Response) == 1
    assert "You have already answered this survey." in text(client.get(page_url + "?page=2"))


def test_save_and_finish_later_on_a_page_keeps_the_other_pages(client, login, participant, page_url):
    login(participant)
    post(client, page_url, 1, "next", sleep_hours="6.5")
    later = post(client, page_url, 3, "draft", comments="To be continued")
    assert later.location == "/dashboard"
    assert draft_answers() == {"sleep_hours": "6.5", "comments": "To be continued"}
    first = text(client.get(page_url))
    assert "Your draft of" in first and 'value="6.5"' in first


def test_a_survey_without_sections_stays_one_page(client, login, participant, pilot):
    services.submit_response(participant, pilot, "baseline", {"sleep_hours": 7, **{k: 3 for k in WHO}})
    db.session.commit()
    login(participant)
    url = f"/pilots/{pilot.id}/surveys/follow_up"
    page = text(client.get(url))
    assert "Page 1 of" not in page and "<progress" not in page and paging.FIELD not in page
    assert 'name="sleep_hours"' in page and 'name="who_5"' in page and 'name="sus_10"' in page
    assert 'value="next"' not in page and "Send my answers" in page
    answers = {"sleep_hours": "7", **WHO, **{f"sus_{i}": "3" for i in range(1, 11)}}
    assert client.post(url, data=answers).location == "/dashboard"
    assert rows(Response) == 2


@pytest.mark.parametrize("raw", ["-1", "0", "4", "999999999999", "abc", "", "%00", None])
def test_a_made_up_page_number_is_refused_and_saves_nothing(client, login, participant, page_url, raw):
    login(participant)
    data = {"sleep_hours": "7", "action": "next"}
    if raw is not None:
        data[paging.FIELD] = raw
    refused = client.post(page_url, data=data)
    assert refused.status_code == 400 and "This page of the survey does not exist" in text(refused)
    assert "Page 1 of 3" in text(refused)
    assert rows(SurveyDraft) == 0 and rows(Response) == 0
    shown = client.get(page_url, query_string={"page": raw or "x"})
    assert shown.status_code == 200 and ("Page 1 of 3" in text(shown) or "Page 3 of 3" in text(shown))


def test_a_page_asked_beyond_the_last_shows_the_last(client, login, participant, page_url):
    login(participant)
    assert "Page 3 of 3" in text(client.get(page_url + "?page=101"))
    assert "Page 1 of 3" in text(client.get(page_url + "?page=-2"))


def test_another_participants_draft_is_not_touched_by_my_pages(client, login, participant, pilot, make_user, page_url):
    other = make_user("participant")
    enrol(other, pilot)
    login(participant)
    post(client, page_url, 1, "next", sleep_hours="5")
    client.post("/account/signout")
    login(other)
    assert 'value="5"' not in text(client.get(page_url))
    post(client, page_url, 1, "next", sleep_hours="9")
    assert sorted(a["sleep_hours"] for a in db.session.scalars(select(SurveyDraft.answers))) == ["5", "9"]


def test_the_pages_of_a_survey_cost_the_same_queries_whatever_its_items_and_participants(
    client, login, participant, make_study, make_user, count_queries
):
    def pilot_with(pages: int):
        baseline, follow_up = sleep_surveys()
        items = [SLEEP]
        for n in range(pages):
            items += [{"key": f"part_{n}", "section": f"Part {n}"}]
            items += [{"key": f"q_{n}_{i}", "text": f"Question {n}.{i}?", "type": "likert"} for i in range(4)]
        baseline["items"] = items
        study = make_study(
            "recruiting", protocol=sleep_protocol(target_enrolment=100), survey_defs=[baseline, follow_up]
        )
        enrol(participant, study)
        return study

    def cost(study) -> list[int]:
        url = f"/pilots/{study.id}/surveys/baseline"
        db.session.commit()
        counts = []
        for request in (
            lambda: client.get(url + "?page=2"),
            lambda: post(client, url, 2, "next", **{f"q_0_{i}": "3" for i in range(4)}),
            lambda: post(client, url, 2, "back"),
        ):
            db.session.commit()
            with count_queries() as statements:
                assert request().status_code in (200, 302)
            counts.append(len(statements))
        return counts

    login(participant)
    few = cost(pilot_with(2))
    many_items = pilot_with(15)
    for _ in range(15):
        enrol(make_user("participant"), many_items)
    assert cost(many_items) == few


# --- The API ----------------------------------------------------------------------------------------------


def test_the_api_takes_and_serves_section_breaks_and_refuses_answers_to_them(
    client, api_headers, pilot, participant, startup
):
    served = client.get(f"{API}/studies/{pilot.id}/surveys/baseline", headers=api_headers(startup)).get_json()
    assert served["items"][1] == MOOD and served["items"][3] == LAST
    headers = api_headers(participant)
    base = f"{API}/studies/{pilot.id}/surveys/baseline"
    answers = {"sleep_hours": 7, **{k: 3 for k in WHO}}
    refused = client.post(f"{base}/responses", json={"answers": {**answers, "about_mood": 1}}, headers=headers)
    assert refused.status_code == 422 and set(refused.get_json()["error"]["fields"]) == {"about_mood"}
    assert client.put(f"{base}/draft", json={"answers": {"last_word": "x"}}, headers=headers).status_code == 422
    assert rows(Response) == 0 and rows(SurveyDraft) == 0
    assert client.post(f"{base}/responses", json={"answers": answers}, headers=headers).status_code == 201


def test_the_api_refuses_a_bad_section_break_and_stores_nothing(client, api_headers, make_study, startup):
    study = make_study("draft")
    headers = api_headers(startup)
    body = {"key": "extra", "title": "Extra", "timepoint": "baseline", "items": [MOOD, {**SLEEP, "key": "naps"}]}
    for bad in ({**MOOD, "type": "text"}, {**MOOD, "section": ["x"]}, {**MOOD, "intro": {"a": 1}}):
        response = client.post(
            f"{API}/studies/{study.id}/surveys", json={**body, "items": [bad, body["items"][1]]}, headers=headers
        )
        assert response.status_code in (400, 422) and response.get_json()["error"]["fields"]
    assert db.session.scalar(select(func.count()).select_from(Survey)) == 2
    created = client.post(f"{API}/studies/{study.id}/surveys", json=body, headers=headers)
    assert created.status_code == 201 and created.get_json()["items"][0] == MOOD
    added = client.post(
        f"{API}/studies/{study.id}/surveys/extra/items", json={"key": "end", "section": "The end"}, headers=headers
    )
    assert added.status_code == 201, added.get_json()


def test_openapi_describes_the_section_break(client):
    schemas = client.get(f"{API}/openapi.json").get_json()["components"]["schemas"]
    section = schemas["Section"]
    assert set(section["required"]) == {"key", "section"} and "intro" in section["properties"]
    assert "page" in section["description"]


def test_a_section_break_is_in_the_registration_hash_but_not_in_the_exports(make_study):
    plain = make_study("approved")
    paged = make_study("approved", survey_defs=paged_surveys())
    retitled = make_study(
        "approved",
        survey_defs=[
            {**s, "items": [{**i, "section": "Your mood"} if i.get("key") == "about_mood" else i for i in s["items"]]}
            for s in paged_surveys()
        ],
    )
    assert len({registration_hash(plain), registration_hash(paged), registration_hash(retitled)}) == 3
    keys = [row[0] for row in dictionary_rows(plan_for(paged))]
    assert "about_mood" not in keys and "last_word" not in keys and "comments" in keys


def test_the_results_have_no_variable_for_a_section(client, api_headers, pilot, participant, startup):
    services.submit_response(participant, pilot, "baseline", {"sleep_hours": 7, **{k: 3 for k in WHO}})
    db.session.commit()
    results = client.get(f"{API}/studies/{pilot.id}/results", headers=api_headers(startup)).get_json()
    assert "about_mood" not in results["variables"] and "sleep_hours" in results["variables"]


def test_reading_back_and_correcting_a_survey_with_sections(client, login, pilot, participant):
    services.submit_response(participant, pilot, "baseline", {"sleep_hours": 7, **{k: 3 for k in WHO}})
    db.session.commit()
    login(participant)
    read_back = client.get(f"/pilots/{pilot.id}/answers")
    assert read_back.status_code == 200 and "How you feel" not in text(read_back)
    correct = client.get(f"/pilots/{pilot.id}/surveys/baseline/correct")
    assert correct.status_code == 200 and '<h2 class="survey-section" id="a-about_mood">How you feel</h2>' in text(
        correct
    )


# --- The builder, the review page and amendments ----------------------------------------------------------


def section_form(**fields) -> dict:
    return {"kind": "section", **{f"section-{name}": value for name, value in fields.items()}}


def test_the_builder_adds_edits_and_shows_a_section(client, login, startup, make_study):
    study = make_study("draft")
    survey = study.surveys[1]
    login(startup)
    base = f"/studies/{study.id}/surveys/{survey.id}"
    assert "Add a section" in text(client.get(base))
    added = client.post(f"{base}/items", data=section_form(section="About your sleep", intro="Two questions."))
    assert added.status_code == 302, text(added)
    db.session.expire_all()
    section = db.session.get(Survey, survey.id).items[-1]
    assert section["section"] == "About your sleep" and section["intro"] == "Two questions."
    assert section["key"].startswith("about") and set(section) == {"key", "section", "intro"}
    shown = text(client.get(base))
    assert '<h3 class="item-text">About your sleep</h3>' in shown and "Section: a new page" in shown
    assert "No question follows this section yet" in shown  # it is the last item
    index = len(db.session.get(Survey, survey.id).items) - 1
    edit = text(client.get(f"{base}/items/{index}/edit"))
    assert "Edit the section" in edit and 'value="About your sleep"' in edit
    saved = client.post(
        f"{base}/items/{index}/edit", data=section_form(section="Your sleep", intro="", key=section["key"])
    )
    assert saved.status_code == 302
    db.session.expire_all()
    assert db.session.get(Survey, survey.id).items[-1] == {"key": section["key"], "section": "Your sleep"}
    preview = text(client.get(f"{base}/preview"))
    assert "Your sleep</h2>" in preview and "Participants see each section on a page of its own" in preview


def test_the_builder_refuses_a_section_without_a_title_beside_its_field(client, login, startup, make_study):
    study = make_study("draft")
    survey = study.surveys[1]
    login(startup)
    before = list(survey.items)
    refused = client.post(f"/studies/{study.id}/surveys/{survey.id}/items", data=section_form(section="  ", intro=""))
    assert refused.status_code == 422 and 'id="section-section-error"' in refused.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Survey, survey.id).items == before


def test_the_review_page_shows_sections_as_headings(client, login, coordinator, make_study):
    study = make_study("submitted", survey_defs=paged_surveys())
    login(coordinator)
    page = text(client.get(f"/studies/{study.id}/review"))
    assert "Section (new page): How you feel" in page and "Five statements about the last two weeks." in page


def test_an_amendment_keeps_the_sections_and_its_diff_names_them(client, api_headers, make_study, startup):
    from livinglab.studies.diff import differences
    from livinglab.studies.models import Amendment
    from livinglab.studies.services import frozen_record

    study = make_study("recruiting", survey_defs=paged_surveys())
    headers = api_headers(startup)
    opened = client.post(f"{API}/studies/{study.id}/amendments", json={"reason": "A page more"}, headers=headers)
    base = f"{API}/studies/{study.id}/amendments/{opened.get_json()['version']}"
    survey = client.get(f"{API}/studies/{study.id}/surveys/baseline", headers=headers).get_json()
    body = {k: survey[k] for k in ("key", "title", "timepoint", "items")}
    body["items"] = body["items"][:4] + [{"key": "naps_part", "section": "Naps"}] + body["items"][4:]
    assert client.post(f"{base}/surveys", json=body, headers=headers).status_code == 200
    db.session.expire_all()
    record = db.session.scalar(select(Amendment)).record
    proposed = next(s for s in record["surveys"] if s["key"] == "baseline")
    assert [i["key"] for i in proposed["items"] if "section" in i] == ["about_mood", "last_word", "naps_part"]
    diff = differences(frozen_record(study), record)
    changed = next(items for survey, change, items in diff["surveys"] if survey["key"] == "baseline")
    assert ("naps_part", "added") in changed


def test_a_section_title_is_wording_an_opened_survey_may_change(make_study, participant):
    from livinglab.studies.amendments import structure

    before = {"timepoint": "baseline", "items": paged_surveys()[0]["items"]}
    retitled = {
        "timepoint": "baseline",
        "items": [{**i, "section": "Mood"} if "section" in i else i for i in before["items"]],
    }
    moved = {"timepoint": "baseline", "items": [i for i in before["items"] if i.get("key") != "last_word"]}
    assert structure(before) == structure(retitled) and structure(before) != structure(moved)


# --- An expired page, a session that ended ----------------------------------------------------------------


@pytest.fixture
def csrf_on(app):
    """CSRF tokens checked, as in production (the test app switches them off), from the call on."""
    yield lambda: app.config.update(WTF_CSRF_ENABLED=True)
    app.config["WTF_CSRF_ENABLED"] = False


def test_an_expired_page_is_shown_again_with_its_answers_and_saves_nothing(
    client, login, participant, page_url, csrf_on
):
    login(participant)
    csrf_on()
    response = client.post(page_url, data={paging.FIELD: "2", "action": "next", **WHO, "csrf_token": "expired"})
    page = text(response)
    assert response.status_code == 400 and "This page had expired" in page and "Page 2 of 3" in page
    assert checked(page, "who_5", "3") and rows(SurveyDraft) == 0
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    moved = client.post(page_url, data={paging.FIELD: "2", "action": "next", **WHO, "csrf_token": token})
    assert moved.location.endswith("?page=3") and draft_answers() == WHO


def test_a_page_sent_after_the_session_ended_joins_the_draft_after_signing_in(
    app, client, login, participant, page_url, csrf_on
):
    from tests.conftest import PASSWORD, IsolatedClient

    login(participant)
    post(client, page_url, 1, "next", sleep_hours="6.5")  # page 1 in the draft
    app.test_client_class = IsolatedClient
    browser = app.test_client()  # then the session ended
    csrf_on()
    browser.get("/")
    response = browser.post(page_url, data={paging.FIELD: "2", "action": "next", **WHO, "csrf_token": "old"})
    assert response.status_code == 401
    page = text(response)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    kept = dict(re.findall(r'name="(answer-[a-z0-9_]+)" value="([^"]*)"', page))
    back = browser.post(
        page_url + "/resume", data={**kept, "csrf_token": token, "email": participant.email, "password": PASSWORD}
    )
    assert back.location == page_url
    assert draft_answers() == {"sleep_hours": "6.5", **WHO}  # page 1 kept, page 2 added


@pytest.mark.parametrize(
    "data",
    [
        {"action": "evil", "sleep_hours": "7"},
        {"action": "next", "sleep_hours": "x" * 5000},
        {"action": "next", "sleep_hours": "7\r\nSet-Cookie: a=b"},
        {"action": "back", "who_1": "3", "comments": "from another page"},
        {"action": "next", "sleep_hours": ["1", "2"]},
        {"action": ["next", "back"], "sleep_hours": "7"},
    ],
    ids=["unknown-action", "huge", "crlf", "other-page-keys", "twice", "two-actions"],
)
def test_hostile_page_posts_get_a_clear_answer_and_change_nothing_else(client, login, participant, page_url, data):
    login(participant)
    response = client.post(page_url, data={paging.FIELD: "1", **data})
    assert response.status_code in (302, 400, 422)
    assert rows(Response) == 0
    kept = draft_answers() or {}
    assert set(kept) <= {"sleep_hours"}  # only this page's own answer, never another page's sent alongside
    assert all(len(str(value)) <= 2000 for value in kept.values())


def test_someone_not_taking_part_gets_no_page_and_no_draft(client, login, make_user, page_url):
    login(make_user("participant"))
    assert client.get(page_url).status_code in (403, 404)
    assert post(client, page_url, 1, "next", sleep_hours="7").status_code in (403, 404)
    assert rows(SurveyDraft) == 0
