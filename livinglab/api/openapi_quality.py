"""The OpenAPI description of data quality: flags per response, exclusions (merged by api/openapi.py)."""

from ..auth.models import Role
from ..quality.services import CODE_MAX, REASON_MAX
from .openapi import array, enum, errors, integer, nullable, obj, operation, page_of, page_parameters, ref, string
from .openapi import timestamp as ts

FLAGS = ("straight_lining", "too_fast", "out_of_range")
STAFF_ROLES = (Role.STARTUP, Role.COORDINATOR)


def schemas() -> dict:
    number = nullable({"type": "number"})
    return {
        "QualityFlag": obj(
            {
                "code": enum(FLAGS),
                "instrument": string(description="straight_lining: the instrument's key."),
                "items": integer(0, description="straight_lining: its items; too_fast: the answers of the response."),
                "value": number,
                "seconds": number,
                "threshold": number,
                "item": string(description="out_of_range: the question's key."),
                "min": number,
                "max": number,
            },
            required=["code"],
            description=(
                "`straight_lining`: one same `value` to all `items` of an `instrument` (at least 3 items); `too_fast`: "
                "sent `seconds` after the start, under `threshold` (2 s per answer); `out_of_range`: the `item`'s "
                "`value` outside its plausible `min`..`max` (null: an open end)."
            ),
        ),
        "Exclusion": obj(
            {
                "id": integer(1),
                "response_id": integer(1),
                "participant_code": string(),
                "survey": ref("Key"),
                "timepoint": string(),
                "reason": string(REASON_MAX),
                "excluded_at": ts(),
                "excluded_by_role": nullable(enum(STAFF_ROLES)),
                "active": {"type": "boolean", "description": "False once undone."},
                "undone_at": nullable(ts()),
                "undone_by_role": nullable(enum(STAFF_ROLES)),
            },
            required=["id", "response_id", "participant_code", "survey", "reason", "excluded_at", "active"],
        ),
        "Exclusions": page_of("Exclusion"),
        "NewExclusion": obj(
            {
                "response_id": integer(1, description="The response (`id` of the data-quality list), or name it by:"),
                "participant_code": string(CODE_MAX, description="the participant's code, with"),
                "survey": ref("Key"),
                "reason": string(REASON_MAX, min_len=1, description="Why: kept with the exclusion and in the trail."),
            },
            required=["reason"],
        ),
        "QualityResponse": obj(
            {
                "response_id": integer(1),
                "participant_code": string(),
                "arm": string(),
                "survey": ref("Key"),
                "timepoint": string(),
                "submitted_at": ts(),
                "started_at": nullable(ts(description="Null when unknown: then never `too_fast`.")),
                "seconds": number,
                "answers": nullable(integer(0)),
                "flags": array(ref("QualityFlag")),
                "exclusion": nullable(ref("Exclusion")),
            },
            required=["response_id", "participant_code", "survey", "timepoint", "submitted_at", "flags", "exclusion"],
        ),
        "QualityResponses": page_of("QualityResponse"),
        "DataQuality": obj(
            {
                "responses": integer(0),
                "timed": integer(0, description="Responses whose start is known (the others are never `too_fast`)."),
                "flagged": integer(0, description="Responses with at least one flag."),
                "flags": obj({code: integer(0) for code in FLAGS}, description="Responses with each flag."),
                "excluded": integer(0, description="Responses excluded (actively) with a reason."),
                "excluded_participants": integer(0),
            },
            required=["responses", "timed", "flagged", "flags", "excluded"],
            description="Counts of the data-quality flags and exclusions; flags exclude nothing.",
        ),
        "OutcomeWithoutExclusions": {
            "allOf": [
                ref("Outcome"),
                obj(
                    {"excluded_responses": integer(1), "excluded_participants": integer(1)},
                    required=["excluded_responses", "excluded_participants"],
                ),
            ],
        },
    }


def paths() -> dict:
    study = [{"$ref": "#/components/parameters/StudyId"}]
    staff = "The owner organisation and coordinators, once the protocol is approved (409 `not_approved` before)."
    return {
        "/studies/{study_id}/data-quality": {
            "parameters": study,
            "get": operation(
                "list_flagged_responses",
                "The responses flagged or excluded, with their flags",
                tag="results",
                parameters=page_parameters(),
                ok=(200, "A page of responses, by id.", ref("QualityResponses")),
                errors=errors(400, 401, 403, 404, 409, 422),
                description=staff + " Participant codes only. Flags exclude nothing: the registered analysis runs on "
                "all data; the counts are in the results' `data_quality`.",
            ),
        },
        "/studies/{study_id}/exclusions": {
            "parameters": study,
            "get": operation(
                "list_exclusions",
                "Every exclusion of the study's responses, undone ones too",
                tag="results",
                parameters=page_parameters(),
                ok=(200, "A page of exclusions, oldest first.", ref("Exclusions")),
                errors=errors(400, 401, 403, 404, 409, 422),
                description=staff,
            ),
            "post": operation(
                "exclude_response",
                "Exclude a response from the sensitivity analysis, with a reason",
                tag="results",
                body="NewExclusion",
                ok=(201, "The exclusion.", ref("Exclusion")),
                errors=errors(
                    400,
                    401,
                    403,
                    404,
                    409,
                    422,
                    e404="Unknown study, or no such response in it (another study's response is 404).",
                    e409="`already_excluded`: the response is excluded already; or `not_approved`.",
                    e422="`reason` missing or empty, or no response named.",
                ),
                description=staff + " Audited as `response.exclude`; the study's data version moves on, so its "
                "results are computed again, with `primary_outcome.without_exclusions`. One active exclusion per "
                "response (the database's unique index).",
            ),
        },
        "/studies/{study_id}/exclusions/{exclusion_id}": {
            "parameters": [
                *study,
                {"name": "exclusion_id", "in": "path", "required": True, "schema": integer(1)},
            ],
            "delete": operation(
                "undo_exclusion",
                "Bring an excluded response back into the sensitivity analysis",
                tag="results",
                ok=(204, "Undone; the exclusion stays in the history (`active` false).", None),
                errors=errors(
                    401,
                    403,
                    404,
                    409,
                    e404="Unknown study, or no such exclusion in it.",
                    e409="`already_undone`, or `not_approved`.",
                ),
                description=staff + " Audited as `response.include`; the data version moves on.",
            ),
        },
    }
