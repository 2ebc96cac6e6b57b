"""Permuted-block randomisation with block sizes drawn at random, from the system's secure source, at the
protocol's ratio and within each stratum (studies/allocation.py)."""

import secrets

from sqlalchemy import func, select, update

from ..extensions import db
from ..studies import allocation
from .models import AllocationSlot

_random = secrets.SystemRandom()
BLOCK_MULTIPLES = (1, 2, 3)  # a block holds each arm its share 1, 2 or 3 times, drawn at random


def permuted_block(arms: list[str], rng=_random, shares: list[int] | None = None) -> list[str]:
    """One block: every arm its share times the same multiple, in a random order."""
    multiple = rng.choice(BLOCK_MULTIPLES)
    block = [arm for arm, share in zip(arms, shares or [1] * len(arms), strict=True) for _ in range(share * multiple)]
    rng.shuffle(block)
    return block


def allocate(study, stratum: str = allocation.NO_STRATUM) -> str:
    """The arm of the next participant of this stratum: the first slot of its concealed list not given yet,
    generating the next block when none is left. Runs while the enrolment holds the study's row lock, so
    blocks are generated once and in order, a slot is given once, and nobody can read the list ahead. A slot
    once given stays given, even when its participant's data are erased later."""
    if len(study.arms) == 1:
        return study.arms[0]
    in_stratum = (AllocationSlot.study_id == study.id, AllocationSlot.stratum == stratum)
    slot = db.session.scalar(
        select(func.min(AllocationSlot.position)).where(*in_stratum, AllocationSlot.used.is_(False))
    )
    if slot is None:
        last_position, last_block = db.session.execute(
            select(
                func.coalesce(func.max(AllocationSlot.position), 0), func.coalesce(func.max(AllocationSlot.block), 0)
            ).where(*in_stratum)
        ).one()
        block = last_block + 1
        for offset, arm in enumerate(permuted_block(study.arms, shares=allocation.shares(study)), start=1):
            db.session.add(
                AllocationSlot(
                    study_id=study.id, stratum=stratum, position=last_position + offset, block=block, arm=arm
                )
            )
        db.session.flush()
        slot = last_position + 1
    db.session.execute(update(AllocationSlot).where(*in_stratum, AllocationSlot.position == slot).values(used=True))
    return db.session.execute(
        select(AllocationSlot.arm).where(*in_stratum, AllocationSlot.position == slot)
    ).scalar_one()
