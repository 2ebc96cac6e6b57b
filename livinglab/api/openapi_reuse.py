"""The OpenAPI description of the survey builder's reuse (issue 14, item 5; api/survey_reuse.py): copies to another
timepoint, the organisation's earlier questions, the survey templates. Merged by api/openapi.py."""

from ..surveys.reuse import LIBRARY_LIMIT
from ..surveys.survey_templates import SURVEY_TEMPLATES, TEMPLATE_LANGUAGES
from ..urls import MAX_ID
from .openapi import NOT_EDITABLE, array, enum, errors, integer, obj, operation, query, ref, string
from .openapi_parity import EDITORS, ITEM_KEY, survey_parameters

KEPT = (
    "Keys are kept: at another timepoint a copied question is the same variable measured again. Checked as any "
    "edit (a key the target timepoint already asks is refused with that reason, 422); nothing is copied on an error. "
    "The copied texts' translations (the study's `translations`) are copied with them, under the copy's paths."
)


def schemas() -> dict:
    return {
        "QuestionLibrary": obj(
            {
                "limit": integer(1, description="At most this many questions are listed."),
                "items": array(
                    obj(
                        {
                            "survey_id": integer(1, MAX_ID, description="The `source` to add it from."),
                            "study_title": string(),
                            "survey_title": string(),
                            "item": ref("Question"),
                        },
                        required=["survey_id", "study_title", "survey_title", "item"],
                    ),
                    description="Newest survey first; each question (key and text) once.",
                ),
            },
            required=["limit", "items"],
        ),
        "LibraryAddition": obj(
            {
                "source": integer(1, MAX_ID, description="`survey_id` of a question of the library."),
                "key": ref("Key"),
            },
            required=["source", "key"],
        ),
        "ItemCopy": obj(
            {
                "target": ref("Key"),
                "section": {
                    "type": "boolean",
                    "default": False,
                    "description": "The item is a section break: copy it with its items up to the next section.",
                },
                "drop_conditions": {
                    "type": "boolean",
                    "default": False,
                    "description": "Copy a question whose condition names answers the target does not ask "
                    "before it without that condition (otherwise 409 `conditions_not_met`).",
                },
            },
            required=["target"],
        ),
        "SurveyCopy": obj({"timepoint": ref("Key")}, required=["timepoint"]),
        "SurveyFromTemplate": obj(
            {"template": enum(SURVEY_TEMPLATES), "language": enum(TEMPLATE_LANGUAGES), "timepoint": ref("Key")},
            required=["template", "language", "timepoint"],
        ),
    }


def paths() -> dict:
    tag = "studies"
    body_errors = errors(400, 401, 403, 404, 409, 422, e409=NOT_EDITABLE)
    return {
        "/studies/{study_id}/question-library": {
            "parameters": [{"$ref": "#/components/parameters/StudyId"}],
            "get": operation(
                "list_question_library",
                "The organisation's earlier questions",
                tag=tag,
                ok=(200, "The questions of the organisation's other pilots.", ref("QuestionLibrary")),
                errors=errors(401, 403, 404, 409, 422, e409=NOT_EDITABLE),
                parameters=[
                    query(
                        "q",
                        string(200),
                        "Words that the question's text or key must all contain (any case), on one line.",
                    )
                ],
                description=EDITORS + " The questions (not sections or instruments) of the surveys of the "
                f"organisation's other pilots, never another organisation's; at most {LIBRARY_LIMIT}.",
            ),
        },
        "/studies/{study_id}/surveys/{key}/library": {
            "parameters": survey_parameters(),
            "post": operation(
                "add_from_question_library",
                "Add a question of the library at the end",
                tag=tag,
                body="LibraryAddition",
                ok=(201, "The survey, with the question last.", ref("Survey")),
                errors=body_errors,
                description=EDITORS + " The question is added without its condition (which names answers of "
                "the other survey), with its translations into the languages this study offers besides its first "
                "(those into a language it does not offer are left behind); a source outside the organisation's "
                "other pilots is 404.",
            ),
        },
        "/studies/{study_id}/surveys/{key}/items/{item_key}/copy": {
            "parameters": survey_parameters(ITEM_KEY),
            "post": operation(
                "copy_survey_item",
                "Copy an item or a section to the survey of another timepoint",
                tag=tag,
                body="ItemCopy",
                ok=(201, "The target survey, with the copied items last.", ref("Survey")),
                errors=errors(
                    400,
                    401,
                    403,
                    404,
                    409,
                    422,
                    e409=NOT_EDITABLE + " Or `conditions_not_met`: a copied question's condition names answers "
                    "the target does not ask before it (send `drop_conditions: true`).",
                ),
                description=EDITORS + " " + KEPT,
            ),
        },
        "/studies/{study_id}/surveys/{key}/copy": {
            "parameters": survey_parameters(),
            "post": operation(
                "copy_survey",
                "Copy the whole survey to another timepoint",
                tag=tag,
                body="SurveyCopy",
                ok=(201, "The new survey (its key: the source's, then `_<timepoint>`).", ref("Survey")),
                errors=body_errors,
                description=EDITORS + " " + KEPT,
            ),
        },
        "/studies/{study_id}/surveys/from-template": {
            "parameters": [{"$ref": "#/components/parameters/StudyId"}],
            "post": operation(
                "create_survey_from_template",
                "Start a survey from a template",
                tag=tag,
                body="SurveyFromTemplate",
                ok=(201, "The new survey, to change as needed.", ref("Survey")),
                errors=body_errors,
                description=EDITORS + " `sleep_wellbeing`: sleep questions, WHO-5 and GAD-7, in English or "
                "French; its key gets a number when the study has it already. In the study's first language, the "
                "template's wording in the study's other language becomes the survey's translation.",
            ),
        },
    }
