"""The study lifecycle: one table of allowed moves, the predicates every page and the API read, and one
function that makes the moves."""

from flask_babel import LazyString
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from .. import audit
from ..errors import Conflict
from ..timeutil import utcnow
from .models import Study
from .models import StudyStatus as S

INITIAL = S.DRAFT  # a new study
# move -> {from state: to state}
TRANSITIONS: dict[str, dict[S, S]] = {
    "submit": {S.DRAFT: S.SUBMITTED, S.CHANGES_REQUESTED: S.SUBMITTED},
    "approve": {S.SUBMITTED: S.APPROVED},
    "request_changes": {S.SUBMITTED: S.CHANGES_REQUESTED},
    "reject": {S.SUBMITTED: S.REJECTED},
    "open": {S.APPROVED: S.RECRUITING, S.PAUSED: S.RECRUITING},
    "pause": {S.RECRUITING: S.PAUSED},
    # Closing stops new enrolments only; a closed recruitment never reopens.
    "close": {S.RECRUITING: S.CLOSED, S.PAUSED: S.CLOSED},
    # Ending stops the data collection: no more answers, the results are final.
    "end": {S.RECRUITING: S.ENDED, S.PAUSED: S.ENDED, S.CLOSED: S.ENDED},
}

# What each state means: the sets below, and one predicate per meaning (with its SQL form where a list needs
# it). Nothing else in the package compares a study's status.
EDITABLE = frozenset({S.DRAFT, S.CHANGES_REQUESTED})  # the protocol, consent and surveys may change
REVIEWABLE = frozenset({S.SUBMITTED})  # waiting for a coordinator's decision
# Approved at least once: the pilot has a public page, results and exports (the analysis plan is frozen).
APPROVED_ONCE = frozenset({S.APPROVED, S.RECRUITING, S.PAUSED, S.CLOSED, S.ENDED})
RECRUITING = frozenset({S.RECRUITING})  # listed in the catalogue, takes new participants
# Enrolled participants answer their timepoints while the study is in one of these.
COLLECTING = frozenset({S.RECRUITING, S.PAUSED, S.CLOSED})
FINAL = frozenset({S.ENDED})  # data collection over: the results are final
# An approved protocol may be amended (studies/amendments.py) until the pilot ends.
AMENDABLE = frozenset({S.APPROVED, S.RECRUITING, S.PAUSED, S.CLOSED})
RECRUITMENT_MOVES = {"recruiting": "open", "paused": "pause", "closed": "close"}

STATUS_LABELS: dict[str, LazyString] = {
    S.DRAFT: _l("Draft"),
    S.SUBMITTED: _l("Submitted for review"),
    S.CHANGES_REQUESTED: _l("Changes requested"),
    S.APPROVED: _l("Approved"),
    S.REJECTED: _l("Rejected"),
    S.RECRUITING: _l("Recruiting"),
    S.PAUSED: _l("Recruitment paused"),
    S.CLOSED: _l("Recruitment closed"),
    S.ENDED: _l("Ended"),
}


# What the startup does next, by state (a draft's sentence counts what is missing: studies/views.py)
NEXT_STEPS = {
    S.SUBMITTED: _l("Waiting for review"),
    S.APPROVED: _l("Open recruitment"),
    S.RECRUITING: _l("Recruitment is open"),
    S.PAUSED: _l("Resume or close recruitment"),
    S.REJECTED: _l("Rejected: read the reviewer's comments"),
    S.CLOSED: _l("Recruitment is closed: participants finish their surveys, then end the pilot"),
    S.ENDED: _l("The pilot has ended: its results are final"),
}
# What a recruitment move did, by the state it led to
RECRUITMENT_CHANGED = {
    S.RECRUITING: _l("Recruitment is open: the study is listed in the catalogue."),
    S.PAUSED: _l("Recruitment is paused: the study is hidden from the catalogue."),
    S.CLOSED: _l("Recruitment is closed. The participants enrolled go on answering their surveys."),
}


def allowed(study: Study, move: str) -> bool:
    return study.status in TRANSITIONS.get(move, {})


def is_editable(study: Study) -> bool:
    return study.status in EDITABLE


def is_submittable(study: Study) -> bool:
    return allowed(study, "submit")


