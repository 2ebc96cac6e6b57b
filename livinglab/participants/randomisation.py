"""Permuted-block randomisation with block sizes drawn at random, from the system's secure source."""

import secrets

from sqlalchemy import func, select

from ..extensions import db
from .models import AllocationSlot

_random = secrets.SystemRandom()
BLOCK_MULTIPLES = (1, 2, 3)  # a block holds each arm 1, 2 or 3 times, drawn at random


def permuted_block(arms: list[str], rng=_random) -> list[str]:
    """One block: every arm the same number of times, in a random order."""
    block = list(arms) * rng.choice(BLOCK_MULTIPLES)
    rng.shuffle(block)
    return block


def arm_for_position(study, position: int) -> str:
    """The arm of the `position`-th enrolment. Runs while the enrolment holds the study's row lock,
    so blocks are generated once and in order; nobody can read the list ahead."""
    if len(study.arms) == 1:
        return study.arms[0]
    arm = db.session.scalar(
        select(AllocationSlot.arm).where(AllocationSlot.study_id == study.id, AllocationSlot.position == position)
    )
    if arm is not None:
        return arm
    last_position, last_block = db.session.execute(
        select(
            func.coalesce(func.max(AllocationSlot.position), 0), func.coalesce(func.max(AllocationSlot.block), 0)
        ).where(AllocationSlot.study_id == study.id)
    ).one()
    while last_position < position:
        last_block += 1
        for arm in permuted_block(study.arms):
            last_position += 1
            db.session.add(AllocationSlot(study_id=study.id, position=last_position, block=last_block, arm=arm))
    db.session.flush()
    return db.session.execute(
        select(AllocationSlot.arm).where(AllocationSlot.study_id == study.id, AllocationSlot.position == position)
    ).scalar_one()
