"""The OpenAPI description of the repeated reports (issue 14, item 7; api/reports.py), merged by api/openapi.py."""

from .openapi import array, errors, integer, obj, operation, ref, string


def schemas() -> dict:
    value = {"type": ["number", "string", "boolean", "array", "null"], "items": {"type": "string"}}
    report = obj(
        {
            "participant_code": string(description="Pseudonymous: never who."),
            "arm": string(),
            "site": string(description='The site\'s key; `""` for a pilot without sites.'),
            "survey": string(description="The problem report survey's key."),
            "instance": integer(1, description="The participant's report number in this survey: 1, 2, …"),
            "submitted_at": string(format="date-time"),
            "answers": obj(
                {},
                additionalProperties=value,
                description="By answer key, as the data export reads it; null for a question that did not apply.",
            ),
            "not_applicable": array(string(), description="The answer keys whose question did not apply."),
        },
        required=[
            "participant_code",
            "arm",
            "site",
            "survey",
            "instance",
            "submitted_at",
            "answers",
            "not_applicable",
        ],
    )
    return {
        "ProblemReports": obj(
            {
                "limit": integer(1, description="At most this many, the latest."),
                "items": array(report, description="Newest first."),
            },
            required=["limit", "items"],
        )
    }


def paths() -> dict:
    from .openapi_parity import file_operation

    study = [{"$ref": "#/components/parameters/StudyId"}]
    csv = file_operation(
        "export_reports",
        "Every repeated report (diary, problem report) in long form",
        "text/csv",
        "livinglab-study-<id>-reports.csv",
        "One row per report: `participant_code, arm, site, survey, instance, submitted_at`, then the answer columns "
        "of the repeatable surveys (their dictionary rows are `reports.<key>` in dictionary.csv); cells as in "
        "export.csv (text that a spreadsheet would run as a formula gets a leading `'`).",
    )
    return {
        "/studies/{study_id}/problem-reports": {
            "parameters": study,
            "get": operation(
                "list_problem_reports",
                "The pilot's problem reports",
                tag="results",
                ok=(200, "The latest problem reports, newest first.", ref("ProblemReports")),
                errors=errors(401, 403, 404),
                description="The owner organisation and coordinators (participants 403, another organisation 404). "
                "Participant codes only. Each problem report also tells them by an e-mail naming the pilot, the "
                "code and the number (`problem_reported`).",
            ),
        },
        "/studies/{study_id}/export.reports.csv": {"parameters": study, "get": csv},
    }
