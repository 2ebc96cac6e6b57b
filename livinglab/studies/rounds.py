"""Review rounds and the response letter.

Each submission for review (of the protocol, or of an amendment) is a round: what was submitted is frozen in
`review_round.record` (the shape of `services.frozen_record`). The coordinator's decision comments belong to
the round decided (`review_comment.round_id`). While changes are requested, the startup answers each comment
of that last decision (`review_comment.reply`); the replies go with the next submission, and the reviewer reads
them beside what changed since the round they reviewed (studies/diff.py).

Unanswered comments do not stop a resubmission: a comment may be answered by the change itself, which the diff
shows, and a forced reply invites "done" as filler. The startup's page says which comments remain unanswered,
and the reviewer sees each of them marked "no reply".
"""

from flask_babel import gettext as _
from sqlalchemy import func, select

from .. import audit
from .. import validation as v
from ..errors import Conflict, NotFound
from ..extensions import db
from ..timeutil import utcnow
from . import diff, sections
from .models import Amendment, AmendmentStatus, ReviewComment, ReviewRound, Study, StudyStatus

REPLY_MAX = 5000
PROTOCOL = 0  # `amendment_version` of the protocol's own rounds, before its first approval


def open_round(user, study: Study, record: dict, amendment_version: int = PROTOCOL) -> ReviewRound:
    """Freeze what is submitted now as the next round of the study (or of one amendment)."""
    last = db.session.scalar(
        select(func.max(ReviewRound.number)).where(
            ReviewRound.study_id == study.id, ReviewRound.amendment_version == amendment_version
        )
    )
    review_round = ReviewRound(
        study_id=study.id,
        amendment_version=amendment_version,
        number=(last or 0) + 1,
        record=record,
        submitted_by_id=user.id,
    )
    db.session.add(review_round)
    db.session.flush()  # the unique (study, amendment, number) decides a race between two submissions
    return review_round


def last_two(study: Study, amendment_version: int = PROTOCOL) -> list[ReviewRound]:
    """The latest round, then the one before it (when there is one): one query."""
    return list(
        db.session.scalars(
            select(ReviewRound)
            .where(ReviewRound.study_id == study.id, ReviewRound.amendment_version == amendment_version)
            .order_by(ReviewRound.number.desc())
            .limit(2)
        )
    )


def comments_of(study: Study, review_round: ReviewRound | None) -> list[ReviewComment]:
    """The comments of the decision on this round: the general one first, then by section, in the page's order."""
    if review_round is None:
        return []
    order = {name: i for i, (name, _label) in enumerate(sections.of(review_round.record))}
    found = [c for c in study.comments if c.round_id == review_round.id]
    return sorted(found, key=lambda c: (c.section != sections.GENERAL, order.get(c.section, len(order)), c.id))


def _answerable(study: Study, amendment_version: int) -> bool:
    """Replies are written while changes are requested, before resubmitting."""
    if amendment_version == PROTOCOL:
        return study.status == StudyStatus.CHANGES_REQUESTED
    status = db.session.scalar(
        select(Amendment.status).where(Amendment.study_id == study.id, Amendment.version == amendment_version)
    )
    return status == AmendmentStatus.CHANGES_REQUESTED


def letter(study: Study, amendment_version: int = PROTOCOL) -> dict:
    """The response letter of the study (or amendment) as it stands.

    `comments`: the comments of the last decision, each with its reply. While changes are requested they are
    those of the latest round and `open` is true (the startup writes); once resubmitted they are those of the
    round before the latest, read by the reviewer beside `diff`: what changed from that round to the latest.
    """
    rounds = last_two(study, amendment_version)
    answerable = _answerable(study, amendment_version)
    decided = rounds[0] if answerable and rounds else (rounds[1] if len(rounds) > 1 else None)
    comments = comments_of(study, decided)
    latest = rounds[0] if rounds else None
    changes = (
        diff.differences(decided.record, latest.record)
        if decided is not None and latest is not None and not answerable
        else None
    )
    return {
        "round": decided,
        "latest": latest,
        "comments": comments,
        "open": answerable and bool(comments),
        "unanswered": [c for c in comments if not c.reply],
        "diff": changes,
    }


def find_comment(study: Study, comment_id) -> ReviewComment:
    """A comment of this study, or 404 (another study's comment is not found here)."""
    comment = next((c for c in study.comments if c.id == comment_id), None) if isinstance(comment_id, int) else None
    if comment is None:
        raise NotFound(_("This comment does not exist."), code="no_comment")
    return comment


def _replyable(study: Study, comment: ReviewComment) -> None:
    review_round = comment.round
    if review_round is None or not _answerable(study, review_round.amendment_version):
        raise Conflict(
            _("Comments are answered while changes are requested, before resubmitting."), code="not_answerable"
        )
    latest = last_two(study, review_round.amendment_version)
    if not latest or latest[0].id != review_round.id:
        raise Conflict(_("This comment belongs to an earlier round of the review."), code="not_answerable")


