"""The observatory's figures: aggregate queries across pilots.

Every query groups in SQL, so the number of queries grows with nothing: neither participants nor
answers nor studies. The verdicts of ended studies are read from their cached results in one query;
only a study whose data changed since its results were last computed costs a computation (once)."""

import math
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from flask import current_app
from sqlalchemy import distinct, func, select
from sqlalchemy.orm import selectinload

from ..audit import AuditRecord
from ..auth.models import Organisation
from ..extensions import db
from ..participants.models import Enrolment, Response
from ..results.cache import ResultsCache, results_for
from ..studies import workflow
from ..studies.models import Domain, Study, StudyStatus
from ..surveys.models import Survey
from ..timeutil import aware

DECISIONS = ("study.approve", "study.request_changes", "study.reject")
REVIEW_ACTIONS = ("study.submit", *DECISIONS)


@dataclass(frozen=True)
class Scope:
    """Which studies the figures cover: a domain, a year of creation (UTC), or all."""

    domain: str | None = None
    year: int | None = None

    def conditions(self) -> list:
        out = []
        if self.domain:
            out.append(Study.domain == self.domain)
        if self.year:
            out.append(Study.created_at >= datetime(self.year, 1, 1, tzinfo=UTC))
            if self.year < 9999:
                out.append(Study.created_at < datetime(self.year + 1, 1, 1, tzinfo=UTC))
        return out

    def domains(self) -> list[str]:
        return [self.domain] if self.domain else [str(d) for d in Domain]


@dataclass
class Round:
    """One review round: a submission and the decision that ended it (if any yet)."""

    submitted_at: datetime
    decided_at: datetime | None = None
    decision: str | None = None

    @property
    def seconds(self) -> float | None:
        return (self.decided_at - self.submitted_at).total_seconds() if self.decided_at else None


@dataclass
class StudyFigures:
    enrolled: int = 0
    retained: int = 0
    rounds: list[Round] = field(default_factory=list)


def creation_years() -> list[int]:
    """The years in which studies were created, newest first (one query)."""
    first, last = db.session.execute(select(func.min(Study.created_at), func.max(Study.created_at))).one()
    if first is None:
        return []
    return list(range(aware(last).year, aware(first).year - 1, -1))


def counts_by_domain_status(scope: Scope) -> dict[tuple[str, str], int]:
    rows = db.session.execute(
        select(Study.domain, Study.status, func.count()).where(*scope.conditions()).group_by(Study.domain, Study.status)
    )
    return {(str(domain), str(status)): n for domain, status, n in rows}


def participation(scope: Scope) -> dict[int, StudyFigures]:
    """Enrolled and retained (answered a survey of the study's last timepoint) per study, in two
    grouped queries; the last timepoint is picked from each study's list, in Python."""
    enrolled = select(Enrolment.study_id, func.count().label("n")).group_by(Enrolment.study_id).subquery()
    studies = db.session.execute(
        select(Study.id, Study.timepoints, enrolled.c.n)
        .join(enrolled, enrolled.c.study_id == Study.id)
        .where(*scope.conditions())
    ).all()
    answered = db.session.execute(
        select(Survey.study_id, Survey.timepoint, func.count(distinct(Response.enrolment_id)))
        .join(Response, Response.survey_id == Survey.id)
        .join(Study, Study.id == Survey.study_id)
        .where(*scope.conditions(), Survey.repeat.is_(None))  # completion per timepoint: reports are not one
        .group_by(Survey.study_id, Survey.timepoint)
    ).all()
    per_timepoint = {(study_id, timepoint): n for study_id, timepoint, n in answered}
    figures = {}
    for study_id, timepoints, n in studies:
        last = timepoints[-1] if timepoints else None
        figures[study_id] = StudyFigures(enrolled=n, retained=per_timepoint.get((study_id, last), 0))  # type: ignore[arg-type]  # None (no timepoint) takes the default
    return figures


def review_rounds(scope: Scope) -> dict[int, list[Round]]:
    """Each study's review rounds from the audit trail: a submission opens a round, the next
    decision closes it; a resubmission after changes were requested is a new round."""
    rows = db.session.execute(
        select(AuditRecord.study_id, AuditRecord.action, AuditRecord.at)
        .join(Study, Study.id == AuditRecord.study_id)
        .where(AuditRecord.action.in_(REVIEW_ACTIONS), *scope.conditions())
        .order_by(AuditRecord.study_id, AuditRecord.id)
    )
    rounds: dict[int, list[Round]] = defaultdict(list)
    for study_id, action, at in rows:
        mine = rounds[study_id]  # type: ignore[index]  # records joined to a study have its id
        if action == "study.submit":
            mine.append(Round(submitted_at=aware(at)))
        elif mine and mine[-1].decided_at is None:
            mine[-1].decided_at, mine[-1].decision = aware(at), action.removeprefix("study.")
    return dict(rounds)


def verdicts(scope: Scope) -> dict[int, bool | None]:
    """Whether each ended study's primary hypothesis was supported (True, False, or None when it
    could not be tested). One query reads the verdicts of every study whose cached results are up to
    date (only that boolean, not the whole results); a study whose data changed since is computed
    afresh, once, and cached for the next visit."""
    supported = ResultsCache.results[("primary_outcome", "supported")].as_boolean()
    rows = db.session.execute(
        select(Study.id, Study.data_version, ResultsCache.data_version, supported)
        .outerjoin(ResultsCache, ResultsCache.study_id == Study.id)
        .where(workflow.in_states(workflow.FINAL), *scope.conditions())
        .order_by(Study.id)
    ).all()
    out, stale = {}, []
    for study_id, version, cached_version, verdict in rows:
        if cached_version is not None and cached_version == version:
            out[study_id] = verdict
        else:
            stale.append(study_id)
    if stale:
        for study in db.session.scalars(
            select(Study).options(selectinload(Study.surveys)).where(Study.id.in_(stale)).order_by(Study.id)
        ):
            study_id = study.id
            try:
                out[study_id] = (results_for(study).get("primary_outcome") or {}).get("supported")
            except Exception:  # one study's failing analysis must not take the sector's page down
                current_app.logger.exception("Results of study %s could not be computed", study_id)
                out[study_id] = None
    return dict(sorted(out.items()))


