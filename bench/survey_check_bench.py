"""Survey answer-checking benchmark (issue 14, review item 1): the survey logic of one request of a survey with
sections and conditions, at 20, 80 and 200 items, and the growth between sizes, in one run.

Run by hand, never by the test suite:

    .venv/bin/python bench/survey_check_bench.py                 # 20, 80, 200 items
    .venv/bin/python bench/survey_check_bench.py --sizes 20,80,200 --runs 30

A request here is what participants/survey_pages.py computes about the answers, without the database and the
template: "Next" on the middle page (`applicable_only`, `pages`, `page_errors`, `pages` again for the redirect),
then the page shown (`pages`, `looked_at_elsewhere`), then "Send my answers" (`applicable_only`, `pages`,
`check_answers` as `send` makes it, and once more as `submit_response` makes it), each in its own request
context. The survey: every 10 items a section break, then questions of every kind that conditions read (yes/no,
number, a single choice with "Other", a Likert scale, a matrix), of which half have a condition on an earlier
answer (some on an earlier page). 200 items is above the 100 a survey may hold: a stress size, to see the growth.
It prints, per size, the median time per request, how many times the answers were checked per request (real
checks: `answers.check_answers` doing the work), and the ratio of the time to the previous size's."""

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from livinglab import create_app  # noqa: E402
from livinglab.surveys import answers as answers_module  # noqa: E402
from livinglab.surveys import branching, paging  # noqa: E402


def survey(n_items: int) -> tuple[list[dict], dict]:
    """`n_items` items (sections included) and answers to every question that applies."""
    items: list[dict] = []
    answers: dict = {}
    i = 0
    while len(items) < n_items:
        if len(items) % 10 == 0:
            items.append({"key": f"s{i}", "section": f"Part {i}"})
            i += 1
            continue
        k = len(items)
        kind = k % 5
        if kind == 0:
            item = {"key": f"yes{k}", "text": "Yes?", "type": "yes_no"}
            answers[item["key"]] = True
        elif kind == 1:
            item = {"key": f"num{k}", "text": "How many?", "type": "number", "min": 0, "max": 100}
            answers[item["key"]] = 7
        elif kind == 2:
            item = {"key": f"ch{k}", "text": "Which?", "type": "single_choice", "choices": ["A", "B"], "other": True}
            answers[item["key"]] = "A"
        elif kind == 3:
            item = {"key": f"lik{k}", "text": "How much?", "type": "likert", "min": 1, "max": 5}
            answers[item["key"]] = 4
        else:
            item = {"key": f"mx{k}", "text": "Rate", "type": "matrix", "rows": ["a", "b"], "min": 1, "max": 5}
            answers.update({f"mx{k}_1": 3, f"mx{k}_2": 2})
        earlier = [x for x in items if x.get("type") in ("yes_no", "number")]
        if k % 2 and earlier:  # half the questions have a condition, on an earlier (maybe far) answer
            source = earlier[(k * 7) % len(earlier)]
            value = True if source["type"] == "yes_no" else 3
            op = "equals" if source["type"] == "yes_no" else "greater_than"
            item["show_if"] = {"all": [{"key": source["key"], "op": op, "value": value}]}
        items.append(item)
    return items, answers


def one_request(app, items: list[dict], answers: dict) -> None:
    defined = paging.split(items)
    page = defined[len(defined) // 2]
    with app.test_request_context("/", method="POST"):  # Next on the middle page
        answered = branching.applicable_only(items, answers)
        shown = paging.pages(items, answered)
        paging.page_errors(items, page, answered)
        paging.after(paging.pages(items, answered), paging.at(shown, page.number))
    with app.test_request_context("/"):  # the next page shown
        shown = paging.pages(items, answered)
        paging.looked_at_elsewhere(items, paging.at(shown, page.number + 1), answered)
    with app.test_request_context("/", method="POST"):  # Send my answers
        answered = branching.applicable_only(items, answers)
        paging.pages(items, answered)
        answers_module.check_answers(items, answered)  # survey_pages.send
        answers_module.check_answers(items, answered)  # participants.services.submit_response


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="20,80,200")
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "bench"})
    real = "checked_now" if hasattr(answers_module, "checked_now") else "check_answers"
    counted = {"n": 0}
    original = getattr(answers_module, real)

    def counting(*args, **kwargs):
        counted["n"] += 1
        return original(*args, **kwargs)

    setattr(answers_module, real, counting)
    if real == "check_answers":  # before the fix every module holds its own reference
        from livinglab.surveys import paging as paging_module

        paging_module.check_answers = counting  # type: ignore[assignment]
    previous = None
    print(f"{'items':>6} {'keys':>5} {'ms/request':>11} {'checks/request':>15} {'× previous size':>16}")
    for size in [int(x) for x in args.sizes.split(",")]:
        items, answers = survey(size)
        one_request(app, items, answers)  # warm
        times = []
        for _ in range(args.runs):
            counted["n"] = 0
            started = time.perf_counter()
            one_request(app, items, answers)
            times.append(time.perf_counter() - started)
        median = statistics.median(times) / 3 * 1000  # three requests per round
        growth = f"{median / previous:.1f}" if previous else "-"
        print(f"{size:>6} {len(answers):>5} {median:>11.2f} {counted['n'] / 3:>15.1f} {growth:>16}")
        previous = median
    return 0


if __name__ == "__main__":
    sys.exit(main())
