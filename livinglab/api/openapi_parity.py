"""The OpenAPI description of what the API does as the pages do (issue 10, API parity): editing a survey and
its items, the XLSX/SPSS/Stata exports, the observatory, the audit trail and the lay summary. Merged by
api/openapi.py, built from its helpers."""

from ..config import Config
from ..exports.downloads import XLSX
from ..studies.models import Domain, StudyStatus
from ..surveys.definitions import MAX_ITEMS
from ..urls import MAX_ID
from .openapi import (
    NOT_APPROVED,
    NOT_EDITABLE,
    RESULTS_READERS,
    array,
    enum,
    errors,
    integer,
    nullable,
    obj,
    operation,
    page_of,
    page_parameters,
    query,
    ref,
    string,
    timestamp,
)

LANGUAGES = Config.LANGUAGES

TAGS = [
    {
        "name": "observatory",
        "description": "The sector at a glance, for coordinators: every organisation's pilots, "
        "their participants, their review and what they found.",
    },
    {"name": "audit", "description": "The append-only audit trail, for coordinators: searched, paged, verified."},
]
COORDINATORS = "Coordinators only (403 for everyone else)."
EDITORS = (
    "The owner organisation, while the study is a draft or waiting for changes (the same rules as the "
    "survey builder's pages); a coordinator or participant gets 403, another organisation 404."
)
SURVEY_READERS = "The owner organisation, coordinators and the study's enrolled participants."