def is_reviewable(study: Study) -> bool:
    """Submitted, waiting for a decision: approve, request changes or reject."""
    return study.status in REVIEWABLE


def changes_requested(study: Study) -> bool:
    """Sent back by the reviewer: the startup fixes the requested changes."""
    return study.status == S.CHANGES_REQUESTED


def is_approved(study: Study) -> bool:
    """Just approved: recruitment has never opened (the first opening, not a resumption)."""
    return study.status == S.APPROVED


def approved_once(study: Study) -> bool:
    """The protocol was approved: its public page exists (enrolment answers 409 rather than 404)."""
    return study.status in APPROVED_ONCE


def is_recruiting(study: Study) -> bool:
    return study.status in RECRUITING


def is_amendable(study: Study) -> bool:
    """Approved and not ended: a new version of the protocol may be proposed."""
    return study.status in AMENDABLE


def recruitment_adjustable(study: Study) -> bool:
    """Recruitment can be opened, paused or closed from here."""
    return any(allowed(study, move) for move in RECRUITMENT_MOVES.values())


def takes_answers(study: Study) -> bool:
    """Enrolled participants may answer (recruitment open, paused or closed, the pilot not ended)."""
    return study.status in COLLECTING


def results_available(study: Study) -> bool:
    """Results and exports exist from approval on, whatever happens to recruitment."""
    return study.status in APPROVED_ONCE


is_exportable = results_available  # the exports are the results' data: the same moment


def is_endable(study: Study) -> bool:
    return allowed(study, "end")


def is_interim(study: Study) -> bool:
    """Results are interim until the pilot ends: more answers may come."""
    return study.status not in FINAL


def is_final(study: Study) -> bool:
    """The pilot ended: no more answers, the results are final (closing recruitment is not the end)."""
    return study.status in FINAL


def in_states(states: frozenset):
    """The SQL condition for a set of states above: `select(Study).where(in_states(RECRUITING))`."""
    if len(states) == 1:
        return Study.status == next(iter(states))
    return Study.status.in_(sorted(states))


def require_editable(study: Study) -> None:
    if not is_editable(study):
        raise Conflict(
            _(
                "This study is %(status)s: it can only be edited as a draft or when changes are requested.",
                status=STATUS_LABELS[study.status],
            ),
            code="not_editable",
        )


def move(study: Study, action: str, actor, comment: str | None = None) -> S:
    """Make one move of the lifecycle, or raise `Conflict`; writes the audit record."""
    targets = TRANSITIONS.get(action, {})
    if study.status not in targets:
        raise Conflict(
            _("A study that is %(status)s cannot be moved this way.", status=STATUS_LABELS[study.status]),
            code="invalid_transition",
        )
    before, after = study.status, targets[study.status]
    study.status = after
    if action == "submit":
        study.submitted_at = utcnow()
    elif action in ("approve", "request_changes", "reject"):
        study.decided_at = utcnow()
    elif action == "end":
        study.ended_at = utcnow()
    audit.record(actor, f"study.{action}", study=study, from_state=before, to_state=after, comment=comment)
    tell(study, action, after, comment)
    return after


def tell(study: Study, action: str, after: S, comment: str | None) -> None:
    """The mail of a move, in the move's transaction (notifications/notify.py): coordinators of each
    submission, the organisation of each decision with its comment, both of each recruitment move."""
    from ..notifications import notify

    if action == "submit":
        notify.review_submitted(study)
    elif action in ("approve", "request_changes", "reject"):
        notify.review_decision(study, action, comment)
    elif action in ("open", "pause", "close", "end"):
        notify.recruitment_changed(study, str(after))
    if action == "end":  # no survey is asked for any more
        notify.cancel_survey_mail(study_id=study.id)


def template_helpers() -> dict:
    """The predicates, by name, for every template: `{% if is_interim(study) %}`."""
    return {
        "move_allowed": allowed,
        "is_editable": is_editable,
        "is_reviewable": is_reviewable,
        "is_approved": is_approved,
        "approved_once": approved_once,
        "is_recruiting": is_recruiting,
        "takes_answers": takes_answers,
        "results_available": results_available,
        "is_exportable": is_exportable,
        "is_interim": is_interim,
        "is_final": is_final,
        "is_amendable": is_amendable,
    }
