"""The OpenAPI description of a pilot's record of processing (GDPR art. 30; studies/processing_record.py).
Merged by api/openapi.py, built from its helpers."""

from ..studies.processing_record import LABELS
from .openapi import array, enum, errors, integer, obj, operation, ref, string, study_path


def schemas() -> dict:
    return {
        "ProcessingRecord": obj(
            {
                "study_id": integer(1),
                "items": array(
                    obj(
                        {
                            "item": enum(LABELS, description="The entry's machine name, as the CSV's `item` column."),
                            "label": string(description="The entry's heading, in the caller's language."),
                            "value": string(
                                description="What the protocol says for it, in the caller's language; an entry the "
                                "protocol does not fill says so in words."
                            ),
                        },
                        required=["item", "label", "value"],
                    ),
                    min_items=len(LABELS),
                    max_items=len(LABELS),
                    description="Every entry, always in this order: art. 30(1) a) to g), then what a living lab "
                    "adds (hosting, DPIA, regulatory frame). A fixed record, not a paginated list.",
                ),
            },
            required=["study_id", "items"],
            description="The pilot's record of processing activities (GDPR art. 30(1)), generated from its protocol: "
            "the same entries as the page `/studies/{id}/processing-record` and its CSV.",
        ),
    }


def paths() -> dict:
    return {
        "/studies/{study_id}/processing-record": study_path(
            get=operation(
                "get_processing_record",
                "The pilot's record of processing (GDPR art. 30)",
                tag="studies",
                ok=(200, "The record, in the language `Accept-Language` asks for.", ref("ProcessingRecord")),
                errors=errors(401, 403, 404, e403="An enrolled participant, or a role that may not read it."),
                description="Coordinators and the owner organisation, which is the controller keeping the record; "
                "another organisation's study is 404.",
            )
        ),
    }