def schemas() -> dict:
    number = nullable({"type": "number"})
    counts = obj({}, additionalProperties=integer(0))
    spread = obj(
        {"n": integer(0), **{name: number for name in ("median", "q1", "q3", "min", "max")}},
        required=["n", "median", "q1", "q3", "min", "max"],
        description="Seconds; quartiles interpolate linearly (R type 7); null when n is 0.",
    )
    people = {
        "pilots": integer(0, description="Pilots with participants."),
        "enrolled": integer(0),
        "retained": integer(0, description="Answered a survey of the pilot's last timepoint."),
        "rate": nullable({"type": "number", "description": "retained / enrolled; null without enrolments."}),
    }
    return {
        "SurveyChange": obj(
            {
                "key": ref("Key"),
                "title": string(200, min_len=1),
                "timepoint": string(64, description="One of the study's timepoints."),
            },
            description="The fields to change; the others stay as they are.",
        ),
        "SurveyOrder": obj(
            {
                "items": array(
                    ref("Key"),
                    min_items=1,
                    max_items=MAX_ITEMS,
                    unique=True,
                    description=("Every item key of the survey, each once, in the order wanted."),
                )
            },
            required=["items"],
        ),
        "ObservatoryScope": obj(
            {"domain": nullable(enum(Domain)), "year": nullable(integer(1970, 9999))}, required=["domain", "year"]
        ),
        "Observatory": obj(
            {
                "scope": ref("ObservatoryScope"),
                "domains": array(enum(Domain)),
                "statuses": array(enum(StudyStatus)),
                "studies": obj(
                    {"by_domain": obj({}, additionalProperties=counts), "by_status": counts, "total": integer(0)},
                    required=["by_domain", "by_status", "total"],
                ),
                "participants": obj(
                    {}, additionalProperties=obj(people, required=list(people)), description="By domain."
                ),
                "overall": obj(people, required=list(people)),
                "turnaround": obj(
                    {
                        "by_domain": obj({}, additionalProperties=spread),
                        "overall": spread,
                        "waiting": integer(0, description="Review rounds waiting for a decision."),
                        "durations": obj(
                            {},
                            additionalProperties=array({"type": "number"}),
                            description="By domain, the seconds from each submission to its decision.",
                        ),
                    },
                    required=["by_domain", "overall", "waiting", "durations"],
                ),
                "outcomes": obj(
                    {
                        "ended": integer(0),
                        "supported": integer(0),
                        "not_supported": integer(0),
                        "untestable": integer(0),
                        "share": number,
                    },
                    required=["ended", "supported", "not_supported", "untestable", "share"],
                    description="Ended pilots' primary outcomes: supported, not supported, untestable.",
                ),
            },
            required=["scope", "domains", "statuses", "studies", "participants", "overall", "turnaround", "outcomes"],
        ),
        "ObservatoryStudy": obj(
            {
                "study_id": integer(1),
                "title": string(),
                "domain": enum(Domain),
                "status": enum(StudyStatus),
                "organisation": string(),
                "created_on": string(format="date"),
                "first_submitted_on": nullable(string(format="date")),
                "last_decided_on": nullable(string(format="date")),
                "review_rounds": integer(0),
                "enrolled": integer(0),
                "retained": integer(0),
                "ended": {"type": "boolean"},
                "primary_outcome_supported": nullable(
                    {
                        "type": "boolean",
                        "description": (
                            "For an ended pilot: whether its primary hypothesis was supported; null when it could not be "
                            "tested, or the pilot has not ended."
                        ),
                    }
                ),
            },
            required=[
                "study_id",
                "title",
                "domain",
                "status",
                "organisation",
                "review_rounds",
                "enrolled",
                "retained",
                "ended",
                "primary_outcome_supported",
            ],
        ),
        "ObservatoryStudyList": page_of("ObservatoryStudy"),
        "AuditRecord": obj(
            {
                "id": integer(1),
                "at": timestamp(),
                "action": string(),
                "label": string(description="In words."),
                "study_id": nullable(integer()),
                "study_title": nullable(string()),
                "actor": obj(
                    {
                        "id": nullable(integer(description="A staff account; never a participant's.")),
                        "role": nullable(string()),
                        "name": nullable(string(description="Staff only.")),
                    },
                    required=["id", "role", "name"],
                ),
                "participant_key": nullable(string(description="A participant code or an account pseudonym.")),
                "from_state": nullable(string()),
                "to_state": nullable(string()),
                "comment": nullable(string()),
                "details": obj({}),
                "chain": string(),
                "seq": integer(),
            },
            required=["id", "at", "action", "label", "study_id", "actor", "participant_key", "details"],
        ),
        "AuditRecordList": page_of("AuditRecord"),
        "AuditVerification": obj(
            {
                "intact": {"type": "boolean"},
                "checked": integer(0, description="Records verified."),
                "chains": integer(0),
                "checkpoint_at": nullable(timestamp()),
                "problem": nullable(
                    obj(
                        {
                            "kind": enum(("changed", "missing", "diverged", "identity")),
                            "chain": nullable(string()),
                            "record_id": nullable(integer()),
                            "found": integer(0),
                            "vouched_for": integer(0),
                            "source": nullable(enum(("head", "checkpoint"))),
                            "message": string(),
                        },
                        required=["kind", "message"],
                    )
                ),
            },
            required=["intact", "checked", "chains", "checkpoint_at", "problem"],
        ),
        "LaySummary": obj(
            {
                "study_id": integer(1),
                "title": string(),
                "flow": string(description="Who took part, e.g. “30 people took part; 24 answered both surveys.”"),
                "finding": string(description="What the pilot found about its main question, and what it means."),
            },
            required=["study_id", "title", "flow", "finding"],
        ),
    }


def survey_parameters(*extra) -> list:
    return [{"$ref": "#/components/parameters/StudyId"}, {"$ref": "#/components/parameters/SurveyKey"}, *extra]


ITEM_KEY = {
    "name": "item_key",
    "in": "path",
    "required": True,
    "schema": ref("Key"),
    "description": "The item's key (a question's, or an instrument's).",
}


