"""GET /api/v1/openapi.json: the OpenAPI 3.1 description of the whole API, built from small pieces.

Enumerations and limits are read from the domain modules, so the description follows the checks."""

from flask import Blueprint

from ..auth.models import InvitationStatus, Role
from ..auth.services import PASSWORD_MAX, PASSWORD_MIN
from ..participants.models import EnrolmentStatus
from ..policy import public
from ..schema import json_schemas
from ..studies import consent, protocol, sections
from ..studies.models import Design, Domain, Hypothesis, StudyStatus
from ..studies.services import DECISIONS
from ..studies.workflow import RECRUITMENT_MOVES
from ..surveys.definitions import TEXT_MAX, NewSurvey, Survey
from ..urls import MAX_ID
from .pagination import CURSOR_MAX, DEFAULT_LIMIT, MAX_LIMIT

bp = Blueprint("openapi", __name__)

BEARER: list[dict[str, list[str]]] = [{"bearerAuth": []}]
ERROR_RESPONSES = {
    400: (
        "BadRequest",
        "Malformed JSON (not UTF-8, nested deeper than 32 levels, an object of more than 2,000 "
        "keys, a lone surrogate such as `\\ud800` in any string or key, NaN or Infinity), a body "
        "that is not a JSON object, or a value of the wrong type (`fields` names each).",
    ),
    401: ("Unauthorized", "No bearer token, or an unknown or expired one."),
    403: ("Forbidden", "Signed in, but this account may not do this."),
    404: ("NotFound", "Unknown, or not visible to this account: another organisation's study is 404, not 403."),
    409: ("Conflict", "The request conflicts with the current state."),
    422: ("Unprocessable", "Well-formed but invalid: `fields` says what is wrong with each value."),
    415: (
        "UnsupportedMediaType",
        "A body that is not `Content-Type: application/json`: the API takes JSON only "
        "(so a cross-site form cannot post to it).",
    ),
    429: ("TooManyRequests", "Too many attempts: wait for the time in `Retry-After`, then try again."),
}
NOT_EDITABLE = "`not_editable`: the study is neither a draft nor waiting for changes."
BAD_MOVE = "`invalid_transition`: the study's status does not allow this move."
SECTION_COMMENTS = {
    "type": "object",
    "propertyNames": {
        "anyOf": [
            {"enum": [name for name in sections.FIXED if name != sections.GENERAL]},
            {"type": "string", "pattern": "^" + sections.SURVEY + "[a-z][a-z0-9_]{0,47}$"},
        ]
    },
    "additionalProperties": {"type": "string", "maxLength": 10_000},
    "description": "A comment per section of the protocol (studies/sections.py): the page's sections, `consent`, "
    "`surveys`, or one survey as `survey:<key>` (a survey of the protocol reviewed); an unknown one is 422.",
}


@bp.get("/openapi.json")
@public
def openapi_json():
    """The machine-readable description of this API."""
    return spec()


def spec() -> dict:
    """The whole description, built afresh on each call: it is cheap, and never stale."""
    from ..notifications import openapi as notifications_spec  # it builds on the helpers of this module
    from . import openapi_amendments as amendments  # and this: amendments, registrations, re-consent
    from . import openapi_corrections as corrections  # and this: corrections of submitted answers
    from . import openapi_intervals as intervals  # and this: intervals, the secondary adjustment, correlations
    from . import openapi_letter as letter  # and this: review comments and the response letter
    from . import openapi_parity as parity  # so does this: survey editing, exports, observatory, audit, lay summary
    from . import openapi_processing_record as processing  # and this: the record of processing (GDPR art. 30)
    from . import openapi_quality as quality  # and this: data-quality flags, exclusions of responses
    from . import openapi_reports as reports  # and this: problem reports, repeated reports in long form
    from . import openapi_retention as retention  # and this: retention, upcoming purges, postponements
    from . import openapi_reuse as reuse  # and this: copies to another timepoint, question library, templates
    from . import openapi_sites as sites  # and this: the results by site and by age group

    return {
        "openapi": "3.1.0",
        "info": {
            "title": "LivingLab API",
            "version": "1",
            "description": (
                "The same domain functions as the web pages, with the same rules and audit trail. "
                "JSON in and out, UTF-8; dates `YYYY-MM-DD`, times ISO 8601 with a time zone. "
                "Authenticate with `Authorization: Bearer <token>` from `POST /auth/tokens`; the API "
                "takes no cookies and needs no CSRF token. Every error has the body "
                '`{"error": {"code", "message", "fields"}}`.'
            ),
        },
        "servers": [{"url": "/api/v1"}],
        "tags": [
            {"name": "accounts", "description": "Registration, tokens and the caller's account."},
            {"name": "organisation", "description": "A startup's organisation: members, invitations, leaving."},
            {"name": "studies", "description": "Pilot protocols, their consent form and surveys."},
            {"name": "review", "description": "Submission, the coordinators' decision and recruitment."},
            {"name": "participation", "description": "Enrolment, answers, withdrawal and personal data."},
            {"name": "public", "description": "What anyone may read."},
            {
                "name": "results",
                "description": "The analysis of a pilot and its pseudonymous answers, for the owner "
                "organisation and coordinators.",
            },
            notifications_spec.TAG,
            *parity.TAGS,
        ],
        "paths": with_media_type_errors(
            merge_paths(
                account_paths(),
                study_paths(),
                participation_paths(),
                public_paths(),
                results_paths(),
                notifications_spec.paths(),
                parity.paths(),
                corrections.paths(),
                amendments.paths(),
                retention.paths(),
                letter.paths(),
                quality.paths(),
                intervals.paths(),
                reports.paths(),
                processing.paths(),
                reuse.paths(),
            )
        ),
        "components": {
            "securitySchemes": {
                "bearerAuth": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "A token from `POST /auth/tokens`; it expires at `expires_at`.",
                }
            },
            "parameters": {
                "StudyId": {
                    "name": "study_id",
                    "in": "path",
                    "required": True,
                    "schema": {"type": "integer", "minimum": 1, "maximum": MAX_ID},
                },
                "SurveyKey": {
                    "name": "key",
                    "in": "path",
                    "required": True,
                    "schema": ref("Key"),
                    "description": "The survey's key.",
                },
            },
            "responses": {name: error_response(status) for status, (name, _text) in ERROR_RESPONSES.items()},
            "schemas": {
                **common_schemas(),
                **account_schemas(),
                **study_schemas(),
                **survey_schemas(),
                **participation_schemas(),
                **intervals.extended(results_schemas()),
                **notifications_spec.schemas(),
                **parity.schemas(),
                **corrections.schemas(),
                **amendments.schemas(),
                **retention.schemas(),
                **letter.schemas(),
                **quality.schemas(),
                **sites.subgroup_schemas(),
                **reports.schemas(),
                **processing.schemas(),
                **reuse.schemas(),
            },
        },
    }


# Schema building blocks


def ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def nullable(schema: dict) -> dict:
    if "$ref" in schema:
        return {"anyOf": [schema, {"type": "null"}]}
    out = {**schema, "type": [schema["type"], "null"]}
    if "enum" in schema:
        out["enum"] = [*schema["enum"], None]
    return out


def string(max_len: int | None = None, *, min_len: int | None = None, **extra) -> dict:
    schema = {"type": "string", **extra}
    if min_len is not None:
        schema["minLength"] = min_len
    if max_len is not None:
        schema["maxLength"] = max_len
    return schema


