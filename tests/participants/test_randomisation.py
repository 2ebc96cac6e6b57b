"""Permuted blocks of random sizes: balanced arms, and an allocation nobody can foresee."""

import random
from collections import Counter

from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from livinglab.demo import food_protocol, food_surveys
from livinglab.extensions import db
from livinglab.participants import randomisation
from livinglab.participants.models import AllocationSlot
from livinglab.participants.randomisation import BLOCK_MULTIPLES, permuted_block

ARMS = st.lists(st.sampled_from(["control", "a", "b", "c"]), min_size=2, max_size=4, unique=True)


def allocate(arms, n, rng):
    sequence = []
    while len(sequence) < n:
        sequence += permuted_block(arms, rng)
    return sequence[:n]


@settings(max_examples=200, deadline=None)
@given(arms=ARMS, n=st.integers(min_value=1, max_value=400), seed=st.integers())
def test_arm_sizes_never_differ_by_more_than_one_block(arms, n, seed):
    counts = Counter(allocate(arms, n, random.Random(seed)))
    sizes = [counts.get(arm, 0) for arm in arms]
    assert max(sizes) - min(sizes) <= max(BLOCK_MULTIPLES)


@settings(max_examples=100, deadline=None)
@given(arms=ARMS, seed=st.integers())
def test_each_block_holds_every_arm_equally(arms, seed):
    block = permuted_block(arms, random.Random(seed))
    counts = Counter(block)
    assert set(counts) == set(arms) and len(set(counts.values())) == 1
    assert len(block) // len(arms) in BLOCK_MULTIPLES


def test_block_sizes_are_drawn_at_random():
    rng = random.Random(7)
    sizes = Counter(len(permuted_block(["control", "intervention"], rng)) for _ in range(300))
    assert set(sizes) == {2 * m for m in BLOCK_MULTIPLES}


def test_the_next_arm_cannot_be_guessed_from_the_earlier_ones():
    """Someone who sees every earlier allocation and bets on the arm that is behind is right 75 %
    of the time against fixed blocks of 2 (every second allocation is certain). Random block sizes
    take that certainty away: the same bettor does measurably worse."""
    rng = random.Random(2026)
    sequence = allocate(["control", "intervention"], 20_000, rng)
    hits, seen = 0, Counter()
    for arm in sequence:
        behind = min(("control", "intervention"), key=lambda a: (seen[a], rng.random()))
        hits += behind == arm
        seen[arm] += 1
    rate = hits / len(sequence)
    fixed = allocate_fixed_blocks_of_two(20_000, random.Random(1))
    assert rate < 0.72 and fixed > 0.74


def allocate_fixed_blocks_of_two(n, rng):
    hits, seen = 0, Counter()
    for _ in range(n // 2):
        block = ["control", "intervention"]
        rng.shuffle(block)
        for arm in block:
            behind = min(("control", "intervention"), key=lambda a: (seen[a], rng.random()))
            hits += behind == arm
            seen[arm] += 1
    return hits / n


def test_the_concealed_list_is_stored_a_block_at_a_time(make_study):
    study = make_study("recruiting", protocol=food_protocol(), survey_defs=food_surveys())
    arms = [randomisation.allocate(study) for _ in range(60)]
    db.session.commit()
    slots = db.session.execute(
        select(AllocationSlot.position, AllocationSlot.arm, AllocationSlot.block, AllocationSlot.used)
        .where(AllocationSlot.study_id == study.id)
        .order_by(AllocationSlot.position)
    ).all()
    assert [arm for _pos, arm, _block, _used in slots][:60] == arms
    assert [used for *_, used in slots] == [True] * 60 + [False] * (len(slots) - 60)  # each slot given once
    assert len(slots) - 60 < 2 * max(BLOCK_MULTIPLES)  # never more than one block ahead
    by_block = {}
    for _pos, arm, block, _used in slots:
        by_block.setdefault(block, Counter())[arm] += 1
    assert all(len(set(c.values())) == 1 and set(c) == set(study.arms) for c in by_block.values())


# Issue 14, item 9: ratios other than 1:1, and strata each with their own list

SHARES = st.lists(st.integers(min_value=1, max_value=4), min_size=2, max_size=4)


@settings(max_examples=200, deadline=None)
@given(shares=SHARES, seed=st.integers())
def test_a_block_holds_each_arm_its_share_times_one_multiple(shares, seed):
    arms = [f"arm{i}" for i in range(len(shares))]
    block = permuted_block(arms, random.Random(seed), shares)
    counts = Counter(block)
    multiples = {counts[arm] / share for arm, share in zip(arms, shares, strict=True)}
    assert len(multiples) == 1 and multiples.pop() in BLOCK_MULTIPLES


@settings(max_examples=150, deadline=None)
@given(
    shares=SHARES,
    strata=st.lists(st.sampled_from(["<40", "40-64", "65+"]), min_size=1, max_size=300),
    seed=st.integers(),
)
def test_within_every_stratum_the_arms_keep_the_ratio_to_within_one_block(shares, strata, seed):
    """Participants arrive in any order of strata; each stratum draws from its own blocks, so in each the count
    of every arm stays within one block of its share of the stratum's participants."""
    rng = random.Random(seed)
    arms = [f"arm{i}" for i in range(len(shares))]
    lists: dict[str, list[str]] = {}
    given_: dict[str, Counter] = {}
    for stratum in strata:
        queue = lists.setdefault(stratum, [])
        if not queue:
            queue.extend(permuted_block(arms, rng, shares))
        given_.setdefault(stratum, Counter())[queue.pop(0)] += 1
    for counts in given_.values():
        n = sum(counts.values())
        for arm, share in zip(arms, shares, strict=True):
            expected = n * share / sum(shares)
            assert abs(counts[arm] - expected) <= share * max(BLOCK_MULTIPLES)


def test_the_database_keeps_one_list_per_stratum_at_the_ratio(make_study):
    study = make_study("recruiting", protocol=food_protocol(), survey_defs=food_surveys())
    study.allocation = {"ratio": [1, 2], "age_strata": [40]}
    db.session.commit()
    arrivals = ["<40", "40+"] * 60 + ["<40"] * 30
    given_ = {"<40": Counter(), "40+": Counter()}
    for stratum in arrivals:
        given_[stratum][randomisation.allocate(study, stratum)] += 1
    db.session.commit()
    control, intervention = study.arms
    for stratum, counts in given_.items():
        n = sum(counts.values())
        assert abs(counts[intervention] - 2 * n / 3) <= 2 * max(BLOCK_MULTIPLES), (stratum, counts)
    rows = db.session.execute(
        select(AllocationSlot.stratum, AllocationSlot.block, AllocationSlot.arm).where(
            AllocationSlot.study_id == study.id
        )
    ).all()
    blocks: dict[tuple, Counter] = {}
    for stratum, block, arm in rows:
        blocks.setdefault((stratum, block), Counter())[arm] += 1
    assert {stratum for stratum, _block in blocks} == {"<40", "40+"}
    assert all(c[intervention] == 2 * c[control] for c in blocks.values())  # every block at 1:2