def survey_paths() -> dict:
    tag, survey = "studies", (200, "The survey, after the change.", ref("Survey"))
    body_errors = dict(
        e409=NOT_EDITABLE,
        e422="`fields` says what is wrong (a key used twice, or by another survey at the same timepoint...).",
    )
    return {
        "/studies/{study_id}/surveys/{key}": {
            "parameters": survey_parameters(),
            "get": operation(
                "get_survey",
                "One survey's definition",
                tag=tag,
                ok=(200, "The survey.", ref("Survey")),
                errors=errors(401, 403, 404),
                description=SURVEY_READERS,
            ),
            "patch": operation(
                "change_survey",
                "Change a survey's key, title or timepoint",
                tag=tag,
                body="SurveyChange",
                ok=survey,
                errors=errors(400, 401, 403, 404, 409, 422, **body_errors),
                description=EDITORS,
            ),
            "delete": operation(
                "delete_survey",
                "Delete a survey and its items",
                tag=tag,
                ok=(204, "Deleted.", None),
                errors=errors(401, 403, 404, 409, e409=NOT_EDITABLE),
                description=EDITORS,
            ),
        },
        "/studies/{study_id}/surveys/{key}/items": {
            "parameters": survey_parameters(),
            "post": operation(
                "add_survey_item",
                "Add a question or an instrument at the end",
                tag=tag,
                body="SurveyItem",
                ok=(201, "The survey, with the new item last.", ref("Survey")),
                errors=errors(400, 401, 403, 404, 409, 422, **body_errors),
                description=EDITORS,
            ),
        },
        "/studies/{study_id}/surveys/{key}/items/{item_key}": {
            "parameters": survey_parameters(ITEM_KEY),
            "put": operation(
                "replace_survey_item",
                "Replace one item, in its place",
                tag=tag,
                body="SurveyItem",
                ok=survey,
                errors=errors(400, 401, 403, 404, 409, 422, **body_errors),
                description=EDITORS + " Its key may change.",
            ),
            "delete": operation(
                "delete_survey_item",
                "Remove one item",
                tag=tag,
                ok=survey,
                errors=errors(
                    401,
                    403,
                    404,
                    409,
                    422,
                    e409=NOT_EDITABLE,
                    e422="A survey keeps at least one item: delete the survey instead.",
                ),
                description=EDITORS,
            ),
        },
        "/studies/{study_id}/surveys/{key}/order": {
            "parameters": survey_parameters(),
            "put": operation(
                "reorder_survey_items",
                "Put the survey's items in a new order",
                tag=tag,
                body="SurveyOrder",
                ok=survey,
                errors=errors(
                    400,
                    401,
                    403,
                    404,
                    409,
                    422,
                    e409=NOT_EDITABLE,
                    e422="`items` does not list every item key of the survey once.",
                ),
                description=EDITORS,
            ),
        },
    }


def file_operation(
    operation_id: str, summary: str, media_type: str, filename: str, text: str, parameters=(), e422=None
) -> dict:
    out = operation(
        operation_id,
        summary,
        tag="results",
        ok=(200, text, None),
        errors=errors(401, 403, 404, 409, *((422,) if e422 else ()), e409=NOT_APPROVED, e422=e422),
        description=RESULTS_READERS,
        parameters=parameters,
    )
    out["responses"]["200"]["content"] = {media_type: {"schema": string(format="binary")}}
    out["responses"]["200"]["headers"] = {
        "Content-Disposition": {"description": f'`attachment; filename="{filename}"`.', "schema": string()}
    }
    return out


def export_paths() -> dict:
    from ..exports.statfiles import SPSS, STATA  # on first use (README, "Startup")

    same = (
        "The rows and columns of export.csv, pseudonymous codes only. Text that a spreadsheet would run as a "
        "formula (starting with `=`, `+`, `-`, `@`, a tab or a carriage return, also after `;`, `,`, `|` or a "
        "line end) gets a leading `'`, as in the CSV."
    )
    labelled = (
        "Arms, timepoints and single choices coded 1..k with their names as value labels, yes/no as 1/0, "
        "variable labels from the questions; names a format refuses are shortened or suffixed, and the "
        "label says the key. "
    )
    in_language = (
        "A pilot in two languages gives one file per language, its variable and value labels (the pilot's texts "
        "and the app's words) in that language: `language`, else the caller's (`Accept-Language`) when the pilot "
        "offers it, else the one it is written in; its name then ends `-data-<language>.sav` (or `.dta`). "
    )
    language = [
        query(
            "language",
            enum(LANGUAGES),
            "The language of the labels, among the pilot's (`languages`); for a pilot in one language, only that "
            "one (the app's words in it too); refused for a pilot that declares none.",
        )
    ]
    refused = "`language` is not one of the pilot's languages (`fields.language`)."
    study = {"parameters": [{"$ref": "#/components/parameters/StudyId"}]}
    return {
        "/studies/{study_id}/export.xlsx": {
            **study,
            "get": file_operation(
                "export_xlsx",
                "The answers and their dictionary as an Excel workbook",
                XLSX,
                "livinglab-study-<id>-data.xlsx",
                "Two sheets, `data` and `dictionary`. " + same,
            ),
        },
        "/studies/{study_id}/export.sav": {
            **study,
            "get": file_operation(
                "export_sav",
                "The answers as an SPSS file",
                SPSS.mimetype,
                "livinglab-study-<id>-data.sav",
                labelled + in_language + same,
                language,
                refused,
            ),
        },
        "/studies/{study_id}/export.dta": {
            **study,
            "get": file_operation(
                "export_dta",
                "The answers as a Stata file",
                STATA.mimetype,
                "livinglab-study-<id>-data.dta",
                labelled + in_language + same,
                language,
                refused,
            ),
        },
    }