def integer(lo: int | None = None, hi: int | None = None, **extra) -> dict:
    schema = {"type": "integer", **extra}
    if lo is not None:
        schema["minimum"] = lo
    if hi is not None:
        schema["maximum"] = hi
    return schema


def enum(values, **extra) -> dict:
    return {"type": "string", "enum": [str(getattr(v, "value", v)) for v in values], **extra}


def array(
    items: dict, *, min_items: int | None = None, max_items: int | None = None, unique: bool = False, **extra
) -> dict:
    schema = {"type": "array", "items": items, **extra}
    if min_items is not None:
        schema["minItems"] = min_items
    if max_items is not None:
        schema["maxItems"] = max_items
    if unique:
        schema["uniqueItems"] = True
    return schema


def obj(properties: dict, required=(), **extra) -> dict:
    schema = {"type": "object", "properties": properties, **extra}
    if required:
        schema["required"] = list(required)
    return schema


def timestamp(**extra) -> dict:
    return string(format="date-time", **extra)


def items_of(name: str) -> dict:
    return obj({"items": array(ref(name))}, required=["items"])


def page_of(name: str) -> dict:
    """A paginated list (v1.1): a page of items and the cursor of the next page."""
    return obj(
        {
            "items": array(ref(name), max_items=MAX_LIMIT),
            "next_cursor": nullable(
                string(description=("Opaque: pass it as `cursor` to get the next page; null on the last page."))
            ),
        },
        required=["items", "next_cursor"],
    )


def page_parameters() -> list:
    return [
        query(
            "limit",
            integer(1, MAX_LIMIT, default=DEFAULT_LIMIT),
            f"How many items per page: {DEFAULT_LIMIT} when absent, at most {MAX_LIMIT} (422 beyond, 400 "
            "for anything but a whole number).",
        ),
        query(
            "cursor",
            string(CURSOR_MAX),
            "The `next_cursor` of the previous page, as it was given; any other value answers 400 `invalid_cursor`.",
        ),
    ]


PAGED = "Paginated: items in ascending id (a stable order), `limit` per page; follow `next_cursor` until it is null."


# Schemas


def common_schemas() -> dict:
    return {
        "Error": obj(
            {
                "error": obj(
                    {
                        "code": string(
                            description="Machine-readable, e.g. `malformed_json`, `unauthorized`, `not_found`, "
                            "`not_editable`, `invalid_transition`, `incomplete`, `email_taken`."
                        ),
                        "message": string(description="A sentence for people, in the caller's language."),
                        "fields": obj(
                            {},
                            additionalProperties=string(maxLength=500),
                            maxProperties=100,
                            description="What is wrong with each field; may be empty. At most 100 entries, each "
                            "message at most 500 characters.",
                        ),
                    },
                    required=["code", "message", "fields"],
                )
            },
            required=["error"],
            examples=[
                {
                    "error": {
                        "code": "invalid",
                        "message": "Some values are not valid.",
                        "fields": {"target_enrolment": "Must be between 1 and 100000."},
                    }
                }
            ],
        ),
    }


def account_schemas() -> dict:
    return {
        "Registration": obj(
            {
                "email": string(254, format="email"),
                "password": string(PASSWORD_MAX, min_len=PASSWORD_MIN),
                "name": string(200, min_len=1),
                "role": enum(
                    (Role.STARTUP, Role.PARTICIPANT),
                    description="Coordinators are created by the CLI or by another coordinator.",
                ),
                "organisation": string(
                    200,
                    description=(
                        "Required for a startup without `invitation`: its new organisation. A name that looks like a "
                        "registered one (case, invisible characters, letters of other scripts that look the same: the "
                        "Unicode TR39 skeleton) answers 409 `organisation_taken`, checked before the email."
                    ),
                ),
                "invitation": string(
                    200,
                    description=(
                        "The secret of an invitation link (`token` of `POST /organisation/invitations`): the new startup "
                        "account joins that organisation. Its email must be the invited one."
                    ),
                ),
            },
            required=["email", "password", "name", "role"],
            **{"if": obj({"role": {"const": "startup"}}, required=["role"]), "then": {"required": ["organisation"]}},
        ),
        "Credentials": obj(
            {
                "email": string(),
                "password": string(),
                "name": nullable(string(100, description="What the token is for, e.g. `Mobile app`.")),
            },
            required=["email", "password"],
        ),
        "Token": obj(
            {
                "token": string(description="The secret, shown once: only its hash is stored."),
                "expires_at": timestamp(),
                "id": integer(),
                "name": nullable(string()),
            },
            required=["token", "expires_at"],
        ),
        "TokenInfo": obj(
            {
                "id": integer(),
                "name": nullable(string()),
                "created_at": timestamp(),
                "last_used_at": nullable(timestamp(description="Noted at most once an hour.")),
                "expires_at": timestamp(),
            },
            required=["id", "name", "created_at", "last_used_at", "expires_at"],
        ),
        "TokenList": page_of("TokenInfo"),
        "Member": obj(
            {"id": integer(), "name": string(), "email": string(format="email")}, required=["id", "name", "email"]
        ),
        "MemberList": page_of("Member"),
        "InvitationRequest": obj({"email": string(254, format="email")}, required=["email"]),
        "Invitation": obj(
            {
                "id": integer(),
                "email": string(format="email"),
                "organisation": ref("OrganisationRef"),
                "invited_by": nullable(string()),
                "status": enum(InvitationStatus),
                "created_at": timestamp(),
                "expires_at": timestamp(),
            },
            required=["id", "email", "organisation", "invited_by", "status", "created_at", "expires_at"],
        ),
        "InvitationList": page_of("Invitation"),
        "NewInvitation": {
            "allOf": [
                ref("Invitation"),
                obj(
                    {
                        "token": string(description="The link's secret, shown once; only its hash is stored."),
                        "url": string(description="The link to send to the invited person (on `LIVINGLAB_BASE_URL`)."),
                    },
                    required=["token", "url"],
                ),
            ]
        },
        "Acceptance": obj({"token": string(200, description="The secret of the invitation link.")}, required=["token"]),
        "Account": obj(
            {
                "id": integer(),
                "email": string(format="email"),
                "name": string(),
                "role": enum(Role),
                "organisation": nullable(ref("OrganisationRef")),
            },
            required=["id", "email", "name", "role", "organisation"],
        ),
    }


def study_schemas() -> dict:
    """The protocol and the consent: generated from the pydantic models that validate their bodies."""
    return {
        **json_schemas(
            protocol.NewStudy,
            protocol.StudyChanges,
            protocol.Study,
            protocol.PublicStudy,
            consent.NewConsent,
            consent.Consent,
        ),
        "StudyList": page_of("Study"),
        "PublicStudyList": page_of("PublicStudy"),
        "Decision": obj(
            {
                "decision": enum(DECISIONS),
                "comment": string(10_000, description="Required unless approving."),
                "section_comments": SECTION_COMMENTS,
            },
            required=["decision"],
            **{
                "if": obj({"decision": {"enum": ["request_changes", "reject"]}}, required=["decision"]),
                "then": obj({"comment": string(min_len=1)}, required=["comment"]),
            },
        ),
        "Recruitment": obj({"state": enum(RECRUITMENT_MOVES)}, required=["state"]),
        "EndStudy": obj(
            {"reason": string(2000, min_len=1, description="Why the pilot ends; kept in its history.")},
            required=["reason"],
        ),
    }


def survey_schemas() -> dict:
    """Surveys and their items: generated from the pydantic models that validate them."""
    return {**json_schemas(NewSurvey, Survey), "SurveyList": page_of("Survey")}


