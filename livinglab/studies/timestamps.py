"""What a study's `updated_at` means: the last change of its protocol, consent, surveys or status.

Participant activity (screening, enrolment, answers, withdrawals) changes only the study's counters
(`enrolled_count`, `data_version`), never `updated_at`: "Updated" on the lists and in the API follows
what the startup and the coordinators did to the pilot, not who took part in it. One listener sets it,
before each flush, so that no service has to remember to (a new lifecycle move included)."""

from sqlalchemy import event, inspect
from sqlalchemy.orm import Session

from ..timeutil import utcnow
from .models import ConsentVersion, Study

# Columns moved by participants' activity: they never make the protocol "updated".
ACTIVITY_COLUMNS = frozenset({"enrolled_count", "data_version", "updated_at"})


def _protocol_changed(study: Study) -> bool:
    state = inspect(study)
    return any(
        attr.key not in ACTIVITY_COLUMNS and attr.history.has_changes()
        for attr in state.attrs
        if attr.key in Study.__table__.columns
    )


def _study_of(session: Session, obj) -> Study | None:
    study = getattr(obj, "study", None)
    if study is None and getattr(obj, "study_id", None) is not None:
        study = session.get(Study, obj.study_id)
    return study


@event.listens_for(Session, "before_flush")
def touch_studies(session: Session, _context, _instances) -> None:
    """Stamp `updated_at` on each study whose protocol, consent, surveys or status change in this flush."""
    from ..surveys.models import Survey  # the surveys package builds on this one

    touched = {}
    for obj in [*session.new, *session.dirty, *session.deleted]:
        if isinstance(obj, Study):
            if obj not in session.new and obj not in session.deleted and _protocol_changed(obj):
                touched[id(obj)] = obj
        elif isinstance(obj, (Survey, ConsentVersion)):
            if obj in session.dirty and not session.is_modified(obj):
                continue
            study = _study_of(session, obj)
            if study is not None and study not in session.deleted:
                touched[id(study)] = study
    now = utcnow()
    for study in touched.values():
        study.updated_at = now