def quantile(sorted_values: list[float], q: float) -> float:
    """Linear interpolation between order statistics (R's type 7, numpy's default)."""
    position = (len(sorted_values) - 1) * q
    low, high = math.floor(position), math.ceil(position)
    return sorted_values[low] + (sorted_values[high] - sorted_values[low]) * (position - low)


def summary(values: list[float]) -> dict:
    """n, median and quartiles (None when there is nothing to summarise)."""
    ordered = sorted(values)
    if not ordered:
        return {"n": 0, "median": None, "q1": None, "q3": None, "min": None, "max": None}
    return {
        "n": len(ordered),
        "median": quantile(ordered, 0.5),
        "q1": quantile(ordered, 0.25),
        "q3": quantile(ordered, 0.75),
        "min": ordered[0],
        "max": ordered[-1],
    }


def rate(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def figures(scope: Scope, with_verdicts: bool = True) -> dict:
    """Everything the observatory page shows, for the studies in scope."""
    domains = scope.domains()
    counts = counts_by_domain_status(scope)
    statuses = [str(s) for s in StudyStatus]
    studies = {
        "by_domain": {d: {s: counts.get((d, s), 0) for s in statuses} for d in domains},
        "by_status": {s: sum(counts.get((d, s), 0) for d in domains) for s in statuses},
        "total": sum(counts.values()),
    }
    domain_of = dict(db.session.execute(select(Study.id, Study.domain).where(*scope.conditions())).all())

    people: dict[str, dict[str, Any]] = {d: {"pilots": 0, "enrolled": 0, "retained": 0} for d in domains}
    for study_id, numbers in participation(scope).items():
        if study_id not in domain_of:  # created since the first query (PostgreSQL reads each anew)
            continue
        entry = people[str(domain_of[study_id])]
        entry["pilots"] += 1
        entry["enrolled"] += numbers.enrolled
        entry["retained"] += numbers.retained
    overall: dict[str, Any] = {
        key: sum(entry[key] for entry in people.values()) for key in ("pilots", "enrolled", "retained")
    }
    for entry in [*people.values(), overall]:
        entry["rate"] = rate(entry["retained"], entry["enrolled"])

    durations: dict[str, list[float]] = {d: [] for d in domains}
    waiting = 0
    for study_id, rounds in review_rounds(scope).items():
        if study_id not in domain_of:
            continue
        for one in rounds:
            if one.seconds is None:
                waiting += 1
            else:
                durations[str(domain_of[study_id])].append(one.seconds)
    turnaround = {
        "by_domain": {d: summary(values) for d, values in durations.items()},
        "overall": summary([v for values in durations.values() for v in values]),
        "waiting": waiting,
        "durations": durations,
    }

    outcomes = None
    if with_verdicts:
        found = verdicts(scope)
        supported = sum(1 for v in found.values() if v is True)
        not_supported = sum(1 for v in found.values() if v is False)
        outcomes = {
            "ended": len(found),
            "supported": supported,
            "not_supported": not_supported,
            "untestable": sum(1 for v in found.values() if v is None),
            "share": rate(supported, supported + not_supported),
        }
    return {
        "domains": domains,
        "statuses": statuses,
        "studies": studies,
        "participants": people,
        "overall": overall,
        "turnaround": turnaround,
        "outcomes": outcomes,
    }


EXPORT_COLUMNS = [
    "study_id",
    "title",
    "domain",
    "status",
    "organisation",
    "created_on",
    "first_submitted_on",
    "last_decided_on",
    "review_rounds",
    "enrolled",
    "retained",
    "primary_outcome_supported",
]


def export_rows(scope: Scope) -> list[dict]:
    """One row per study; counts and dates only, never a participant."""
    rows = db.session.execute(
        select(Study.id, Study.title, Study.domain, Study.status, Organisation.name, Study.created_at, Study.decided_at)
        .join(Organisation, Organisation.id == Study.organisation_id)
        .where(*scope.conditions())
        .order_by(Study.id)
    ).all()
    people, rounds, found = participation(scope), review_rounds(scope), verdicts(scope)
    out = []
    for study_id, title, domain, status, organisation, created_at, decided_at in rows:
        mine, numbers = rounds.get(study_id, []), people.get(study_id, StudyFigures())
        verdict = found.get(study_id, "")  # absent: the study has not ended
        out.append(
            {
                "study_id": study_id,
                "title": title,
                "domain": str(domain),
                "status": str(status),
                "organisation": organisation,
                "created_on": _day(created_at),
                "first_submitted_on": _day(mine[0].submitted_at) if mine else "",
                "last_decided_on": _day(decided_at),
                "review_rounds": len(mine),
                "enrolled": numbers.enrolled,
                "retained": numbers.retained,
                "primary_outcome_supported": {True: "yes", False: "no", None: "untestable"}.get(verdict, ""),  # type: ignore[arg-type]  # None (untestable) is a key
            }
        )
    return out


def _day(value: datetime | None) -> str:
    return aware(value).date().isoformat() if value else ""