def participation_schemas() -> dict:
    answer = {"anyOf": [{"type": "number"}, {"type": "boolean"}, string(TEXT_MAX), array(string())]}
    return {
        "NewEnrolment": obj(
            {
                "consent_version": integer(1, description="The version read and signed: the current one."),
                "clauses": obj(
                    {},
                    additionalProperties={"type": "boolean"},
                    description="Every clause key of the consent, true (agreed) or false.",
                ),
                "signature": string(
                    200,
                    min_len=1,
                    description=(
                        "The participant's name, as a signature: required when the study's `consent_mode` is "
                        "`written`; valid evidence in every mode."
                    ),
                ),
                "confirmed": {
                    "type": "boolean",
                    "description": (
                        "`consent_mode` `express`: the participant confirms their agreement (the clauses ticked); "
                        "`information`: they have read the information notice. Required in those modes unless a "
                        "`signature` is sent."
                    ),
                },
                "age": integer(0, 130),
                "criteria_confirmed": {
                    "anyOf": [{"type": "boolean"}, array({"type": "boolean"})],
                    "description": "One answer for all eligibility criteria, or one per criterion.",
                },
                "site": string(
                    description=(
                        "Where the participant takes part: one of the study's `sites` keys. Required when the study "
                        "has sites (422 naming `site` when missing or not one of them); left out otherwise."
                    )
                ),
            },
            required=["consent_version", "clauses", "age"],
        ),
        "Enrolment": obj(
            {
                "participant_code": string(
                    pattern="^P-[A-Z2-9]{8}$", description="Pseudonymous; not derived from the account."
                ),
                "arm": ref("Key"),
                "consent_mode": {
                    "type": "string",
                    "enum": ["written", "express", "information"],
                    "description": "How the participant agreed: the mode the study's category asks for.",
                },
            },
            required=["participant_code", "arm"],
        ),
        "Answers": obj(
            {
                "answers": obj(
                    {},
                    additionalProperties=answer,
                    description=(
                        "By answer key: a question's key, or `<key>_1 … <key>_N` for an instrument's items. Numbers for "
                        "likert, number, nps and instrument items; true/false for yes_no; a choice; a list of choices for "
                        "multiple_choice; text."
                    ),
                ),
                "started_at": nullable(
                    timestamp(
                        description=(
                            "When the participant started the survey in your app (not in the future). Left out: the "
                            "response has no start, and is never flagged as answered impossibly fast."
                        )
                    )
                ),
            },
            required=["answers"],
        ),
        "DraftAnswers": obj(
            {
                "answers": obj(
                    {},
                    additionalProperties=answer,
                    description=(
                        "By answer key, as far as answered: the values are checked for their type and size only (ranges are "
                        "checked when the survey is sent). Empty values are left out."
                    ),
                )
            },
            required=["answers"],
        ),
        "Draft": obj(
            {
                "survey": ref("Key"),
                "answers": obj({}, additionalProperties=answer),
                "saved_at": timestamp(),
                "started_at": nullable(
                    timestamp(description="The first save: kept by later saves, and by the response once it is sent.")
                ),
            },
            required=["survey", "answers", "saved_at"],
            description="Answers saved to finish later: never analysed nor exported; deleted when the "
            "survey is sent, the participant leaves, or the pilot ends.",
        ),
        "ResponseReceipt": obj(
            {
                "id": integer(),
                "survey": ref("Key"),
                "submitted_at": timestamp(),
                "started_at": nullable(timestamp(description="The `started_at` sent, or the draft's first save.")),
                "revision": integer(0, description="0: send it with a correction (`PUT .../responses/mine`)."),
                "instance": integer(
                    1, description="The report number of a repeatable survey (1, 2...); 1 for every other survey."
                ),
            },
            required=["id", "survey", "submitted_at"],
        ),
        "Withdrawal": obj(
            {"erase_data": {"type": "boolean", "description": "Erase the answers given so far."}},
            required=["erase_data"],
        ),
        "WithdrawalReceipt": obj(
            {"participant_code": string(), "status": enum(EnrolmentStatus), "data_erased": {"type": "boolean"}},
            required=["participant_code", "status", "data_erased"],
        ),
        "PersonalData": obj(
            {
                "account": obj(
                    {
                        "id": integer(),
                        "email": string(format="email"),
                        "name": string(),
                        "role": enum(Role),
                        "language": nullable(string()),
                        "created_at": timestamp(),
                        "organisation": nullable(string()),
                    },
                    required=["id", "email", "name", "role"],
                ),
                "enrolments": array(
                    obj(
                        {
                            "study": obj({"id": integer(), "title": string()}, required=["id", "title"]),
                            "participant_code": string(),
                            "arm": string(),
                            "site": nullable(obj({"key": string(), "name": string()}, required=["key", "name"]))
                            | {"description": "Where they take part, when the pilot has sites."},
                            "age_group": nullable(string())
                            | {"description": "The age group a pilot randomised within age groups kept."},
                            "status": enum(EnrolmentStatus),
                            "enrolled_at": timestamp(),
                            "withdrawn_at": nullable(timestamp()),
                            "answers_erased": {"type": "boolean"},
                            "consents": array(
                                obj({}, description="Each consent version signed, with the clauses agreed.")
                            ),
                            "responses": array(
                                obj(
                                    {
                                        "survey": string(),
                                        "timepoint": string(),
                                        "instance": integer(1, description="A repeatable survey's report number."),
                                        "submitted_at": timestamp(),
                                        "answers": obj({}, additionalProperties=answer),
                                        "revision": integer(0),
                                        "revised_at": nullable(timestamp()),
                                        "revisions": array(
                                            obj({}),
                                            description="Each corrected answer: previous and new value, when, by "
                                            "whom (`participant` or `coordinator`), and the coordinator's reason.",
                                        ),
                                        "excluded_from_analysis": array(
                                            obj(
                                                {
                                                    "excluded_at": timestamp(),
                                                    "reason": string(),
                                                    "active": {"type": "boolean"},
                                                    "undone_at": nullable(timestamp()),
                                                },
                                                required=["excluded_at", "reason", "active", "undone_at"],
                                            ),
                                            description="Each time the pilot's staff left this response out of "
                                            "the sensitivity analysis (the registered analysis still uses it): when, "
                                            "the reason given and whether it was undone; never who decided.",
                                        ),
                                    }
                                )
                            ),
                            "drafts": array(ref("Draft")),
                        },
                        required=["study", "participant_code", "status"],
                    )
                ),
                "eligibility_checks": array(
                    obj(
                        {
                            "study_id": integer(),
                            "outcome": enum(
                                ("not_eligible", "eligible", "declined_consent", "turned_away_full", "enrolled")
                            ),
                            "rules_not_met": array(string()),
                            "site": nullable(string()) | {"description": "The key of the site they chose, if any."},
                            "age_group": nullable(string())
                            | {"description": "A stratified pilot's age group, once eligible."},
                            "at": timestamp(),
                        }
                    ),
                    description=(
                        "The outcome of each pilot's eligibility check, kept once per pilot (never the answers given) "
                        "to count each person once."
                    ),
                ),
                "audit_events": array(
                    obj(
                        {
                            "id": integer(),
                            "at": timestamp(),
                            "action": string(),
                            "study_id": nullable(integer()),
                            "by": string(description="`you`, `system`, or the role of the staff member who acted."),
                            "participant_key": nullable(
                                string(
                                    description="Your participant code in that pilot, or the "
                                    "pseudonym of your account in the trail."
                                )
                            ),
                            "from_state": nullable(string()),
                            "to_state": nullable(string()),
                            "comment": nullable(string()),
                            "details": obj({}),
                        },
                        required=["id", "at", "action"],
                    ),
                    description="The audit records about the caller, oldest first.",
                ),
            },
            required=["account", "enrolments", "audit_events"],
            description="Every personal datum held about the caller.",
        ),
    }


