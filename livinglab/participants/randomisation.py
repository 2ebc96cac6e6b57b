"""Permuted-block randomisation with block sizes drawn at random, from the system's secure source, at the
protocol's ratio and within each stratum (studies/allocation.py)."""

import secrets

from sqlalchemy import func, select, update

from ..extensions import db
from ..studies import allocation, sites
from .models import AllocationSlot

_random = secrets.SystemRandom()
BLOCK_MULTIPLES = (1, 2, 3)  # a block holds each arm its share 1, 2 or 3 times, drawn at random


def permuted_block(arms: list[str], rng=_random, shares: list[int] | None = None) -> list[str]:
    """One block: every arm its share times the same multiple, in a random order."""
    multiple = rng.choice(BLOCK_MULTIPLES)
    block = [arm for arm, share in zip(arms, shares or [1] * len(arms), strict=True) for _ in range(share * multiple)]
    rng.shuffle(block)
    return block


def taken(study_ids: list[int]) -> dict[int, dict[str, int]]:
    """How many participants each age group of these pilots has taken, ever (a slot once given stays given): one
    grouped query, whatever the number of pilots."""
    if not study_ids:
        return {}
    rows = db.session.execute(
        select(AllocationSlot.study_id, AllocationSlot.stratum, func.count())
        .where(AllocationSlot.study_id.in_(study_ids), AllocationSlot.used.is_(True))
        .group_by(AllocationSlot.study_id, AllocationSlot.stratum)
    ).all()
    out: dict[int, dict[str, int]] = {}
    for study_id, stratum, n in rows:
        group = out.setdefault(study_id, {})
        band = sites.age_band(stratum)  # a pilot stratified by site counts each age group across its sites
        group[band] = group.get(band, 0) + n
    return out


def group_is_full(study, stratum: str) -> bool:
    """True when this age group has its quota; read under the study's row lock at enrolment, so that
    concurrent enrolments queue and the quota holds as the cap does."""
    limit = allocation.quota(study, stratum)
    return limit is not None and taken([study.id]).get(study.id, {}).get(stratum, 0) >= limit


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
