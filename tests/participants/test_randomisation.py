"""Permuted blocks of random sizes: balanced arms, and an allocation nobody can foresee."""

import random
from collections import Counter

from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from livinglab.demo import food_protocol, food_surveys
from livinglab.extensions import db
from livinglab.participants.models import AllocationSlot
from livinglab.participants.randomisation import BLOCK_MULTIPLES, arm_for_position, permuted_block

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
    arms = [arm_for_position(study, position) for position in range(1, 61)]
    db.session.commit()
    slots = db.session.execute(
        select(AllocationSlot.position, AllocationSlot.arm, AllocationSlot.block)
        .where(AllocationSlot.study_id == study.id)
        .order_by(AllocationSlot.position)
    ).all()
    assert [arm for _pos, arm, _block in slots][:60] == arms
    assert len(slots) - 60 < 2 * max(BLOCK_MULTIPLES)  # never more than one block ahead
    by_block = {}
    for _pos, arm, block in slots:
        by_block.setdefault(block, Counter())[arm] += 1
    assert all(len(set(c.values())) == 1 and set(c) == set(study.arms) for c in by_block.values())
    assert arm_for_position(study, 5) == arms[4]  # the same position always gets the same arm
