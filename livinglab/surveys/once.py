"""A survey's answers checked once per request (issue 14, review item 1).

One request of a survey page asks several times about the same answers: which questions apply (the pages
shown, the answers the form drops), what Next refuses, what Send refuses, and `submit_response` checks them
again. `check_answers` gives the same result for the same items and answers, so within one request it is
computed once and kept on `flask.g` (gone with the request, never shared between participants); outside a
request (the CLI, the analysis) it is computed each time."""

import json
from collections.abc import Callable

from flask import g, has_app_context, has_request_context

Result = tuple[dict[str, tuple], dict[str, str]]
KEPT = 8  # distinct (items, answers) pairs kept per request: a request checks one or two


def per_request(items: list[dict], answers, check: Callable[[list[dict], object], Result]) -> Result:
    """`check(items, answers)`, computed once per request for these items and these answers (both equal by
    value: a survey read again after a commit is another list of the same items); copies handed out, so that a
    caller changing them changes nothing for the next."""
    if not (has_request_context() and has_app_context()) or not isinstance(answers, dict):
        return check(items, answers)
    try:
        token = json.dumps([items, answers], sort_keys=True, ensure_ascii=False)
    except (TypeError, ValueError):  # a value JSON cannot write (never from a form or a JSON body)
        return check(items, answers)
    memo: dict = g.setdefault("_answers_checked", {})
    if token not in memo:
        if len(memo) >= KEPT:
            memo.pop(next(iter(memo)))
        memo[token] = check(items, answers)
    rows, errors = memo[token]
    return dict(rows), dict(errors)