# Operations


def json_content(schema: dict) -> dict:
    return {"application/json": {"schema": schema}}


def error_response(status: int, note: str | None = None) -> dict:
    description = ERROR_RESPONSES[status][1] + (f" {note}" if note else "")
    response = {"description": description, "content": json_content(ref("Error"))}
    if status == 429:
        response["headers"] = {"Retry-After": {"description": "Seconds to wait.", "schema": integer(0)}}
    return response


def errors(*statuses: int, **notes: str) -> dict:
    """Error responses by status; a note (keyword `e409=...`) replaces the generic description."""
    out = {}
    for status in statuses:
        note = notes.get(f"e{status}")
        if note:
            out[str(status)] = error_response(status, note)
        else:
            out[str(status)] = {"$ref": f"#/components/responses/{ERROR_RESPONSES[status][0]}"}
    return out


def operation(
    operation_id: str,
    summary: str,
    *,
    tag: str,
    ok: tuple,
    errors: dict,
    body: str | None = None,
    security=BEARER,
    parameters=(),
    description: str | None = None,
) -> dict:
    status, text, schema = ok
    response = {"description": text}
    if schema:
        response["content"] = json_content(schema)
    out = {
        "operationId": operation_id,
        "summary": summary,
        "tags": [tag],
        "security": security,
        "responses": {str(status): response, **errors},
    }
    if description:
        out["description"] = description
    if parameters:
        out["parameters"] = list(parameters)
    if body:
        out["requestBody"] = {"required": True, "content": json_content(ref(body))}
    return out


def query(name: str, schema: dict, description: str) -> dict:
    return {"name": name, "in": "query", "required": False, "schema": schema, "description": description}


def study_path(**operations) -> dict:
    return {"parameters": [{"$ref": "#/components/parameters/StudyId"}], **operations}


def account_paths() -> dict:
    return {
        "/auth/register": {
            "post": operation(
                "register",
                "Create a startup or participant account",
                tag="accounts",
                security=[],
                body="Registration",
                ok=(201, "The new account.", ref("Account")),
                errors=errors(
                    400,
                    409,
                    422,
                    429,
                    e409="`email_taken`, or `organisation_taken` when the organisation "
                    "already has an account (a member adds colleagues).",
                ),
            )
        },
        "/auth/tokens": {
            "post": operation(
                "create_token",
                "Exchange an email and password for a bearer token",
                tag="accounts",
                security=[],
                body="Credentials",
                ok=(201, "A new token.", ref("Token")),
                errors=errors(
                    400,
                    401,
                    422,
                    429,
                    e401=(
                        "`invalid_credentials`: wrong email or password, or this client address must wait after "
                        "repeated failures for this account (other addresses are not affected)."
                    ),
                ),
            ),
            "get": operation(
                "list_tokens",
                "The caller's live tokens",
                tag="accounts",
                parameters=page_parameters(),
                ok=(200, "By ascending id; never the secret.", ref("TokenList")),
                errors=errors(400, 401, 422),
            ),
        },
        "/me": {
            "get": operation(
                "me",
                "The caller's account",
                tag="accounts",
                ok=(200, "The account.", ref("Account")),
                errors=errors(401),
            )
        },
        "/auth/tokens/{token_id}": {
            "parameters": [
                {
                    "name": "token_id",
                    "in": "path",
                    "required": True,
                    "schema": {"type": "integer", "minimum": 0, "maximum": MAX_ID},
                }
            ],
            "delete": operation(
                "revoke_token",
                "Revoke one of the caller's tokens",
                tag="accounts",
                ok=(204, "Revoked: the token answers 401 from the next request on.", None),
                errors=errors(401, 404, e404="`not_found`: the caller has no token with this id."),
            ),
        },
        **organisation_paths(),
    }


def organisation_paths() -> dict:
    startup_only = "Startups only; 403 `no_organisation` for a startup account that belongs to none."
    invitation_id = [
        {
            "name": "invitation_id",
            "in": "path",
            "required": True,
            "schema": {"type": "integer", "minimum": 0, "maximum": MAX_ID},
        }
    ]
    return {
        "/organisation/members": {
            "get": operation(
                "list_members",
                "The members of the caller's organisation",
                tag="organisation",
                parameters=page_parameters(),
                ok=(200, "The members, by ascending id.", ref("MemberList")),
                errors=errors(400, 401, 403, 422),
                description=startup_only,
            )
        },
        "/organisation/invitations": {
            "get": operation(
                "list_invitations",
                "The organisation's pending invitations",
                tag="organisation",
                parameters=page_parameters(),
                ok=(200, "Pending invitations, oldest first (never their secret).", ref("InvitationList")),
                errors=errors(400, 401, 403, 422),
                description=startup_only,
            ),
            "post": operation(
                "invite",
                "Invite an email into the caller's organisation",
                tag="organisation",
                body="InvitationRequest",
                ok=(201, "The invitation and its link, shown once.", ref("NewInvitation")),
                errors=errors(
                    400,
                    401,
                    403,
                    409,
                    422,
                    429,
                    e409=(
                        "`already_member` (an email of the organisation's members), `already_invited` (revoke the pending "
                        "invitation to make a new link), `too_many_invitations`."
                    ),
                ),
                description=(
                    "The answer is the same whether or not the email has an account. The link works "
                    "for 14 days, once, for that email only. " + startup_only
                ),
            ),
        },
        "/organisation/invitations/{invitation_id}": {
            "parameters": invitation_id,
            "delete": operation(
                "revoke_invitation",
                "Withdraw a pending invitation",
                tag="organisation",
                ok=(204, "Withdrawn: its link no longer works.", None),
                errors=errors(401, 403, 404, e404="No pending invitation of the caller's organisation has this id."),
            ),
        },
        "/me/invitations": {
            "get": operation(
                "my_invitations",
                "Pending invitations addressed to the caller's email",
                tag="organisation",
                parameters=page_parameters(),
                ok=(200, "The invitations (accepting one takes the secret of its link).", ref("InvitationList")),
                errors=errors(400, 401, 422),
            )
        },
        "/invitations/accept": {
            "post": operation(
                "accept_invitation",
                "Join an organisation with an invitation's secret",
                tag="organisation",
                body="Acceptance",
                ok=(200, "The caller's account, now a member.", ref("Account")),
                errors=errors(
                    400,
                    401,
                    403,
                    404,
                    409,
                    422,
                    e403="`invitation_for_another_email`.",
                    e404="`invitation_not_found`: unknown, used, withdrawn or expired.",
                    e422="`token` missing or empty.",
                    e409="`already_in_organisation` (leave it first), `already_member`, `not_a_startup`.",
                ),
                description="Emails are not verified yet: the link's secret, not the email alone, proves the "
                "invitation is the caller's.",
            )
        },
        "/organisation/leave": {
            "post": operation(
                "leave_organisation",
                "Leave the caller's organisation",
                tag="organisation",
                ok=(200, "The caller's account, `organisation: null`.", ref("Account")),
                errors=errors(
                    401,
                    403,
                    409,
                    e409=(
                        "`last_member`: the last member of an organisation that has studies cannot leave; "
                        "`no_organisation`."
                    ),
                ),
                description="An organisation left without members is deleted.",
            )
        },
    }


