"""Who may do what: one function for pages, API and templates alike."""
from functools import wraps

from flask import abort
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from ..errors import Forbidden, NotFound
from ..extensions import db
from .models import Role

# action -> roles that may ever do it (object-level checks follow in `can`)
ROLE_ACTIONS = {
    "create_study": {Role.STARTUP},
    "manage_organisation": {Role.STARTUP},
    "review": {Role.COORDINATOR},
    "review_queue": {Role.COORDINATOR},
    "manage_users": {Role.COORDINATOR},
    "view": {Role.STARTUP, Role.COORDINATOR},  # the staff's view: protocol, review, history
    "read": {Role.STARTUP, Role.COORDINATOR, Role.PARTICIPANT},  # the study object, for its participants too
    "progress": {Role.STARTUP, Role.COORDINATOR},
    "results": {Role.STARTUP, Role.COORDINATOR},  # the analysis and its exports
    "observatory": {Role.COORDINATOR},
    "audit": {Role.COORDINATOR},
    "edit": {Role.STARTUP},
    "submit": {Role.STARTUP},
    "recruit": {Role.STARTUP, Role.COORDINATOR},
    "end": {Role.STARTUP, Role.COORDINATOR},  # the owner once every timepoint window has passed (the service)
    "end_early": {Role.COORDINATOR},  # end a pilot whose participants still have surveys to answer
    "history": {Role.STARTUP, Role.COORDINATOR},
}


def can(user, action: str, study=None) -> bool:
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    if user.role not in ROLE_ACTIONS.get(action, set()):
        return False
    if study is None or user.role == Role.COORDINATOR:
        return True
    if user.role == Role.PARTICIPANT:
        return is_enrolled(user, study)
    return user.role == Role.STARTUP and study.organisation_id == user.organisation_id


def is_enrolled(user, study) -> bool:
    from ..participants.models import Enrolment

    return db.session.scalar(select(Enrolment.id).where(
        Enrolment.study_id == study.id, Enrolment.user_id == user.id)) is not None


def authorise(user, study, action: str):
    """404 when the study is not visible to the user at all, 403 when visible but not allowed."""
    if study is None or not (can(user, "view", study) or can(user, "read", study)):
        raise NotFound(_("This study does not exist, or you cannot see it."))
    if not can(user, action, study):
        raise Forbidden(_("You are not allowed to do this on this study."))
    return study


def get_study_or_404(study_id: int, action: str = "view", user=None):
    from ..studies.models import Study

    return authorise(user or current_user, db.session.get(Study, study_id), action)


ANYONE = "anyone"
SIGNED_IN = "signed in"


def declare_access(view, who):
    """Record on a view who may use it; a test fails for any route that declares nothing."""
    view.access = who
    return view


def public(view):
    """Anyone may use this route, signed in or not."""
    return declare_access(view, ANYONE)


def role_required(*roles: Role):
    """Page decorator: signed in (else to the sign-in page) with one of these roles (else 403)."""
    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                from ..extensions import login_manager

                return login_manager.unauthorized()
            if roles and current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)
        return declare_access(wrapped, tuple(str(role) for role in roles) or SIGNED_IN)
    return decorator
