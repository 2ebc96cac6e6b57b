"""Every kind of message LivingLab sends: essential or not, who gets it, its subject, and the context
its templates (templates/mail/<kind>.txt and .html) need.

Essential messages (API.md, "Clarifications (v1.1)") always go and carry no unsubscribe link;
every other one carries List-Unsubscribe and obeys the recipient's preferences."""

from collections.abc import Callable
from dataclasses import dataclass, field

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

STAFF = ("startup", "coordinator")
EVERYONE = ("participant", "startup", "coordinator")


@dataclass(frozen=True)
class Kind:
    name: str
    essential: bool
    label: object  # plain words, for the preferences and outbox pages
    subject: Callable[[dict], str]  # called in the recipient's language
    audience: tuple[str, ...]
    needs: tuple[str, ...] = ()  # context keys the templates read (the caller must give them)
    choices: tuple[str, ...] = ("each", "off")  # non-essential: what the account may choose
    preference: str | None = None  # the kind whose choice governs this one (the digest follows its events)
    sends_on: tuple = (None, "each")  # the governing choices under which this kind is sent
    verification: bool = False  # goes to an unverified address: it is how the address gets verified
    secret: bool = False  # its context holds a one-time link: emptied once the message is sent
    participant: bool = False  # to participants: coordinators see the participant code, never the address
    description: object = field(default=None)  # a longer line for the preferences page

    @property
    def governed_by(self) -> str:
        return self.preference or self.name


KINDS: dict[str, Kind] = {}


def register(kind: Kind) -> Kind:
    KINDS[kind.name] = kind
    return kind


# Accounts (essential) -------------------------------------------------------------------------------

register(
    Kind(
        "verify_email",
        True,
        _l("Confirming your email address"),
        lambda c: _("Confirm your email address for LivingLab"),
        EVERYONE,
        needs=("link",),
        verification=True,
        secret=True,
    )
)
register(
    Kind(
        "password_reset",
        True,
        _l("Password reset"),
        lambda c: _("Reset your LivingLab password"),
        EVERYONE,
        needs=("link",),
        secret=True,
    )
)
register(
    Kind(
        "email_change_confirm",
        True,
        _l("Confirming a new email address"),
        lambda c: _("Confirm your new email address for LivingLab"),
        EVERYONE,
        needs=("link", "new_email"),
        verification=True,
        secret=True,
    )
)
register(
    Kind(
        "email_change_notice",
        True,
        _l("Notice of an email change"),
        lambda c: _("Your LivingLab email address is being changed"),
        EVERYONE,
        needs=("new_email",),
    )
)
register(
    Kind(
        "organisation_invitation",
        True,
        _l("Invitations to an organisation"),
        lambda c: _(
            "%(inviter)s invites you to join %(organisation)s on LivingLab",
            inviter=c["inviter"],
            organisation=c["organisation"],
        ),
        ("startup",),
        needs=("link", "organisation", "inviter"),
        secret=True,
    )
)

# Participation (essential) --------------------------------------------------------------------------

register(
    Kind(
        "consent_changed",
        True,
        _l("Changes to a consent form"),
        lambda c: (
            _("Please sign the new consent form of “%(title)s”", title=c["title"])
            if c.get("reconsent_required")
            else _("The consent form of “%(title)s” has changed", title=c["title"])
        ),
        ("participant",),
        needs=("study_id", "title", "consent_version", "reconsent_required"),
        participant=True,
    )
)
register(
    Kind(
        "enrolment_confirmed",
        True,
        _l("Confirmation of enrolment"),
        lambda c: _("You are enrolled in “%(title)s”", title=c["title"]),
        ("participant",),
        needs=("study_id", "title"),
        participant=True,
    )
)
register(
    Kind(
        "withdrawal_confirmed",
        True,
        _l("Confirmation of withdrawal"),
        lambda c: _("You have withdrawn from “%(title)s”", title=c["title"]),
        ("participant",),
        needs=("study_id", "title", "erase_data"),
        participant=True,
    )
)
register(
    Kind(
        "erasure_confirmed",
        True,
        _l("Confirmation of erasure"),
        lambda c: _("Your LivingLab account is erased"),
        ("participant",),
        needs=("answers_kept",),
        participant=True,
    )
)

# Review and recruitment (non-essential) -------------------------------------------------------------

