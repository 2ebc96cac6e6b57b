"""Who may do what: one table of actions, `can(user, action, obj)` for pages, API and templates alike, the
"studies this user may see" query filter, and the route decorators, which name an action, never a role.

An action is allowed by role; an action on a study also by ownership (a coordinator acts on every study, a
startup on its organisation's, a participant on the pilots they are enrolled in); and, for `can`, by the
study's state (the lifecycle's predicates, in studies/workflow.py). Routes authorise who may act (404 for a
study the caller cannot see, 403 for one they see but may not act on); the services refuse a move the state
forbids (409)."""

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps

from flask import abort
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import ColumnElement, false, select, true

from .auth.models import Role
from .errors import Forbidden, NotFound
from .extensions import db
from .studies import workflow

STAFF = frozenset({Role.STARTUP, Role.COORDINATOR})
EVERYONE = frozenset(Role)


@dataclass(frozen=True)
class Rule:
    roles: frozenset
    on_study: bool = False  # an action on one study: ownership decides, and the view loads it (404/403)
    when: Callable | None = None  # the study's state in which the action makes sense (`can` asks it)


def _rule(roles, on_study=False, when=None) -> Rule:
    return Rule(frozenset(roles), on_study, when)


ACTIONS: dict[str, Rule] = {
    # Accounts and organisations
    "signed_in": _rule(EVERYONE),  # one's own account, tokens, notifications, data (GDPR)
    "erase_account": _rule({Role.PARTICIPANT}),  # a participant erases their own account (GDPR)
    "manage_organisation": _rule({Role.STARTUP}),  # members, invitations, webhooks
    "manage_users": _rule({Role.COORDINATOR}),  # create coordinator accounts
    # Coordinators' pages
    "review_queue": _rule({Role.COORDINATOR}),  # every study, and those waiting for a decision
    "observatory": _rule({Role.COORDINATOR}),
    "audit": _rule({Role.COORDINATOR}),
    "outbox": _rule({Role.COORDINATOR}),
    "retention": _rule({Role.COORDINATOR}),  # the upcoming purges of ended pilots (studies/retention.py)
    # Startups' studies
    "create_study": _rule({Role.STARTUP}),  # and list the organisation's studies
    "read": _rule(EVERYONE, True),  # the study object, for its participants too (the API)
    "view": _rule(STAFF, True),  # the staff's pages: protocol, consent, surveys, review, history
    # the GDPR art. 30 record of the pilot: the coordinators, and the owner organisation (the controller's record)
    "processing_record": _rule(STAFF, True),
    "progress": _rule(STAFF, True),  # recruitment figures and participant codes
    "results": _rule(STAFF, True, workflow.results_available),  # the analysis and its exports
    "edit": _rule({Role.STARTUP}, True, workflow.is_editable),  # protocol, consent, surveys
    "submit": _rule({Role.STARTUP}, True, workflow.is_submittable),
    "review": _rule({Role.COORDINATOR}, True, workflow.is_reviewable),
    # Amendments of an approved protocol: proposed by the organisation, decided by a coordinator
    "amend": _rule({Role.STARTUP}, True, workflow.is_amendable),
    "review_amendment": _rule({Role.COORDINATOR}, True),  # the amendment's own state is the service's (409)
    # the response letter: the organisation answers the comments of the last decision (the round's state: 409)
    "answer_review": _rule({Role.STARTUP}, True),
    "recruit": _rule(STAFF, True, workflow.recruitment_adjustable),
    "end": _rule(STAFF, True, workflow.is_endable),  # the owner once every timepoint window has passed
    "end_early": _rule({Role.COORDINATOR}, True, workflow.is_endable),  # while surveys remain to answer
    # a participant's answers, with a reason (participants correct their own through `take_part`)
    "correct_answers": _rule({Role.COORDINATOR}, True, workflow.results_available),
    # postpone a pilot's purge, with a reason (the service answers 409 before the pilot ends or once purged)
    "postpone_purge": _rule({Role.COORDINATOR}, True),
    # exclude a response from the sensitivity analysis, with a reason, and undo it (quality/): never a participant
    "exclude_responses": _rule(STAFF, True, workflow.results_available),
    # Participants
    "join": _rule({Role.PARTICIPANT}),  # check one's eligibility and enrol: staff never take part
    "take_part": _rule({Role.PARTICIPANT}, True),  # the enrolled: answer, read one's answers, withdraw
}


