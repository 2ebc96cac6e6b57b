"""CONSORT counts from the caller's tallies and the answers that remain."""

import pandas as pd

from livinglab.analysis.flow import consort
from livinglab.analysis.variables import COLUMNS, long_frame
from tests.analysis.builders import frame, pre_post


def test_flow_reads_tallies_and_counts_completion_from_the_answers():
    answers = long_frame(frame(pre_post([1, 2, 3], [2, None, 4])))
    counts = {
        "screened": 9,
        "eligible": 6,
        "excluded": {"age": 2},
        "criterion:1": 1,
        "enrolled": 5,
        "allocated": {"intervention": 5},
        "withdrawn": 1,
    }
    flow = consort(counts, answers, ["intervention"], ["baseline", "follow_up"], {"intervention": 2})
    assert flow == {
        "screened": 9,
        "eligible": 6,
        "excluded": {"age": 2, "criterion:1": 1},
        "enrolled": 5,
        "allocated": {"intervention": 5},
        "withdrawn": 1,
        "withdrawn_erased": 0,
        "completed": {"baseline": 3, "follow_up": 2},
        "completed_by_arm": {"intervention": {"baseline": 3, "follow_up": 2}},
        "analysed": 2,
        "analysed_by_arm": {"intervention": 2},
    }


def test_flow_without_tallies_or_answers_is_all_zeros():
    flow = consort(None, long_frame(None), ["control", "intervention"], ["t0"], {})
    assert flow["allocated"] == {"control": 0, "intervention": 0}
    assert flow["completed"] == {"t0": 0} and flow["analysed"] == 0


def test_completion_counts_each_participant_once_and_only_rows_with_an_answer_and_labels():
    rows = [
        ("P1", "a", "t0", "x", 1.0, None),
        ("P1", "a", "t0", "y", None, "yes"),  # a second answer: still one participant
        ("P2", "b", "t0", "x", None, None),  # nothing given
        ("P3", None, "t0", "x", 2.0, None),  # no arm: counted at t0, in no arm
        ("P4", "a", None, "x", 3.0, None),  # no timepoint: not counted
        ("P5", "a", "t1", "note", None, "fine"),
        (None, "b", "t1", "x", 4.0, None),  # no participant: not counted
    ]
    answers = long_frame(pd.DataFrame(rows, columns=COLUMNS))
    flow = consort(None, answers, ["a", "b"], ["t0", "t1"], {})
    assert flow["completed"] == {"t0": 2, "t1": 1}
    assert flow["completed_by_arm"] == {"a": {"t0": 1, "t1": 1}, "b": {"t0": 0, "t1": 0}}