def clean_reply(text) -> str:
    try:
        return v.text(text, max_len=REPLY_MAX)
    except v.FieldError as err:
        v.reject("reply", err)


def reply(user, study: Study, comment_id, text) -> ReviewComment:
    """The startup answers one comment of the last decision (an empty text withdraws the reply)."""
    comment = find_comment(study, comment_id)
    text = clean_reply(text)
    _replyable(study, comment)
    _set_reply(user, study, comment, text)
    return comment


def save_replies(user, study: Study, amendment_version: int, replies: dict) -> int:
    """The page's form: every reply of the letter at once, `{comment id: text}`; all checked, then all saved."""
    current = letter(study, amendment_version)
    if not current["open"]:
        raise Conflict(
            _("Comments are answered while changes are requested, before resubmitting."), code="not_answerable"
        )
    by_id = {c.id: c for c in current["comments"]}
    errors, clean = {}, {}
    for comment_id, text in replies.items():
        if comment_id not in by_id:
            raise NotFound(_("This comment does not exist."), code="no_comment")
        try:
            clean[comment_id] = v.text(text, max_len=REPLY_MAX)
        except v.FieldError as err:
            errors[f"reply-{comment_id}"] = err
    v.raise_for(errors)
    changed = 0
    for comment_id, text in clean.items():
        changed += _set_reply(user, study, by_id[comment_id], text)
    return changed


def _set_reply(user, study: Study, comment: ReviewComment, text: str) -> int:
    if comment.reply == text:
        return 0
    comment.reply = text
    comment.replied_at = utcnow() if text else None
    comment.replied_by_id = user.id if text else None
    audit.record(user, "review.reply", study=study, comment_id=comment.id, section=comment.section)
    return 1


def attach(study: Study, amendment_version: int = PROTOCOL) -> int | None:
    """The id of the round being decided now (the latest), for the decision's comments."""
    rounds = last_two(study, amendment_version)
    return rounds[0].id if rounds else None


def check_sections(section_comments: dict, survey_keys) -> tuple[dict, dict]:
    """`{section: body}` checked against this protocol's sections (studies/sections.py): the non-empty ones,
    and the errors (`v.FieldError`) of each unknown section or bad body, by field name."""
    errors, out = {}, {}
    for name, body in section_comments.items():
        try:
            sections.check(name, survey_keys)
            body = v.text(body, max_len=10_000)
        except v.FieldError as err:
            errors[f"section_comments.{str(name)[:80]}"] = err
            continue
        if body:
            out[name] = body
    return out, errors


def renderer(study: Study):
    """A function that serves one review comment of the study with its reply, as the API does; two queries
    (the rounds, the amendments waiting for changes) whatever the number of comments."""
    rounds = {r.id: r for r in db.session.scalars(select(ReviewRound).where(ReviewRound.study_id == study.id))}
    latest: dict[int, ReviewRound] = {}
    for r in rounds.values():
        if r.amendment_version not in latest or r.number > latest[r.amendment_version].number:
            latest[r.amendment_version] = r
    asked = set(
        db.session.scalars(
            select(Amendment.version).where(
                Amendment.study_id == study.id, Amendment.status == AmendmentStatus.CHANGES_REQUESTED
            )
        )
    )
    open_rounds = {
        r.id
        for version, r in latest.items()
        if (study.status == StudyStatus.CHANGES_REQUESTED if version == PROTOCOL else version in asked)
    }
    titles = {s.key: s.title for s in study.surveys}
    return lambda c: comment_dict(c, rounds[c.round_id] if c.round_id else None, c.round_id in open_rounds, titles)


def comment_dict(comment: ReviewComment, review_round: ReviewRound | None, answerable: bool, titles=None) -> dict:
    """A comment as the API serves it, with its reply."""
    from .fields import iso

    return {
        "id": comment.id,
        "section": comment.section,
        "section_label": sections.label(comment.section, titles),
        "decision": comment.decision,
        "body": comment.body,
        "protocol_version": comment.study_version,
        "amendment_version": (review_round.amendment_version or None) if review_round else None,
        "round": review_round.number if review_round else None,
        "created_at": iso(comment.created_at),
        "reply": comment.reply or None,
        "replied_at": iso(comment.replied_at),
        "answerable": answerable,
    }


def letter_counts(study: Study, amendment_version: int = PROTOCOL) -> dict | None:
    """For the mail of a resubmission: how many comments of the last decision the startup answered."""
    rounds = last_two(study, amendment_version)
    comments = comments_of(study, rounds[1]) if len(rounds) > 1 else []
    if not comments:
        return None
    return {"answered": sum(1 for c in comments if c.reply), "comments": len(comments), "round": rounds[0].number}
