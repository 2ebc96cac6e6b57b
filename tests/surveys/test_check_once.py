"""The cost of checking a survey's answers (issue 14, review item 1): one request of a survey page checks its
answers once (it did 3 to 6 times), and deciding what applies walks the survey once, not once per condition.
bench/survey_check_bench.py measures the time; here, the counts that made it grow."""

import pytest

from livinglab.surveys import answers, branching, reuse
from livinglab.surveys.answers import check_answers
from livinglab.surveys.definitions import clean_items
from tests.surveys.test_branching_pages import pilot, post, stored, url  # noqa: F401  (fixtures)


@pytest.fixture
def real_checks(monkeypatch):
    """How many times the answers were really checked (not handed back from this request's first check)."""
    calls = {"n": 0}
    original = answers.checked_now

    def counting(*args, **kwargs):
        calls["n"] += 1
        return original(*args, **kwargs)

    monkeypatch.setattr(answers, "checked_now", counting)
    return calls


def test_a_page_request_checks_its_answers_once(client, login, participant, url, real_checks):  # noqa: F811
    login(participant)
    assert post(client, url, 1, "next", sleep_hours="7", smoker="true").location.endswith("?page=2")
    assert real_checks["n"] == 1
    real_checks["n"] = 0
    assert client.get(url + "?page=2").status_code == 200
    assert real_checks["n"] == 1
    real_checks["n"] = 0
    post(client, url, 2, "next", cigarettes="10", cravings_1="4", cravings_2="2")
    real_checks["n"] = 0
    assert post(client, url, 3).location == "/dashboard"  # sending: the page's check and submit_response's
    assert real_checks["n"] == 1
    assert stored()["cigarettes"] == (10.0, None, False)


def test_an_answer_changed_in_the_same_request_is_checked_again(app):
    items = clean_items([{"key": "n", "text": "N?", "type": "number", "min": 0, "max": 5}])
    with app.test_request_context():
        assert check_answers(items, {"n": 3})[1] == {}
        assert "n" in check_answers(items, {"n": 9})[1]  # other answers: checked anew
        rows, _errors = check_answers(items, {"n": 3})
        rows["n"] = "changed by a caller"
        assert check_answers(items, {"n": 3})[0] == {"n": (3.0, None)}  # a copy was handed out


def survey(n: int) -> list[dict]:
    """`n` questions, each but the first with a condition on the one before it."""
    items = [{"key": "q0", "text": "Q?", "type": "yes_no"}]
    for i in range(1, n):
        show_if = {"all": [{"key": f"q{i - 1}", "op": "equals", "value": True}]}
        items.append({"key": f"q{i}", "text": "Q?", "type": "yes_no", "show_if": show_if})
    return items


@pytest.fixture
def walked(monkeypatch):
    """How many items `branching.sources` read, in all."""
    seen = {"n": 0}
    original = branching.as_variables

    def counting(items):
        for item in original(items):
            seen["n"] += 1
            yield item

    monkeypatch.setattr(branching, "as_variables", counting)
    return seen


def test_what_applies_is_decided_in_one_walk_of_the_survey(app, walked):
    items = survey(100)
    given = {f"q{i}": True for i in range(100)}
    with app.test_request_context():
        rows, errors = answers.checked_now(items, given)
        assert errors == {} and len(rows) == 100
        assert walked["n"] <= 2 * len(items)  # it read the survey once per condition: 100 × 100
        walked["n"] = 0
        assert branching.applicable_only(items, {**given, "q0": False}) == {"q0": False}
        assert walked["n"] <= 3 * len(items)


def test_checking_the_references_and_a_copy_walk_the_survey_once(app, walked):
    items = survey(100)
    with app.test_request_context():
        assert branching.check_references(items) == {}
        assert walked["n"] <= 2 * len(items)
        walked["n"] = 0
        assert reuse.unmet_conditions(items[50:], items[:50]) == []
        assert reuse.unmet_conditions(items[50:], []) == ["q50"]  # its source is not asked before it
        assert walked["n"] <= 4 * len(items)
