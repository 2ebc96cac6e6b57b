"""The OpenAPI description of retention (issue 12, items 11 and 12). Merged by api/openapi.py, built from
its helpers."""

from .openapi import enum, errors, integer, nullable, obj, operation, page_of, page_parameters, ref, string
from .openapi import timestamp as ts

DAY = string(format="date")
PHASES = ("unset", "running", "active", "archive", "purged")


def schemas() -> dict:
    return {
        "Retention": obj(
            {
                "study_id": integer(1),
                "title": string(),
                "phase": enum(
                    PHASES,
                    description="`unset`: no retention period; `running`: the pilot has not ended; `active`: "
                    "results and exports available; `archive`: results readable, participant-level exports "
                    "answer 409 `archived`; `purged`: the personal data were erased or anonymised.",
                ),
                "active_months": nullable(integer(1, description="`retention_months` of the protocol.")),
                "archive_months": integer(0, description="`retention_archive_months` of the protocol (0: none)."),
                "ended_at": nullable(ts(description="The start of retention: when the pilot ended.")),
                "archive_from": nullable(ts(description="`ended_at` + `active_months`.")),
                "purge_on": nullable(
                    DAY | {"description": "The purge day: the scheduled one or a later postponement."}
                ),
                "scheduled_purge_on": nullable(DAY | {"description": "`ended_at` + active + archive months."}),
                "postponed_reason": string(description="Why a coordinator postponed the purge; empty if not."),
                "anonymised_at": nullable(ts(description="When the purge ran.")),
                "outcome": enum(
                    ("erase", "anonymise"),
                    description="What the purge does to answers, as the current consent says (each participant "
                    "is purged as the consent they last signed says).",
                ),
                "keep_free_text": {"type": "boolean", "description": "Anonymised answers keep their free text."},
            },
            required=[
                "study_id",
                "title",
                "phase",
                "active_months",
                "archive_months",
                "ended_at",
                "archive_from",
                "purge_on",
                "scheduled_purge_on",
                "postponed_reason",
                "anonymised_at",
                "outcome",
                "keep_free_text",
            ],
        ),
        "RetentionList": page_of("Retention"),
        "NewPostponement": obj(
            {
                "until": DAY | {"description": "The new purge day, after the current one, at most 10 years later."},
                "reason": string(
                    1000, min_len=1, description="One line; kept in the audit trail, shown to the startup."
                ),
            },
            required=["until", "reason"],
        ),
    }


def paths() -> dict:
    return {
        "/retention": {
            "get": operation(
                "list_upcoming_purges",
                "Ended pilots not purged yet",
                tag="review",
                ok=(200, "A page of the pilots, by study id, with their purge day.", ref("RetentionList")),
                errors=errors(400, 401, 403, 422),
                parameters=page_parameters(),
                description="Coordinators.",
            )
        },
        "/studies/{study_id}/retention": {
            "parameters": [{"$ref": "#/components/parameters/StudyId"}],
            "get": operation(
                "get_retention",
                "A pilot's retention rule and dates",
                tag="review",
                ok=(200, "The rule as the scheduler applies it.", ref("Retention")),
                errors=errors(401, 403, 404),
                description="The owner organisation and coordinators.",
            ),
        },
        "/studies/{study_id}/retention/postponement": {
            "parameters": [{"$ref": "#/components/parameters/StudyId"}],
            "post": operation(
                "postpone_purge",
                "Postpone a pilot's purge, with a reason",
                tag="review",
                body="NewPostponement",
                ok=(200, "The rule with its new purge day.", ref("Retention")),
                errors=errors(
                    400,
                    401,
                    403,
                    404,
                    409,
                    422,
                    e409="`not_ended`: the pilot has not ended; `already_purged`.",
                    e422="`until` not a later day, or `reason` missing, too long or not on one line.",
                ),
                description="Coordinators. Audited (`retention.postpone`).",
            ),
        },
    }
