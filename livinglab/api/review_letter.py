"""The review comments of a study with the startup's replies (the response letter), and a reply to one."""

from flask import Blueprint

from ..studies import rounds
from ..transactions import unit_of_work
from .common import json_body, token_required
from .pagination import paginate_list
from .studies import load

bp = Blueprint("review_letter", __name__)


@bp.get("/studies/<int:study_id>/comments")
@token_required("view")
def list_comments(user, study_id):
    """Every review comment of the study (of its protocol and of its amendments), oldest first, with replies."""
    study = load(user, study_id, "view")
    return paginate_list(study.comments, f"comments.{study.id}", rounds.renderer(study))


@bp.put("/studies/<int:study_id>/comments/<int:comment_id>/reply")
@token_required("answer_review")
def put_reply(user, study_id, comment_id):
    """The owner organisation answers a comment of the last decision, while changes are requested."""
    study = load(user, study_id, "answer_review")
    data = json_body()
    with unit_of_work():
        comment = rounds.reply(user, study, comment_id, data.get("reply"))
    return rounds.renderer(study)(comment)