def scope_parameters() -> list:
    return [
        query("domain", enum(Domain), "Only studies of this domain."),
        query("year", integer(1970, 9999), "Only studies created this year (UTC)."),
    ]


def observatory_paths() -> dict:
    return {
        "/observatory": {
            "get": operation(
                "observatory",
                "The observatory's figures",
                tag="observatory",
                parameters=scope_parameters(),
                ok=(200, "What the observatory page shows, for the studies in scope.", ref("Observatory")),
                errors=errors(400, 401, 403, 422),
                description=COORDINATORS,
            )
        },
        "/observatory/studies": {
            "get": operation(
                "observatory_studies",
                "One row per study: review, participation, verdict; no person",
                tag="observatory",
                parameters=[*scope_parameters(), *page_parameters()],
                ok=(200, "A page of studies, by id (the rows of the page's CSV).", ref("ObservatoryStudyList")),
                errors=errors(400, 401, 403, 422),
                description=COORDINATORS,
            )
        },
    }


def audit_paths() -> dict:
    filters = [
        query("action", string(64), "Only records of this action, e.g. `study.approve`."),
        query("study_id", integer(1, MAX_ID), "Only records about this study."),
        query("from", string(10, format="date"), "From this UTC day on (YYYY-MM-DD)."),
        query("to", string(10, format="date"), "Up to this UTC day, included (YYYY-MM-DD)."),
        query("sort", enum(("newest", "oldest"), default="newest"), "Newest (default) or oldest first, by id."),
    ]
    return {
        "/audit": {
            "get": operation(
                "audit_trail",
                "The audit trail, a page at a time",
                tag="audit",
                parameters=[*filters, *page_parameters()],
                ok=(
                    200,
                    "Records in id order (newest first by default); `next_cursor` gives the next page.",
                    ref("AuditRecordList"),
                ),
                errors=errors(
                    400,
                    401,
                    403,
                    422,
                    e422="A bad filter (a date not YYYY-MM-DD, an end before the start) "
                    "or page size; `fields` names it.",
                ),
                description=COORDINATORS + " Participants appear by participant code or account pseudonym only.",
            )
        },
        "/audit/verify": {
            "post": operation(
                "verify_audit_trail",
                "Verify every chain of the trail",
                tag="audit",
                ok=(200, "Whether the trail is intact, and else its first problem.", ref("AuditVerification")),
                errors=errors(401, 403),
                description=COORDINATORS + " Reads only; takes no body.",
            )
        },
    }


def participant_paths() -> dict:
    return {
        "/studies/{study_id}/lay-summary": {
            "parameters": [{"$ref": "#/components/parameters/StudyId"}],
            "get": operation(
                "lay_summary",
                "What an ended pilot found, in plain words",
                tag="participation",
                ok=(
                    200,
                    "Who took part and what the pilot found, as the participant's dashboard says it.",
                    ref("LaySummary"),
                ),
                errors=errors(
                    401,
                    403,
                    404,
                    409,
                    e403="Participants only; also `not_enrolled`.",
                    e409="`not_ended`: said once the pilot has ended; `answers_erased`: the caller's answers "
                    "were erased.",
                ),
                description="An enrolled participant, or one who withdrew keeping their answers.",
            ),
        },
    }


def paths() -> dict:
    return {**survey_paths(), **export_paths(), **observatory_paths(), **audit_paths(), **participant_paths()}
