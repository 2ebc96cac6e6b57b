"""The OpenAPI description of review comments and the response letter (issue 12, items 2 and 3). Merged by
api/openapi.py, built from its helpers."""

from ..studies import rounds, sections
from ..urls import MAX_ID
from .openapi import errors, integer, nullable, obj, operation, page_of, page_parameters, ref, string
from .openapi import timestamp as ts

SECTION_DOC = (
    "The section commented on (studies/sections.py): `general` (the decision's own comment), one of the protocol "
    "page's sections ({}), `consent`, `surveys`, or one survey as `survey:<key>`.".format(
        ", ".join(f"`{name}`" for name in sections.FIXED if name not in (sections.GENERAL, "consent", "surveys"))
    )
)


def schemas() -> dict:
    return {
        "ReviewComment": obj(
            {
                "id": integer(1),
                "section": string(sections.MAX_LEN, description=SECTION_DOC),
                "section_label": string(description="The section in words, in the caller's language."),
                "decision": nullable(string(description="`approve`, `request_changes` or `reject`.")),
                "body": string(),
                "protocol_version": integer(1, description="The protocol version, or the amendment's, decided."),
                "amendment_version": nullable(integer(2, description="The amendment decided; null: the protocol.")),
                "round": nullable(integer(1, description="The round decided (1, 2...); null before rounds were kept.")),
                "created_at": ts(),
                "reply": nullable(string(rounds.REPLY_MAX, description="The startup's reply, or null.")),
                "replied_at": nullable(ts()),
                "answerable": {
                    "type": "boolean",
                    "description": "True while the owner organisation may reply: a comment of the last decision, "
                    "changes requested, not yet resubmitted.",
                },
            },
            required=[
                "id",
                "section",
                "section_label",
                "decision",
                "body",
                "protocol_version",
                "amendment_version",
                "round",
                "created_at",
                "reply",
                "replied_at",
                "answerable",
            ],
        ),
        "ReviewCommentList": page_of("ReviewComment"),
        "NewReply": obj(
            {
                "reply": string(
                    rounds.REPLY_MAX,
                    description="The reply, several lines allowed; an empty text withdraws it. It goes to the "
                    "reviewer with the next submission.",
                )
            },
            required=["reply"],
        ),
    }


def paths() -> dict:
    return {
        "/studies/{study_id}/comments": {
            "parameters": [{"$ref": "#/components/parameters/StudyId"}],
            "get": operation(
                "list_review_comments",
                "The review comments and the startup's replies",
                tag="review",
                ok=(200, "A page of the comments, oldest first, each with its reply.", ref("ReviewCommentList")),
                errors=errors(400, 401, 403, 404, 422),
                parameters=page_parameters(),
                description="The owner organisation and coordinators: every comment of every decision on the "
                "protocol and on its amendments.",
            ),
        },
        "/studies/{study_id}/comments/{comment_id}/reply": {
            "parameters": [
                {"$ref": "#/components/parameters/StudyId"},
                {"name": "comment_id", "in": "path", "required": True, "schema": integer(1, MAX_ID)},
            ],
            "put": operation(
                "reply_to_review_comment",
                "Answer a review comment (the response letter)",
                tag="review",
                body="NewReply",
                ok=(200, "The comment with its reply.", ref("ReviewComment")),
                errors=errors(
                    400,
                    401,
                    403,
                    404,
                    409,
                    422,
                    e404="Also a comment that is not one of this study's.",
                    e409="`not_answerable`: the comment is not of the last decision, or changes are not requested "
                    "(the study, or its amendment, was resubmitted or decided).",
                    e422="`reply` too long or with a character that is not allowed.",
                ),
                description="The owner organisation (a coordinator or participant gets 403, another organisation "
                "404). Audited. Resubmitting without a reply to every comment is allowed; the reviewer sees which "
                "remain unanswered.",
            ),
        },
    }