register(
    Kind(
        "review_submitted",
        False,
        _l("New protocols to review"),
        lambda c: (
            _("Amendment to review: “%(title)s”, version %(n)d", title=c["title"], n=c["amendment"])
            if c.get("amendment")
            else _("Protocol to review: “%(title)s”", title=c["title"])
        ),
        ("coordinator",),
        needs=("study_id", "title", "organisation", "submitter_verified"),
        choices=("each", "digest", "off"),
        description=_l("One message per submission, or one daily digest of the review queue."),
    )
)
register(
    Kind(
        "review_digest",
        False,
        _l("Daily digest of the review queue"),
        lambda c: ngettext("%(num)d protocol waits for review", "%(num)d protocols wait for review", c["count"]),
        ("coordinator",),
        needs=("count", "studies"),
        preference="review_submitted",
        sends_on=("digest",),
    )
)
register(
    Kind(
        "review_decision",
        False,
        _l("Review decisions on our studies"),
        lambda c: (
            _("Review of the amendment of “%(title)s”: a decision", title=c["title"])
            if c.get("amendment")
            else _("Review of “%(title)s”: a decision", title=c["title"])
        ),
        ("startup",),
        needs=("study_id", "title", "decision", "comment"),
    )
)
register(
    Kind(
        "recruitment_changed",
        False,
        _l("Recruitment opened, paused or closed"),
        lambda c: _(
            "Recruitment of “%(title)s”: %(state)s", title=c["title"], state=recruitment_state_label(c["state"])
        ),
        STAFF,
        needs=("study_id", "title", "state"),
    )
)
register(
    Kind(
        "recruitment_digest",
        False,
        _l("Weekly recruitment digest"),
        lambda c: _("This week in your pilots"),
        ("startup",),
        needs=("studies",),
        description=_l("Enrolled, answered and withdrawn this week, by participant code."),
    )
)

# Surveys (non-essential) ----------------------------------------------------------------------------

register(
    Kind(
        "survey_open",
        False,
        _l("A survey is open"),
        lambda c: _("Your survey “%(survey)s” is open", survey=c["survey"]),
        ("participant",),
        needs=("study_id", "title", "survey", "survey_key", "closes_on"),
        participant=True,
    )
)
register(
    Kind(
        "survey_reminder",
        False,
        _l("Reminders of a survey to answer"),
        lambda c: (
            _("Last reminder: “%(survey)s” closes soon", survey=c["survey"])
            if c.get("final")
            else _("Reminder: your survey “%(survey)s” is waiting", survey=c["survey"])
        ),
        ("participant",),
        needs=("study_id", "title", "survey", "survey_key", "closes_on", "draft_waiting", "final"),
        participant=True,
    )
)


# Retention (non-essential: API.md lists the essential messages) ------------------------------------------

register(
    Kind(
        "retention_notice",
        False,
        _l("Notice before a pilot's data are erased or anonymised"),
        lambda c: (
            _("Your answers to “%(title)s” will be anonymised", title=c["title"])
            if c.get("outcome") == "anonymise"
            else _("Your answers to “%(title)s” will be erased", title=c["title"])
        ),
        ("participant",),
        needs=("study_id", "title", "purge_on", "outcome", "keep_free_text"),
        participant=True,
    )
)

# Repeated reports (participants/reports.py; non-essential: API.md lists the essential messages) ---------------

register(
    Kind(
        "problem_reported",
        False,
        _l("Problem reports from participants"),
        lambda c: _(
            "Problem report %(n)d from %(code)s in “%(title)s”", n=c["instance"], code=c["code"], title=c["title"]
        ),
        STAFF,
        needs=("study_id", "title", "code", "instance"),
        description=_l("The participant code and the report number only; the answers are read on the pilot's page."),
    )
)


def recruitment_state_label(state: str) -> str:
    return {"recruiting": _("open"), "paused": _("paused"), "closed": _("closed"), "ended": _("ended")}.get(
        state, state
    )


def decision_label(decision: str) -> str:
    return {"approve": _("approved"), "request_changes": _("changes requested"), "reject": _("rejected")}.get(
        decision, decision
    )


CHOICE_LABELS = {"each": _l("Each message"), "digest": _l("A daily digest"), "off": _l("No message")}


def kind(name: str) -> Kind:
    try:
        return KINDS[name]
    except KeyError:
        raise ValueError(f"unknown message kind {name!r}") from None


def preference_kinds(role: str) -> list[Kind]:
    """The non-essential kinds this role receives and may choose, in the registry's order."""
    return [k for k in KINDS.values() if not k.essential and k.preference is None and role in k.audience]


def essential_kinds(role: str) -> list[Kind]:
    return [k for k in KINDS.values() if k.essential and role in k.audience]


def sends(kind_: Kind, choice: str | None) -> bool:
    """Whether a message of this kind goes to an account whose governing choice is `choice`."""
    return kind_.essential or choice in kind_.sends_on
