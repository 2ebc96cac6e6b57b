"""Data-quality flags: straight-lining, impossibly fast responses, implausible values (hand-checked)."""

from hypothesis import given, settings
from hypothesis import strategies as st

from livinglab.analysis.quality import merge_flags, out_of_range, straight_lining, too_fast


def test_straight_lining_flags_identical_answers_only():
    answers = {"r1": [3, 3, 3, 3, 3], "r2": [3, 3, 4, 3, 3], "r3": [5, 5], "r4": [2, None, 2, 2]}
    assert straight_lining(answers) == {"r1": [{"code": "straight_lining", "items": 5, "value": 3.0}]}


def test_too_fast_uses_seconds_per_item():
    flags = too_fast({"r1": 15, "r2": 25, "r3": None}, items=10, seconds_per_item=2)
    assert flags == {"r1": [{"code": "too_fast", "seconds": 15.0, "threshold": 20.0, "items": 10}]}
    assert too_fast({"r1": 5}, items={"r1": 2}) == {}


def test_out_of_range_checks_declared_items_and_open_ends():
    values = {"r1": {"sleep": 25, "age": 40}, "r2": {"sleep": 7, "weight": -3}, "r3": {"sleep": "n/a"}}
    flags = out_of_range(values, {"sleep": (0, 16), "weight": (1, None)})
    assert flags == {
        "r1": [{"code": "out_of_range", "item": "sleep", "value": 25.0, "min": 0, "max": 16}],
        "r2": [{"code": "out_of_range", "item": "weight", "value": -3.0, "min": 1, "max": None}],
    }


def test_merge_keeps_every_flag():
    merged = merge_flags({"r1": [{"code": "a"}]}, {"r1": [{"code": "b"}], "r2": [{"code": "c"}]})
    assert merged == {"r1": [{"code": "a"}, {"code": "b"}], "r2": [{"code": "c"}]}


@settings(deadline=None, max_examples=60)
@given(st.dictionaries(st.text(min_size=1, max_size=3), st.lists(st.integers(1, 5), min_size=3, max_size=10)))
def test_straight_lining_means_a_single_value(answers):
    flags = straight_lining(answers)
    for response, values in answers.items():
        assert (response in flags) == (len(set(values)) == 1)