def study_paths() -> dict:
    visible = "The owner organisation, a coordinator, or a participant enrolled in the study."
    return {
        "/studies": {
            "post": operation(
                "create_study",
                "Draft a new study",
                tag="studies",
                body="NewStudy",
                ok=(201, "The new study, `status: draft`.", ref("Study")),
                errors=errors(400, 401, 403, 422),
                description="Startups only; the study belongs to the caller's organisation.",
            ),
            "get": operation(
                "list_studies",
                "The studies the caller may see",
                tag="studies",
                ok=(200, "A page of the studies, by id.", ref("StudyList")),
                errors=errors(400, 401, 422),
                parameters=[query("status", enum(StudyStatus), "Only studies in this status."), *page_parameters()],
                description="A startup sees its organisation's studies, a coordinator all, a participant those "
                "it is enrolled in. " + PAGED,
            ),
        },
        "/studies/{study_id}": study_path(
            get=operation(
                "get_study",
                "One study",
                tag="studies",
                ok=(200, "The study.", ref("Study")),
                errors=errors(401, 404),
                description=visible,
            ),
            patch=operation(
                "update_study",
                "Change editable fields of the protocol",
                tag="studies",
                body="StudyChanges",
                ok=(200, "The study; `version` went up if anything changed.", ref("Study")),
                errors=errors(400, 401, 403, 404, 409, 422, e409=NOT_EDITABLE),
                description="The owner organisation, while the study is a draft or changes are requested.",
            ),
        ),
        "/studies/{study_id}/consent": study_path(
            put=operation(
                "save_consent",
                "Save a new version of the consent form",
                tag="studies",
                body="NewConsent",
                ok=(200, "The new version: each save adds one.", ref("Consent")),
                errors=errors(400, 401, 403, 404, 409, 422, e409=NOT_EDITABLE),
            ),
            get=operation(
                "get_consent",
                "The current consent form",
                tag="public",
                security=[{}, *BEARER],
                ok=(200, "The current version.", ref("Consent")),
                errors=errors(404, e404="Also when the study has no consent yet (`no_consent`)."),
                description="Anyone, for a recruiting study; otherwise those who may see the study "
                "(its organisation, coordinators, its participants).",
            ),
        ),
        "/studies/{study_id}/surveys": study_path(
            post=operation(
                "create_survey",
                "Add a survey at one of the study's timepoints",
                tag="studies",
                body="NewSurvey",
                ok=(201, "The new survey.", ref("Survey")),
                errors=errors(
                    400,
                    401,
                    403,
                    404,
                    409,
                    422,
                    e409=NOT_EDITABLE,
                    e422="Also a key used twice at one timepoint, or measured differently at another.",
                ),
            ),
            get=operation(
                "list_surveys",
                "The study's surveys",
                tag="studies",
                ok=(200, "A page of the surveys, in creation order.", ref("SurveyList")),
                errors=errors(400, 401, 404, 422),
                parameters=page_parameters(),
                description=visible
                + " "
                + PAGED
                + " For an enrolled participant each survey also has `state` (`answered`, `open`, `waiting`: an "
                "earlier timepoint first, `scheduled`: opens on a date, `missed`: its window closed unanswered, "
                "`closed`: withdrawn or ended), and `opens_at` and `closes_at`, its window for them.",
            ),
        ),
        "/studies/{study_id}/submit": study_path(
            post=operation(
                "submit_study",
                "Send the protocol to the coordinators",
                tag="review",
                ok=(200, "The study, `status: submitted`.", ref("Study")),
                errors=errors(
                    401,
                    403,
                    404,
                    409,
                    422,
                    e409=BAD_MOVE,
                    e422=(
                        "`incomplete`: `fields` lists what is missing by checklist key (for instance `consent`, `surveys`, "
                        "`primary_outcome`: measured at the timepoints the design compares)."
                    ),
                ),
                description="The owner organisation; takes no body.",
            )
        ),
        "/studies/{study_id}/decision": study_path(
            post=operation(
                "decide",
                "Approve, request changes or reject a submitted study",
                tag="review",
                body="Decision",
                ok=(200, "The study; on approval `registration_hash` is set.", ref("Study")),
                errors=errors(400, 401, 403, 404, 409, 422, e409=BAD_MOVE),
                description="Coordinators only.",
            )
        ),
        "/studies/{study_id}/recruitment": study_path(
            post=operation(
                "set_recruitment",
                "Open, pause or close recruitment",
                tag="review",
                body="Recruitment",
                ok=(200, "The study in its new status.", ref("Study")),
                errors=errors(400, 401, 403, 404, 409, 422, e409=BAD_MOVE),
                description="A coordinator or the owner organisation, once the study is approved.",
            )
        ),
        "/studies/{study_id}/end": study_path(
            post=operation(
                "end_study",
                "End the pilot: no more answers, final results",
                tag="review",
                body="EndStudy",
                ok=(200, "The study, `status: ended`.", ref("Study")),
                errors=errors(
                    400,
                    401,
                    403,
                    404,
                    409,
                    422,
                    e409=(
                        "`invalid_transition` (only a recruiting, paused or closed study ends), or `follow_up_running`: "
                        "for the owner organisation, participants may still answer (see the description)."
                    ),
                    e422="`reason` missing or empty.",
                ),
                description=(
                    "A coordinator, at any time; the owner organisation once every timepoint window has passed: for "
                    "each participant still taking part who has not answered the last timepoint, its surveys opened "
                    "(at their delay after enrolment) at least 14 days ago. Deletes the unsent drafts."
                ),
            ),
        ),
    }


