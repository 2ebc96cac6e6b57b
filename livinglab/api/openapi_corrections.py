"""The OpenAPI description of corrections of submitted answers (merged by api/openapi.py)."""

from ..participants.corrections import REASON_MAX
from ..participants.models import CorrectionRole
from ..surveys.definitions import TEXT_MAX
from .openapi import (
    array,
    enum,
    errors,
    integer,
    nullable,
    obj,
    operation,
    page_of,
    page_parameters,
    ref,
    string,
    timestamp,
)

CODE = {
    "name": "code",
    "in": "path",
    "required": True,
    "schema": string(16),
    "description": "The participant's code in the study (`P-…`); another study's code is 404.",
}
INSTANCE = integer(
    1,
    description="Optional: the report number of a repeatable survey (a diary, a problem report); 1 when left out, "
    "the only one of every other survey.",
)
INSTANCE_QUERY = {"name": "instance", "in": "query", "required": False, "schema": INSTANCE}
STALE = "`stale_revision`: the response was corrected since the revision sent; nothing was changed."


def _revision_properties(answer: dict) -> dict:
    return {
        "revision": integer(1),
        "item_key": string(),
        "previous": answer,
        "new": answer,
        "changed_at": timestamp(),
        "changed_by_role": enum(CorrectionRole),
        "changed_by_id": nullable(
            integer(description="The coordinator's account id (null for a participant); coordinators only.")
        ),
        "reason": nullable(string()),
    }


def schemas() -> dict:
    answer = {"anyOf": [{"type": "number"}, {"type": "boolean"}, string(TEXT_MAX), array(string()), {"type": "null"}]}
    revision = integer(0, description="The revision of the response being corrected (0 before any correction).")
    return {
        "OwnCorrection": obj(
            {
                "answers": obj(
                    {},
                    additionalProperties=answer,
                    description="The whole survey again, checked exactly as on submission.",
                ),
                "revision": revision,
                "instance": INSTANCE,
            },
            required=["answers", "revision"],
        ),
        "CoordinatorCorrection": obj(
            {
                "answers": obj(
                    {},
                    additionalProperties=answer,
                    description=(
                        "Only the answers to correct, by answer key (null takes back an optional answer); the others "
                        "stay. The whole response is then checked as on submission."
                    ),
                ),
                "reason": string(REASON_MAX, min_len=1, description="Why: kept with the correction and in the trail."),
                "revision": revision,
                "instance": INSTANCE,
            },
            required=["answers", "reason", "revision"],
        ),
        "AnswerRevision": obj(
            _revision_properties(answer),
            required=["revision", "item_key", "previous", "new", "changed_at", "changed_by_role"],
        ),
        "CorrectionLogEntry": obj(
            {
                "id": integer(description="Stable, increasing: the log is served newest first."),
                "participant_code": string(),
                "survey": ref("Key"),
                **_revision_properties(answer),
            },
            required=[
                "id",
                "participant_code",
                "survey",
                "revision",
                "item_key",
                "previous",
                "new",
                "changed_at",
                "changed_by_role",
            ],
        ),
        "CorrectionLog": page_of("CorrectionLogEntry"),
        "CorrectedResponse": obj(
            {
                "id": integer(),
                "survey": ref("Key"),
                "participant_code": string(),
                "submitted_at": timestamp(),
                "revision": integer(0, description="How many corrections were made."),
                "revised_at": nullable(timestamp()),
                "instance": integer(1, description="The report number of a repeatable survey; 1 for every other."),
                "answers": obj({}, additionalProperties=answer, description="The latest values, by answer key."),
                "revisions": array(ref("AnswerRevision"), description="Coordinators only: every change, oldest first."),
            },
            required=["id", "survey", "participant_code", "submitted_at", "revision", "revised_at", "answers"],
        ),
    }


def paths() -> dict:
    survey = [{"$ref": "#/components/parameters/StudyId"}, {"$ref": "#/components/parameters/SurveyKey"}]
    return {
        "/studies/{study_id}/surveys/{key}/responses/mine": {
            "parameters": survey,
            "put": operation(
                "correct_own_answers",
                "Correct one's answers to a survey while its window is open",
                tag="participation",
                body="OwnCorrection",
                ok=(200, "The response as corrected.", ref("CorrectedResponse")),
                errors=errors(
                    400,
                    401,
                    403,
                    404,
                    409,
                    422,
                    429,
                    e403="Also `not_enrolled`: not taking part in this study.",
                    e404="Also `not_answered`: the survey was not answered (or the answers were erased).",
                    e409="`window_closed` (the timepoint's window has closed), `withdrawn`, `study_ended`, "
                    "`reconsent_needed`, or " + STALE,
                    e422="`invalid_answers`: `fields` names each bad or missing answer, or `revision`.",
                ),
                description=(
                    "An enrolled participant, until the survey's window closes. Only the answers that differ are "
                    "corrected; each keeps its previous value in the history, and the pilot's data version moves on. "
                    "A correction that changes nothing answers 200 and records nothing."
                ),
            ),
        },
        "/studies/{study_id}/corrections": {
            "parameters": survey[:1],
            "get": operation(
                "list_corrections",
                "Every correction of the study's answers, newest first",
                tag="results",
                parameters=page_parameters(),
                ok=(200, "A page of the log.", ref("CorrectionLog")),
                errors=errors(400, 401, 403, 404, 409, 422),
                description=(
                    "The owner organisation and coordinators, once results are available (as the results). Each "
                    "answer changed after it was sent, by its participant or by a coordinator with a reason: "
                    "participant codes only; `changed_by_id` for coordinators' eyes only. Paginated, newest first: "
                    "follow `next_cursor` until it is null."
                ),
            ),
        },
        "/studies/{study_id}/participants/{code}/responses/{key}": {
            "parameters": [{"$ref": "#/components/parameters/StudyId"}, CODE, survey[1]],
            "get": operation(
                "get_participant_response",
                "One participant's answers to a survey, with every correction",
                tag="results",
                parameters=[INSTANCE_QUERY],
                ok=(200, "The latest answers and their history.", ref("CorrectedResponse")),
                errors=errors(401, 403, 404, e404="Unknown study, code or survey, or no answer to it."),
                description="Coordinators only (403 for the owner organisation and participants).",
            ),
            "patch": operation(
                "correct_participant_answers",
                "Correct a participant's answers, with a reason",
                tag="results",
                body="CoordinatorCorrection",
                ok=(200, "The response as corrected, with its history.", ref("CorrectedResponse")),
                errors=errors(
                    400,
                    401,
                    403,
                    404,
                    409,
                    422,
                    e404="Unknown study, code or survey, or no answer to it.",
                    e409=STALE,
                    e422="`reason` missing or empty, or `invalid_answers` (`fields` per answer).",
                ),
                description=(
                    "Coordinators only (403 for the owner organisation and participants), at any time after approval. "
                    "Audited as `answer.correct` with the reason; the pilot's data version moves on."
                ),
            ),
        },
    }
