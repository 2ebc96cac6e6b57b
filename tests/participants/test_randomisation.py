"""Permuted blocks of random sizes: balanced arms, and an allocation nobody can foresee; on the database, the real
allocation keeps the ratio within every stratum (property tests at the end)."""

import math
import random
from collections import Counter

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, select

from livinglab.demo import food_protocol, food_surveys
from livinglab.extensions import db
from livinglab.participants import randomisation
from livinglab.participants import services as participation
from livinglab.participants.models import AllocationSlot, Enrolment
from livinglab.participants.randomisation import BLOCK_MULTIPLES, permuted_block
from livinglab.studies import allocation, sites

ARMS = st.lists(st.sampled_from(["control", "a", "b", "c"]), min_size=2, max_size=4, unique=True)


def blocks_one_after_another(arms, n, rng):
    """The first n arms of a list made of `permuted_block`s one after another: what `randomisation.allocate` gives a
    stratum (the property tests below check that on the database)."""
    sequence = []
    while len(sequence) < n:
        sequence += permuted_block(arms, rng)
    return sequence[:n]


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
    sequence = blocks_one_after_another(["control", "intervention"], 20_000, rng)
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


# Property tests of the real allocation, on the database (issue 14, item 9: "randomisation property tests cover
# strata and ratios"). The expectations come from the ratio and from what the README promises: a block holds each
# arm its share 1, 2 or 3 times, in a random order; 2:4 is kept as 1:2; every stratum (age band, or site and age
# band with `by_site`) has its own list; the list is generated a block at a time, each slot given once, never shown.

RATIOS = st.sampled_from([(1, 1), (1, 2), (2, 3), (1, 1, 1), (1, 2, 2)]) | st.lists(
    st.integers(min_value=1, max_value=4), min_size=2, max_size=3
).map(tuple)
AT_MOST = 3  # the largest multiple of its share an arm has in a block (README)
SITE_KEYS = ["ward_3", "pharmacy", "canteen"]
SITES_OF_PILOT = [{"key": key, "name": key.replace("_", " ").title()} for key in SITE_KEYS]