def participation_paths() -> dict:
    return {
        "/studies/{study_id}/enrolment": study_path(
            post=operation(
                "enrol",
                "Check eligibility, sign the consent and enrol",
                tag="participation",
                body="NewEnrolment",
                ok=(201, "Enrolled, randomised to an arm where the design says so.", ref("Enrolment")),
                errors=errors(
                    400,
                    401,
                    403,
                    404,
                    409,
                    422,
                    429,
                    e404="Unknown, or never approved (a draft, a submitted or rejected protocol).",
                    e409="`not_recruiting` (approved at least once, but not recruiting now), "
                    "`already_enrolled`, or `full`: enrolment never exceeds `target_enrolment`.",
                    e422="`invalid` (every bad value named at once, nothing counted), `not_eligible`, "
                    "`consent_refused` (a required clause refused), or `stale_consent` (not the "
                    "current version).",
                ),
                description=(
                    "Participants only. The flow of the results counts each account once per study: `screened` "
                    "when the eligibility values are valid, then `eligible`, `declined_consent`, `turned_away_full` "
                    "(checked before the capacity), `enrolled`; a refused request keeps its count."
                ),
            )
        ),
        "/studies/{study_id}/surveys/{key}/responses": {
            "parameters": [{"$ref": "#/components/parameters/StudyId"}, {"$ref": "#/components/parameters/SurveyKey"}],
            "post": operation(
                "respond",
                "Answer one survey, once",
                tag="participation",
                body="Answers",
                ok=(201, "The answers are saved.", ref("ResponseReceipt")),
                errors=errors(
                    400,
                    401,
                    403,
                    404,
                    409,
                    422,
                    429,
                    e429="At most 30 submissions a minute per token (and 300 per client address).",
                    e403="Also `not_enrolled`: not taking part in this study.",
                    e409="`already_answered`, `withdrawn`, `study_ended`, `not_open` (an earlier "
                    "timepoint or a date first), `window_closed` (the timepoint's window has closed: the "
                    "survey is missed), or `reconsent_needed`.",
                    e422="`invalid_answers`: `fields` names each bad or missing answer.",
                ),
                description="An enrolled participant. Deletes the survey's draft, if any.",
            ),
        },
        "/studies/{study_id}/surveys/{key}/draft": {
            "parameters": [{"$ref": "#/components/parameters/StudyId"}, {"$ref": "#/components/parameters/SurveyKey"}],
            "put": operation(
                "save_draft",
                "Save the answers given so far, to finish later",
                tag="participation",
                body="DraftAnswers",
                ok=(200, "The draft (it replaces the previous one).", ref("Draft")),
                errors=errors(
                    400,
                    401,
                    403,
                    404,
                    409,
                    422,
                    e403="Also `not_enrolled`.",
                    e409="As for answers: the survey must be open to the participant now.",
                    e422="An answer key the survey does not have, or a value too long.",
                ),
                description="An enrolled participant.",
            ),
            "get": operation(
                "get_draft",
                "The saved draft of a survey",
                tag="participation",
                ok=(200, "The draft.", ref("Draft")),
                errors=errors(401, 403, 404, e403="Also `not_enrolled`.", e404="Also `no_draft`."),
                description="An enrolled participant.",
            ),
            "delete": operation(
                "delete_draft",
                "Throw the draft away",
                tag="participation",
                ok=(204, "Deleted.", None),
                errors=errors(401, 403, 404, e403="Also `not_enrolled`.", e404="Also `no_draft`."),
                description="An enrolled participant.",
            ),
        },
        "/studies/{study_id}/withdrawal": study_path(
            post=operation(
                "withdraw",
                "Leave the pilot, keeping or erasing the answers; or erase, later, the answers kept",
                tag="participation",
                body="Withdrawal",
                ok=(200, "Withdrawn (or, after a withdrawal, the kept answers erased).", ref("WithdrawalReceipt")),
                errors=errors(
                    400,
                    401,
                    403,
                    404,
                    409,
                    e403="Also `not_enrolled`.",
                    e409="`withdrawn`: already left, and `erase_data` is false; `already_erased`: the answers "
                    "are already erased; `anonymised`: the pilot's data are anonymised, so no answer "
                    "can be told apart as the caller's any more.",
                ),
                description=(
                    "An enrolled participant. Withdrawing with `erase_data: false` keeps the answers under the "
                    "participant code; the same call again with `erase_data: true`, at any later time, erases them "
                    "(until the pilot's data are anonymised). Erased answers are deleted rows, gone from the database "
                    "files too."
                ),
            )
        ),
        "/me/export": {
            "get": operation(
                "export_personal_data",
                "Every personal datum held about the caller",
                tag="participation",
                ok=(
                    200,
                    "Account, consents, enrolments, answers and the audit records about the caller.",
                    ref("PersonalData"),
                ),
                errors=errors(401),
            )
        },
        "/me": {
            "delete": operation(
                "erase_account",
                "Erase the caller's account",
                tag="participation",
                ok=(204, "Erased.", None),
                errors=errors(401, 403),
                description=(
                    "Participants only. Answers are erased, or kept without any link to the person when the signed "
                    "consent said so; signatures are always deleted."
                ),
            )
        },
    }


def with_media_type_errors(paths: dict) -> dict:
    """Every call that may carry a body answers 415 to one that is not JSON."""
    for item in paths.values():
        for method in ("post", "put", "patch", "delete"):
            if method in item:
                item[method]["responses"].setdefault("415", {"$ref": "#/components/responses/UnsupportedMediaType"})
    return paths


def merge_paths(*groups: dict) -> dict:
    """Several groups may describe other methods of one path (GET /me, DELETE /me)."""
    paths: dict[str, dict] = {}
    for group in groups:
        for path, item in group.items():
            paths.setdefault(path, {}).update(item)
    return paths


def public_paths() -> dict:
    return {
        "/catalogue": {
            "get": operation(
                "catalogue",
                "Recruiting studies, public fields only",
                tag="public",
                security=[],
                ok=(200, "A page of the recruiting studies, by id.", ref("PublicStudyList")),
                errors=errors(400, 422),
                parameters=[query("domain", enum(Domain), "Only studies of this domain."), *page_parameters()],
                description=PAGED,
            )
        },
        "/openapi.json": {
            "get": operation(
                "openapi",
                "This description",
                tag="public",
                security=[],
                ok=(200, "An OpenAPI 3.1 document.", {"type": "object"}),
                errors={},
            )
        },
    }


# Results and exports

NOT_APPROVED = (
    "`not_approved`: results and exports exist once the protocol is approved (the analysis plan is "
    "frozen then); before, they answer this."
)
RESULTS_READERS = (
    "The owner organisation or a coordinator; the study's participants get 403, everyone else 404. "
    "From approval on, whatever the recruitment status."
)


def _longitudinal_schema() -> dict:
    from .openapi_longitudinal import longitudinal  # it builds on the helpers of this module

    return longitudinal()


