"""The OpenAPI description of amendments, registrations and re-consent (issue 12; API.md v1.1). Merged by
api/openapi.py, built from its helpers."""

from ..studies import fields as study_fields
from ..studies.consent import GDPR_KEYS
from ..studies.diff import CHANGE_LABELS
from ..studies.models import AmendmentStatus
from ..studies.services import DECISIONS
from .openapi import (
    SECTION_COMMENTS,
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
)
from .openapi import timestamp as ts

HASH = string(pattern="^[0-9a-f]{64}$")
OWNER = "The owner organisation (a coordinator or participant gets 403, another organisation 404)."
AMENDMENT_409 = (
    "`not_editable`: the amendment is neither a draft nor waiting for changes; `not_amendable`: the study is "
    "not approved, recruiting, paused or closed."
)
RECORD_DOC = (
    "The registration hash input (API.md, Clarifications v1.1): `protocol` holds every field of `StudyChanges` "
    "as the Study object serves it, `consent` the `version`, `text` and `clauses` of the consent (or null) and "
    "its `gdpr` information items when it has them, `surveys` each survey's `key`, `title`, `timepoint` and "
    "`items`, and its `repeat` when it is repeatable, sorted by key. The first registration's "
    "hash is the SHA-256 of its canonical JSON (sorted keys, separators `,` `:`, UTF-8, no ASCII escaping); each "
    "later one's is the SHA-256 of the same JSON with one more key, `previous_hash`."
)