def reduced(ratio) -> list[int]:
    common = math.gcd(*ratio)
    return [share // common for share in ratio]


def assert_keeps_the_ratio(sequence: list[str], arms: list[str], ratio) -> None:
    """The arms given to one stratum, in order, judged from the ratio alone: at any moment each arm is within the
    bound a block allows of its share of the participants so far, and never a whole largest block goes by without
    the counts coming back exactly to the ratio (they do at the end of every block)."""
    shares = reduced(ratio)
    total = sum(shares)
    counts: Counter = Counter()
    exact_at = 0
    for n, arm in enumerate(sequence, 1):
        assert arm in arms
        counts[arm] += 1
        for name, share in zip(arms, shares, strict=True):
            # |count - n·share/total| ≤ AT_MOST·share·(total − share)/total, multiplied through by `total`
            assert abs(counts[name] * total - n * share) <= AT_MOST * share * (total - share), (sequence, ratio)
        if n % total == 0 and all(counts[name] == n // total * share for name, share in zip(arms, shares, strict=True)):
            exact_at = n
        assert n - exact_at < AT_MOST * total, (sequence, ratio)


def stored_lists(study) -> dict[str, list[tuple[int, str, bool]]]:
    """Each stratum's concealed list as the database holds it: (block, arm, given) in the order of its slots."""
    rows = db.session.execute(
        select(AllocationSlot.stratum, AllocationSlot.block, AllocationSlot.arm, AllocationSlot.used)
        .where(AllocationSlot.study_id == study.id)
        .order_by(AllocationSlot.stratum, AllocationSlot.position)
    ).all()
    out: dict[str, list[tuple[int, str, bool]]] = {}
    for stratum, block, arm, used in rows:
        out.setdefault(stratum, []).append((block, arm, used))
    return out


def assert_blocks_at_the_ratio(lists, arms, ratio) -> None:
    shares = reduced(ratio)
    for slots in lists.values():
        blocks: dict[int, Counter] = {}
        for block, arm, _used in slots:
            blocks.setdefault(block, Counter())[arm] += 1
        for counts in blocks.values():
            multiple = counts[arms[0]] // shares[0]
            assert 1 <= multiple <= AT_MOST
            assert {arm: counts[arm] for arm in arms} == {
                arm: multiple * s for arm, s in zip(arms, shares, strict=True)
            }
        given = [used for _block, _arm, used in slots]
        assert given == sorted(given, reverse=True)  # slots given in order, each once
        assert given.count(False) < AT_MOST * sum(shares)  # never more than the rest of the current block ahead


@pytest.fixture
def pilot(make_study):
    return make_study(
        "recruiting", protocol=food_protocol(sites=SITES_OF_PILOT, target_enrolment=10_000), survey_defs=food_surveys()
    )


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    ratio=RATIOS,
    cuts=st.lists(st.integers(min_value=30, max_value=75), max_size=2, unique=True),
    by_site=st.booleans(),
    arrivals=st.lists(
        st.tuples(st.integers(min_value=18, max_value=95), st.sampled_from(SITE_KEYS)), min_size=1, max_size=45
    ),
)
def test_the_allocation_keeps_the_ratio_within_every_stratum_and_stays_concealed(pilot, ratio, cuts, by_site, arrivals):
    """People of any age and site arrive in any order; `randomisation.allocate` draws each from the list of the
    stratum the real code derives from their age (the eligibility answer) and site. Within every stratum the arms
    keep the ratio; no list exists before its stratum's first participant, and only the rest of the current block
    is ever decided ahead."""
    db.session.execute(delete(AllocationSlot).where(AllocationSlot.study_id == pilot.id))
    arms = [f"arm_{i}" for i in range(len(ratio))]
    pilot.arms = arms
    pilot.allocation = {"ratio": list(ratio), "age_strata": cuts, "quotas": {}, "by_site": by_site}
    given_to: dict[tuple, list[str]] = {}
    for age, site in arrivals:
        group = (site if by_site else "", sum(1 for cut in cuts if cut <= age))  # the stratum, worked out by hand
        if group not in given_to:  # nobody of this stratum yet: no arm of theirs exists anywhere
            assert len(stored_lists(pilot)) == len(given_to)
        stratum = sites.randomisation_stratum(pilot, site, allocation.stratum(pilot, age))
        given_to.setdefault(group, []).append(randomisation.allocate(pilot, stratum))
    for sequence in given_to.values():
        assert_keeps_the_ratio(sequence, arms, ratio)
    lists = stored_lists(pilot)
    assert len(lists) == len(given_to)  # one list per stratum, none shared
    assert sorted(len([s for s in slots if s[2]]) for slots in lists.values()) == sorted(map(len, given_to.values()))
    assert_blocks_at_the_ratio(lists, arms, ratio)
    db.session.rollback()


@pytest.fixture
def people(make_user):
    return [make_user("participant") for _ in range(8)]


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    ratio=st.sampled_from([(1, 2), (2, 3), (1, 1, 1), (1, 2, 2)]),
    by_site=st.booleans(),
    answers=st.lists(st.tuples(st.integers(min_value=18, max_value=95), st.sampled_from(SITE_KEYS[:2])), max_size=8),
)
def test_enrolments_are_randomised_in_the_stratum_of_their_answers_at_the_ratio(
    make_study, people, ratio, by_site, answers
):
    """Through the enrolment service: the age answered at the eligibility check and the site chosen pick the list;
    in each age band (and site, with `by_site`) the arms given keep the ratio, and each enrolment keeps its band
    and site."""
    arms = ["usual_menu", "plant_based", "mixed"][: len(ratio)]
    spec = {"ratio": list(ratio), "age_strata": [65], "quotas": {}, "by_site": by_site}
    study = make_study(
        "recruiting",
        protocol=food_protocol(sites=SITES_OF_PILOT[:2], arms=arms, allocation=spec, target_enrolment=100),
        survey_defs=food_surveys(),
    )
    consent = study.current_consent
    for person, (age, site) in zip(people[: len(answers)], answers, strict=True):
        participation.enrol(
            person,
            study,
            consent_version=consent.version,
            clauses={c["key"]: True for c in consent.clauses},
            signature=person.name,
            age=age,
            criteria_confirmed=True,
            site=site,
        )
    db.session.commit()
    enrolled = db.session.execute(
        select(Enrolment.arm, Enrolment.stratum, Enrolment.site)
        .where(Enrolment.study_id == study.id)
        .order_by(Enrolment.position)
    ).all()
    assert [(stratum, site) for _arm, stratum, site in enrolled] == [
        ("65+" if age >= 65 else "<65", site) for age, site in answers
    ]
    given_to: dict[tuple, list[str]] = {}
    for arm, stratum, site in enrolled:
        given_to.setdefault((site if by_site else "", stratum), []).append(arm)
    for sequence in given_to.values():
        assert_keeps_the_ratio(sequence, arms, ratio)
    assert len(stored_lists(study)) == len(given_to)