def results_schemas() -> dict:
    from .openapi_missing import categorical_schema, missing_schemas  # imports this module's building blocks

    number = nullable({"type": "number"})
    counts = obj({}, additionalProperties=integer(0))
    outcome = {
        "variable": nullable(string()),
        "label": nullable(string()),
        "type": nullable(string()),
        "design": enum(Design),
        "comparison": nullable(
            string(
                description="e.g. `baseline → follow_up`, or `plant_based vs usual_menu at "
                "week_4`; null when nothing could be compared."
            )
        ),
        "exploratory": {"type": "boolean"},
        "n": integer(0, description="Pairs (pre/post) or participants in the two compared arms."),
        "n_by_group": counts,
        "dropped_missing": integer(
            0, description="Participants with data who lack the variable where the comparison needs it."
        ),
        "estimate": number,
        "ci95": nullable(array(number, min_items=2, max_items=2)),
        "test": enum(
            ("paired_t", "welch_t", "ancova", "mcnemar", "fisher_exact", "chi_square"),
            description=(
                "`ancova` when the protocol's `primary_analysis` is `ancova` and the variable is measured at the "
                "first timepoint (parallel groups); `mcnemar` (pre/post) or `fisher_exact` / `chi_square` (between "
                "arms) for yes/no variables."
            ),
        ),
        "statistic": number,
        "df": number,
        "p_value": number,
        "effect_size": obj(
            {
                "name": nullable(enum(("cohens_dz", "hedges_g"))),
                "value": number,
                "ci95": nullable(array(number, min_items=2, max_items=2, description="Noncentral-t interval.")),
            },
            required=["name", "value"],
            description="Hedges' g with the exact correction J; null name for yes/no outcomes.",
        ),
        "robustness": obj(
            {"test": nullable(enum(("wilcoxon_signed_rank", "mann_whitney"))), "statistic": number, "p_value": number},
            required=["test", "statistic", "p_value"],
        ),
        "adjusted_for": array(string(), description='ANCOVA: `["<variable>@<baseline timepoint>"]`.'),
        "declared_timepoint": nullable(
            string(
                description="The primary outcome: the protocol's `primary_timepoint` when the primary contrast is "
                "made there (its `timepoints` end with it; so do its other arms' contrasts, `overall`, `attrition` and "
                "the sensitivity analyses); null when the protocol declares none: the last timepoint measuring the "
                "variable."
            )
        ),
        "sensitivity": {
            "allOf": [ref("Outcome")],
            "description": "ANCOVA: the unadjusted Welch comparison at the same timepoint (the last measuring the "
            "variable, or the primary outcome's declared one), in the same shape.",
        },
        "without_exclusions": {
            "anyOf": [ref("OutcomeWithoutExclusions"), {"type": "null"}],
            "description": "The primary outcome: the same analysis without the responses excluded with a "
            "reason (data quality); null when none is. The registered analysis above always uses every response. "
            "Secondary outcomes carry their own (SecondaryOutcome).",
        },
        "odds_ratio": obj(
            {"value": number, "ci95": nullable(array(number, min_items=2, max_items=2))},
            description="Yes/no between arms: the conditional maximum-likelihood odds ratio and its exact interval "
            "(R's fisher.test); null bounds when unbounded.",
        ),
        "proportions": obj(
            {},
            additionalProperties=obj(
                {
                    "n": integer(0),
                    "count": integer(0),
                    "value": number,
                    "ci95": nullable(array(number, min_items=2, max_items=2)),
                }
            ),
            description="Yes/no: the proportion of yes by timepoint (pre/post) or arm, with its Wilson interval.",
        ),
        "exact": {"type": "boolean", "description": "McNemar: the exact binomial p (fewer than 25 discordant pairs)."},
        "overall": obj(
            {
                "test": enum(("welch_anova", "kruskal_wallis")),
                "statistic": number,
                "df": {"anyOf": [array(number, min_items=2, max_items=2), number]},
                "p_value": number,
                "robustness": obj(
                    {"test": enum(("kruskal_wallis",)), "statistic": number, "df": number, "p_value": number}
                ),
            },
            required=["test", "statistic", "df", "p_value"],
            description="More than two arms: Welch's one-way ANOVA at the primary contrast's timepoint (the last "
            "measuring the variable, or the declared one; `timepoint`) (df [df1, df2]), Kruskal–Wallis (df k − 1) in "
            "`robustness`.",
        ),
        "arm_contrasts": obj(
            {
                "adjustment": enum(("holm",)),
                "contrasts": array(obj({"arm": string(), "estimate": number, "p_value": number, "p_adjusted": number})),
            },
            description="More than two arms: each arm against the control by the primary analysis, Holm-adjusted.",
        ),
        "hypothesis": enum(Hypothesis),
        "alpha": {"type": "number"},
        "longitudinal": _longitudinal_schema(),
        "supported": nullable({"type": "boolean", "description": "Null when nothing was tested."}),
        "reason": nullable(string(description="Why no test ran (too few pairs, one timepoint, ...).")),
        "warnings": array(ref("ResultWarning")),
        "missing_data_sensitivity": array(ref("MissingDataSensitivity")),
    }
    contract = [
        "variable",
        "design",
        "comparison",
        "n",
        "estimate",
        "ci95",
        "test",
        "statistic",
        "df",
        "p_value",
        "effect_size",
        "robustness",
        "hypothesis",
        "alpha",
        "supported",
    ]
    return missing_schemas() | {
        "Summary": obj(
            {
                "n": integer(0),
                "not_applicable": integer(
                    0, description="Participants a branching question did not apply to (never in n, never missing)."
                ),
                **{name: number for name in ("mean", "sd", "median", "q1", "q3", "min", "max")},
                "counts": counts,
                "percentages": obj({}, additionalProperties=number),
                "proportion": number,
                "ci95": nullable(array(number, min_items=2, max_items=2)),
            },
            required=["n"],
            description=(
                "Numbers, Likert, NPS and scores: n, mean, sd (n − 1), median, q1, q3 (linear interpolation, R type "
                "7), min, max (null when n is 0; sd when n < 2). Choices and yes/no: `counts` and `percentages` of "
                "respondents per choice; yes/no also the `proportion` of yes with its Wilson `ci95`. Text: n only."
            ),
        ),
        "VariableResults": obj(
            {
                "type": string(),
                "label": string(),
                "timepoints": array(string()),
                "by_timepoint": obj({}, additionalProperties=ref("Summary")),
                "by_arm": obj({}, additionalProperties=obj({}, additionalProperties=ref("Summary"))),
                "cronbach_alpha": obj(
                    {},
                    additionalProperties=obj({"value": number, "n": integer(0)}),
                    description="Instruments and computed scores, per timepoint.",
                ),
                "computed": obj(
                    {
                        "method": string(enum=["sum", "mean"]),
                        "of": array(string()),
                        "reverse": obj({}, additionalProperties=array(number, min_items=2, max_items=2)),
                    },
                    description=(
                        "Computed scores only (type `score`): the `sum` or `mean` of the answer keys `of`, those in "
                        "`reverse` counted as min + max − value of their scale [min, max]; a sum when every item is "
                        "answered, a mean when at least half are (rounded up)."
                    ),
                ),
            },
            required=["type", "by_timepoint", "by_arm"],
        ),
        "ResultWarning": obj({"code": string(), "message": string()}, required=["code", "message"]),
        "Outcome": obj(outcome, required=contract),
        "SecondaryOutcome": {
            "allOf": [ref("Outcome"), obj({"p_adjusted": number}, required=["p_adjusted"])],
            "description": "Exploratory; `p_adjusted` is Holm's adjustment across them.",
        },
        "Flow": obj(
            {
                "screened": integer(
                    0,
                    description="People who completed the eligibility check, once per person and "
                    "study (pages and API alike).",
                ),
                "eligible": integer(0, description="Of `screened`, those who passed it."),
                "excluded": counts,
                "declined_consent": integer(
                    0, description="Eligible, but refused a required consent clause (and did not enrol later)."
                ),
                "turned_away_full": integer(
                    0,
                    description="Eligible and consenting, but the study was full (the "
                    "eligibility check comes before the capacity check).",
                ),
                "enrolled": integer(0),
                "allocated": counts,
                "withdrawn": integer(0),
                "withdrawn_erased": integer(
                    0, description="Of `withdrawn`, those whose answers were erased: gone from every other figure."
                ),
                "completed": counts,
                "not_answered": obj(
                    {},
                    additionalProperties=integer(0),
                    description=(
                        "Per timepoint, the enrolled (those whose answers were erased excepted) with no answer there: "
                        "they skipped it, left before it, or, while the study has not ended, it is not due yet."
                    ),
                ),
                "not_answered_by_arm": obj({}, additionalProperties=counts),
                "missed": obj(
                    {},
                    additionalProperties=integer(0),
                    description=(
                        "Per timepoint, of `not_answered`: participants still taking part whose window there closed "
                        "before they answered any of its surveys (they can no longer answer them: missing by "
                        "design of the calendar, not by withdrawal). Counted when the results were computed."
                    ),
                ),
                "missed_by_arm": obj({}, additionalProperties=counts),
                "analysed": integer(0),
            },
            required=[
                "screened",
                "eligible",
                "declined_consent",
                "turned_away_full",
                "enrolled",
                "allocated",
                "withdrawn",
                "completed",
                "not_answered",
                "analysed",
            ],
        ),
        "Results": obj(
            {
                "study_id": integer(),
                "flow": ref("Flow"),
                "variables": obj({}, additionalProperties=ref("VariableResults")),
                "primary_outcome": ref("Outcome"),
                "secondary": array(ref("SecondaryOutcome")),
                "categorical": array(
                    categorical_schema(),
                    description="Choice and yes/no questions by arm (chi-square or Fisher); yes/no ones with the "
                    "risk difference and odds ratio of a yes/no outcome.",
                ),
                "not_compared": array(obj({"variable": string(), "reason": string()})),
                "warnings": array(ref("ResultWarning")),
                "methods": obj({}, additionalProperties=string()),
                "methods_text": obj(
                    {"en": string(), "fr": string()},
                    required=["en", "fr"],
                    description=(
                        "The methods paragraph, in English and French, written from what this analysis ran: the "
                        "registration, the primary test and its sensitivity and robustness analyses, the effect "
                        "size, the corrections of secondary families, missing values and the software."
                    ),
                ),
                "software": obj(
                    {name: string() for name in ("livinglab", "python", "numpy", "scipy", "pandas", "statsmodels")},
                    description="The versions that computed these results.",
                ),
                "data_version": integer(
                    0,
                    description=(
                        "The study's data version these results were computed from (it goes up with every answer, "
                        "enrolment or withdrawal). Lower than the study's current one while the worker computes "
                        "them again (see `computed_at`)."
                    ),
                ),
                "computed_at": string(
                    format="date-time",
                    description=(
                        "When these results were computed (ISO 8601, UTC): the moment their data were read. The "
                        "latest computed results are served: after a change of the study's data, the worker "
                        "computes them again in the background (at most once a minute per study), and until "
                        "then the results of `computed_at` are served. They are computed while the request waits "
                        "when none were computed before, when no worker has been running, or once the study has "
                        "ended (final results always include every answer)."
                    ),
                ),
                "responses_included": integer(
                    0,
                    description=(
                        "How many completed surveys (responses) these results include, counted in the same "
                        "snapshot of the database as the answers analysed."
                    ),
                ),
                "sample_size": nullable(
                    obj(
                        {
                            "planned_total": nullable(integer(0)),
                            "planned_per_group": nullable(integer(0)),
                            "analysed_total": integer(0),
                            "analysed_per_group": integer(0),
                            "smallest_detectable": nullable(
                                obj(
                                    {
                                        "value": {"type": "number"},
                                        "unit": {"type": "string", "enum": ["outcome", "sd", "proportion"]},
                                        "power": {"type": "number"},
                                        "alpha": {"type": "number"},
                                    },
                                    required=["value", "unit", "power", "alpha"],
                                )
                            ),
                        },
                        required=[
                            "planned_total",
                            "planned_per_group",
                            "analysed_total",
                            "analysed_per_group",
                            "smallest_detectable",
                        ],
                        description=(
                            "Planned against analysed (the protocol's `sample_size`, or its target enrolment), and the "
                            "smallest effect the analysed participants give the planned power (0.8 unless stated) to "
                            "detect at the protocol's alpha: R's power.t.test or power.prop.test solved for the effect, "
                            "counting the smaller group (parallel groups) or the pairs (one group); `unit` `outcome` when "
                            "the protocol gives the sd, else `sd` (standard deviations), `proportion` for two "
                            "proportions (the difference from the control's). `planned_total` follows the protocol's "
                            "allocation ratio: at an unequal ratio each arm gets its share (the power formulas for "
                            "unequal groups, each arm rounded up) and `planned_per_group` is null. Null before the "
                            "primary outcome is compared."
                        ),
                    ),
                ),
                "data_quality": nullable(ref("DataQuality")),
                "status": enum(StudyStatus),
                "interim": {
                    "type": "boolean",
                    "description": "True unless the study has ended: more answers may come.",
                },
                "attrition": ref("Attrition"),
                "by_site": {
                    **ref("ResultsByGroup"),
                    "description": "When the study has `sites`: the flow and the primary outcome per site.",
                },
                "by_stratum": {
                    **ref("ResultsByGroup"),
                    "description": "When the allocation has `age_strata`: the same per age group.",
                },
                "repeated_reports": array(
                    {"type": "object", "additionalProperties": True},
                    description=(
                        "When the study has repeatable surveys (`repeat`: diary, problem report), descriptive only and "
                        "apart from the primary and secondary analyses: per survey `key`, `title`, `repeat`, "
                        "`participants_reporting`, `enrolled`, `reports`, `per_participant` {`mean`, `median`, `max`} "
                        "(over the enrolled, 0 for those without a report), `by_arm` (parallel groups) and `items`, one "
                        "entry per item (a matrix: per row, `<key>_<n>`) by `kind`: `numeric`, its per-participant "
                        "means described across participants (`participant_means`; an instrument's total or a "
                        "computed score, computed for each report first, add `score`: `instrument` | `computed` and "
                        "`label`); `choice`, its `choices` {choice: {`reports`, `participants`}}; `dates`, `first` "
                        "and `last` (YYYY-MM-DD), `reports`, `participants`; `listed` (a free text, a time: not "
                        "summarised), its `type`, `reports`, `participants`."
                    ),
                ),
            },
            required=[
                "study_id",
                "flow",
                "variables",
                "primary_outcome",
                "secondary",
                "status",
                "interim",
                "computed_at",
                "responses_included",
            ],
        ),
    }


