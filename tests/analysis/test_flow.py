"""CONSORT counts from the caller's tallies and the answers that remain."""

from livinglab.analysis.flow import consort
from livinglab.analysis.variables import long_frame
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