def rule_of(action: str) -> Rule:
    try:
        return ACTIONS[action]
    except KeyError:
        raise ValueError(f"unknown action {action!r}: add it to policy.ACTIONS") from None


def signed_in(user) -> bool:
    return user is not None and getattr(user, "is_authenticated", False)


def permits(user, action: str, study=None) -> bool:
    """Who may do it: the role, and for a given study its ownership (never its state)."""
    rule = rule_of(action)
    if not signed_in(user) or user.role not in rule.roles:
        return False
    if study is None or not rule.on_study or user.role == Role.COORDINATOR:
        return True
    if user.role == Role.PARTICIPANT:
        return is_enrolled(user, study)
    return study.organisation_id == user.organisation_id


def can(user, action: str, study=None) -> bool:
    """May this user do this now: `permits`, and for a study, its state allows the action."""
    if not permits(user, action, study):
        return False
    when = ACTIONS[action].when
    return study is None or when is None or bool(when(study))


def is_enrolled(user, study) -> bool:
    from .participants.services import enrolment_of  # the one lookup of a user's enrolment

    return enrolment_of(user, study) is not None


def sees_pilot(user, study) -> bool:
    """A pilot's public page exists once its protocol is approved (recruiting or not), and is not found
    before; its participants keep seeing it whatever happens."""
    return workflow.approved_once(study) or (signed_in(user) and is_enrolled(user, study))


def visible_studies(user) -> ColumnElement[bool]:
    """The SQL condition "studies this user may see": all for a coordinator, the organisation's for a
    startup, the pilots they are enrolled in for a participant, none for anyone else."""
    from .participants.models import Enrolment
    from .studies.models import Study

    if not signed_in(user):
        return false()
    if user.role == Role.COORDINATOR:
        return true()
    if user.role == Role.STARTUP:
        return Study.organisation_id == user.organisation_id if user.organisation_id is not None else false()
    return Study.id.in_(select(Enrolment.study_id).where(Enrolment.user_id == user.id))


def authorise(user, study, action: str):
    """404 when the study is not visible to the user at all, 403 when visible but not allowed."""
    if study is None or not permits(user, "read", study):
        raise NotFound(_("This study does not exist, or you cannot see it."))
    if not permits(user, action, study):
        raise Forbidden(_("You are not allowed to do this on this study."))
    return study


def get_study_or_404(study_id: int, action: str = "view", user=None):
    from .studies.models import Study

    return authorise(user or current_user, db.session.get(Study, study_id), action)


# --- Route decorators ------------------------------------------------------------------------------

ANYONE = "anyone"


def declare_access(view, who: str):
    """Record on a view who may use it (an action, or ANYONE); a test fails for a route that declares nothing."""
    view.access = who
    return view


def public(view):
    """Anyone may use this route, signed in or not."""
    return declare_access(view, ANYONE)


def allowed_by_role(user, action: str) -> bool:
    """The check a decorator can make before the view: the role, for an action that is not on one study
    (an action on a study is checked by the view, which loads it: 404 or 403 for that study)."""
    rule = rule_of(action)
    return rule.on_study or user.role in rule.roles


def requires(action: str):
    """Page decorator: signed in (else to the sign-in page), and the role may do `action` (else 403)."""
    rule_of(action)  # an unknown action fails at import, not at the first request

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                from .extensions import login_manager

                return login_manager.unauthorized()
            if not allowed_by_role(current_user, action):
                abort(403)
            return view(*args, **kwargs)

        return declare_access(wrapped, action)

    return decorator


def template_helpers() -> dict:
    """`can(action, study=None)` for every template, asked for the signed-in user."""
    return {"can": lambda action, study=None: can(current_user, action, study)}