def csv_operation(operation_id: str, summary: str, description: str, filename: str) -> dict:
    out = operation(
        operation_id,
        summary,
        tag="results",
        ok=(200, description, None),
        errors=errors(401, 403, 404, 409, e409=NOT_APPROVED),
        description=RESULTS_READERS,
    )
    out["responses"]["200"]["content"] = {"text/csv": {"schema": string()}}
    out["responses"]["200"]["headers"] = {
        "Content-Disposition": {"description": f'`attachment; filename="{filename}"`.', "schema": string()}
    }
    return out


def results_paths() -> dict:
    encoding = (
        "UTF-8 with a byte order mark (so that Excel reads accents right), comma-separated, dot decimals, "
        "CRLF line ends. A text cell starting with `=`, `+`, `-`, `@`, a tab or a carriage return gets a "
        "leading `'` so that no spreadsheet runs it as a formula; numbers, negative ones included, are "
        "written as numbers."
    )
    return {
        "/studies/{study_id}/results": study_path(
            get=operation(
                "get_results",
                "The analysis: flow, descriptives, primary and secondary outcomes",
                tag="results",
                ok=(
                    200,
                    (
                        "The latest computed results (see `computed_at` and `responses_included`). `interim` "
                        "is true until the study ends."
                    ),
                    ref("Results"),
                ),
                errors=errors(401, 403, 404, 409, e409=NOT_APPROVED),
                description=RESULTS_READERS,
            )
        ),
        "/studies/{study_id}/export.csv": study_path(
            get=csv_operation(
                "export_csv",
                "The answers in wide form, streamed",
                "One row per participant code and timepoint (participants whose answers were erased are absent): "
                "`participant_code`, `arm`, `timepoint`, then one column per answer key in survey order; an "
                "instrument gives `<key>_1 … <key>_N` then its score `<key>` (when all its items were answered). "
                "yes_no is 1 (yes) or 0 (no); multiple_choice lists the choices separated by `; `; an empty cell is "
                "no answer. Pseudonymous codes only. " + encoding,
                "livinglab-study-<id>-data.csv",
            )
        ),
        "/studies/{study_id}/dictionary.csv": study_path(
            get=csv_operation(
                "dictionary_csv",
                "The data dictionary of export.csv",
                "One row per column of export.csv, in the same order: `key`, `label` (the question, the instrument "
                "statement or score), `type`, `range_or_choices` (a number's declared plausible range follows its hard "
                "one: `[0, 24]; plausible 3–12`), `unit`, `timepoints` (separated by `; `). " + encoding,
                "livinglab-study-<id>-dictionary.csv",
            )
        ),
    }