def schemas() -> dict:
    record = {
        "protocol": ref("StudyChanges"),
        "consent": nullable(
            obj(
                {
                    "version": integer(1),
                    "text": string(),
                    "clauses": array(ref("Clause")),
                    "gdpr": obj({}, additionalProperties=string(), description="Only when the version has them."),
                },
                required=["version", "text", "clauses"],
            )
        ),
        "surveys": array(
            obj(
                {
                    "key": ref("Key"),
                    "title": string(),
                    "timepoint": ref("Key"),
                    "items": array({}),
                    "repeat": string(description="Only for a repeatable survey (a diary, problem reports)."),
                },
                required=["key", "title", "timepoint", "items"],
            )
        ),
    }
    return {
        "NewAmendment": obj(
            {"reason": string(5000, min_len=1, description="Why the protocol changes; kept and shown.")},
            required=["reason"],
        ),
        "Amendment": obj(
            {
                "version": integer(2, description="The protocol version the study becomes once it is approved."),
                "status": enum(AmendmentStatus),
                "reason": string(),
                "comment": nullable(string(description="The coordinator's comment on the last decision.")),
                "created_at": ts(),
                "updated_at": ts(),
                "submitted_at": nullable(ts()),
                "decided_at": nullable(ts()),
                **record,
            },
            required=[
                "version",
                "status",
                "reason",
                "comment",
                "created_at",
                "updated_at",
                "submitted_at",
                "decided_at",
                "protocol",
                "consent",
                "surveys",
            ],
            description="A proposed new version of an approved protocol: the whole protocol, consent and surveys.",
        ),
        "AmendmentList": page_of("Amendment"),
        "AmendmentDiff": _diff_schema(),
        "AmendmentDecision": obj(
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
        "StudyRegistration": obj(
            {
                "version": integer(1),
                "registration_hash": HASH,
                "previous_hash": nullable(HASH),
                "approved_at": ts(),
                "outcome_change": nullable(
                    string(description="Why the primary outcome or design changed at this version, or null.")
                ),
                "record": nullable(obj(record, description=RECORD_DOC)),
            },
            required=["version", "registration_hash", "previous_hash", "approved_at", "outcome_change", "record"],
        ),
        "StudyRegistrationList": page_of("StudyRegistration"),
        "NewConsentSignature": obj(
            {
                "consent_version": integer(1, description="The version read and signed: the current one."),
                "clauses": obj({}, additionalProperties={"type": "boolean"}, description="Every clause key."),
                "signature": string(
                    200, min_len=1, description="The participant's name, as a signature (required in `written` mode)."
                ),
                "confirmed": {
                    "type": "boolean",
                    "description": "`express`: agreement confirmed; `information`: notice read (as for enrolment).",
                },
            },
            required=["consent_version", "clauses"],
        ),
        "ConsentSignature": obj({"consent_version": integer(1)}, required=["consent_version"]),
    }


def _diff_schema() -> dict:
    change = enum(CHANGE_LABELS)
    before_after = {"before": string(), "after": string()}
    return obj(
        {
            "study_id": integer(1),
            "version": integer(2, description="The amendment's version."),
            "status": enum(AmendmentStatus),
            "any": {"type": "boolean", "description": "Whether the amendment changes anything at all."},
            "fields": array(
                obj(
                    {
                        "field": enum(study_fields.FIELDS, description="The field's name, as `StudyChanges` names it."),
                        "label": string(description="The field's name for people, in the caller's language."),
                        "before": {"description": "The approved value, as the Study object serves it (or null)."},
                        "after": {"description": "The proposed value, likewise."},
                    },
                    required=["field", "label", "before", "after"],
                ),
                description="The protocol fields that change, in the order of the proposed protocol.",
            ),
            "consent_text": nullable(
                obj(before_after, required=["before", "after"], description="Null when the text is unchanged.")
            ),
            "clauses": array(
                obj(
                    {"key": ref("Key"), "change": change, "text": string(description="The new text, or the removed.")},
                    required=["key", "change", "text"],
                )
            ),
            "gdpr": array(
                obj(
                    {
                        "key": enum(
                            GDPR_KEYS, description="The consent's GDPR information item (`gdpr` of `Consent`)."
                        ),
                        "label": string(description="The item's heading, in the caller's language."),
                        **before_after,
                    },
                    required=["key", "label", "before", "after"],
                    description="An item's text before and after (an empty string when it was or becomes empty).",
                )
            ),
            "surveys": array(
                obj(
                    {
                        "key": ref("Key"),
                        "title": string(),
                        "timepoint": ref("Key"),
                        "change": change,
                        "settings_changed": {
                            "type": "boolean",
                            "description": "The survey's own title, timepoint or repetition changed.",
                        },
                        "items": array(
                            obj({"key": ref("Key"), "change": change}, required=["key", "change"]),
                            description="The questions added, removed or changed (every question of an added survey; "
                            "none for a removed one).",
                        ),
                    },
                    required=["key", "title", "timepoint", "change", "settings_changed", "items"],
                )
            ),
        },
        required=["study_id", "version", "status", "any", "fields", "consent_text", "clauses", "gdpr", "surveys"],
        description="What an amendment changes against the approved version it amends (the amendment page's diff).",
    )


def _amendment_path(**operations) -> dict:
    return {
        "parameters": [
            {"$ref": "#/components/parameters/StudyId"},
            {"name": "version", "in": "path", "required": True, "schema": integer(2, 1_000_000)},
        ],
        **operations,
    }


def _owner_call(operation_id: str, summary: str, body: str | None, ok: str, e422: str, description: str = OWNER):
    return operation(
        operation_id,
        summary,
        tag="review",
        body=body,
        ok=(200, ok, ref("Amendment")),
        errors=errors(
            *((400,) if body else ()),
            401,
            403,
            404,
            409,
            422,
            e404="Also an amendment version that does not exist.",
            e409=AMENDMENT_409,
            e422=e422,
        ),
        description=description,
    )


def paths() -> dict:
    return {
        "/studies/{study_id}/amendments": {
            "parameters": [{"$ref": "#/components/parameters/StudyId"}],
            "post": operation(
                "open_amendment",
                "Propose a new version of an approved protocol",
                tag="review",
                body="NewAmendment",
                ok=(
                    201,
                    "The amendment, `status: draft`: a copy of the approved protocol, consent, surveys.",
                    ref("Amendment"),
                ),
                errors=errors(
                    400,
                    401,
                    403,
                    404,
                    409,
                    422,
                    e409="`not_amendable` (only an approved, recruiting, paused or closed study), or `amendment_open`: "
                    "one amendment per study is open (draft, submitted, changes requested) at a time.",
                    e422="`reason` missing or empty.",
                ),
                description=OWNER + " The study keeps running on its approved version until an amendment is approved.",
            ),
            "get": operation(
                "list_amendments",
                "The study's amendments",
                tag="review",
                ok=(200, "A page of the amendments, oldest first.", ref("AmendmentList")),
                errors=errors(400, 401, 403, 404, 422),
                parameters=page_parameters(),
                description="The owner organisation and coordinators.",
            ),
        },
        "/studies/{study_id}/amendments/{version}": _amendment_path(
            get=operation(
                "get_amendment",
                "One amendment",
                tag="review",
                ok=(200, "The amendment.", ref("Amendment")),
                errors=errors(401, 403, 404),
                description="The owner organisation and coordinators.",
            ),
            patch=_owner_call(
                "update_amendment",
                "Change fields of the proposed protocol",
                "StudyChanges",
                "The amendment with its new protocol.",
                "Each bad field named, exactly as `PATCH /studies/{study_id}` names it; nothing is saved.",
            ),
        ),
        "/studies/{study_id}/amendments/{version}/diff": _amendment_path(
            get=operation(
                "get_amendment_diff",
                "What an amendment changes against the approved version",
                tag="review",
                ok=(200, "The changes, by machine key, labels in the caller's language.", ref("AmendmentDiff")),
                errors=errors(401, 403, 404, e404="Also an amendment version that does not exist."),
                description=(
                    "The owner organisation and coordinators, as for the amendment (an enrolled participant gets "
                    "403). The same diff as the amendment's page: until the amendment is approved it is compared "
                    "with the study as it runs; once approved, with the registration it amended. `Accept-Language` "
                    "chooses the language of the labels."
                ),
            )
        ),
        "/studies/{study_id}/amendments/{version}/consent": _amendment_path(
            put=_owner_call(
                "save_amendment_consent",
                "Propose a new consent form",
                "NewConsent",
                "The amendment; its consent becomes the study's next consent version on approval, which "
                "enrolled participants sign before their next answer.",
                "Each bad part of the consent named.",
            )
        ),
        "/studies/{study_id}/amendments/{version}/surveys": _amendment_path(
            post=_owner_call(
                "save_amendment_survey",
                "Change the survey with this key, or add one",
                "NewSurvey",
                "The amendment with its surveys; a survey is never removed (answers hang on it).",
                "Checked as `POST /studies/{study_id}/surveys` checks a survey; `survey_opened` (naming the survey "
                "in `fields`): its timepoint has opened for a participant, so only its wording (title, questions' "
                "`text`) may change, not its items, their order, keys, types, scales, choices, required flags or "
                "its timepoint. A new survey may be added at any timepoint.",
            )
        ),
        "/studies/{study_id}/amendments/{version}/submit": _amendment_path(
            post=_owner_call(
                "submit_amendment",
                "Send the amendment to the coordinators",
                None,
                "The amendment, `status: submitted`.",
                "`incomplete`: `fields` lists what the proposed protocol lacks, as for the study; `survey_opened`: "
                "a survey whose structure changes has opened for a participant since it was saved.",
                description=OWNER + " Takes no body.",
            )
        ),
        "/studies/{study_id}/amendments/{version}/decision": _amendment_path(
            post=operation(
                "decide_amendment",
                "Approve, request changes to or reject a submitted amendment",
                tag="review",
                body="AmendmentDecision",
                ok=(200, "The amendment in its new status.", ref("Amendment")),
                errors=errors(
                    400,
                    401,
                    403,
                    404,
                    409,
                    422,
                    e409="`invalid_transition`: the amendment is not submitted; `not_amendable`: the pilot ended.",
                    e422="`survey_opened`: approving would change the structure of a survey that has opened for a "
                    "participant during the review (request changes instead).",
                ),
                description=(
                    "Coordinators only. Approval applies the amendment to the study in one transaction (protocol, a "
                    "new consent version, surveys changed or added, `version`), appends a registration whose hash "
                    "covers the new record and the previous hash, and does not change the study's status."
                ),
            )
        ),
        "/studies/{study_id}/registrations": {
            "parameters": [{"$ref": "#/components/parameters/StudyId"}],
            "get": operation(
                "list_registrations",
                "Every approved version and the record its hash covers",
                tag="review",
                ok=(200, "A page of the registrations, oldest first.", ref("StudyRegistrationList")),
                errors=errors(400, 401, 404, 422),
                parameters=page_parameters(),
                description=(
                    "Those who may see the study. `record` is null only for a version approved before "
                    "registrations were kept, until the study's first amendment is approved. " + RECORD_DOC
                ),
            ),
        },
        "/studies/{study_id}/consent-signatures": {
            "parameters": [{"$ref": "#/components/parameters/StudyId"}],
            "post": operation(
                "sign_consent_again",
                "Sign the consent version that replaced the one signed",
                tag="participation",
                body="NewConsentSignature",
                ok=(201, "Signed.", ref("ConsentSignature")),
                errors=errors(
                    400,
                    401,
                    403,
                    404,
                    409,
                    422,
                    e403="Also `not_enrolled`.",
                    e409="`consent_current` (nothing new to sign) or `withdrawn`.",
                    e422="`consent_refused` (a required clause refused), `stale_consent` (not the current version), "
                    "or bad values named in `fields`.",
                ),
                description="An enrolled participant, before their next answer once the consent changed.",
            ),
        },
    }
