"""What a consent form is: its text and its clauses, declared once. The pydantic models validate the
API's body (and the editor's, through the same service) and describe it in OpenAPI."""

from datetime import datetime
from typing import Annotated, Literal

from flask_babel import gettext as _
from pydantic import BeforeValidator, model_validator
from pydantic import Field as Limits

from .. import schema as s
from .. import validation as v
from ..schema import Key

MAX_CLAUSES = 30


class NewClause(s.Body):
    key: Annotated[Key, BeforeValidator(v.key)]
    text: s.text(2000, required=True).annotation  # type: ignore[valid-type]  # the kind computes the annotation
    required: Annotated[bool, BeforeValidator(lambda x: True if x is None else v.boolean(x))] = True

    @model_validator(mode="before")
    @classmethod
    def an_object(cls, value):
        if not isinstance(value, dict):
            raise v.FieldError(_("Each clause must be an object."), 400)
        return value


class ConsentOptions(s.Body):
    """What happens to the answers when the pilot's retention ends (studies/retention.py), or when a
    participant erases their account: `erase`, or `anonymise` (kept without any link to the person);
    `keep_free_text`: anonymised answers keep their free text. Omitted: as in the current version."""

    on_erasure: Literal["erase", "anonymise"] | None = None
    keep_free_text: Annotated[bool | None, BeforeValidator(lambda x: None if x is None else v.boolean(x))] = None


class NewConsent(ConsentOptions):
    text: s.text(20_000, required=True).annotation  # type: ignore[valid-type]  # the kind computes the annotation
    clauses: Annotated[list[NewClause], Limits(max_length=MAX_CLAUSES)] = []


class Clause(s.Body):
    key: Key
    text: str
    required: bool


class Consent(s.Body):
    version: Annotated[int, Limits(ge=1)]
    text: str
    clauses: list[Clause]
    on_erasure: Literal["erase", "anonymise"] = "erase"
    keep_free_text: bool = False
    created_at: datetime


def clean_consent(text, clauses) -> tuple[str, list[dict]]:
    """The consent's text and clauses, checked; raises one error naming each bad part."""
    clean, errors = s.validate(NewConsent, {"text": text, "clauses": clauses}, depth=2)
    if isinstance(clauses, list) and "clauses" not in errors:  # a key used twice among the clauses otherwise valid
        seen = set()
        for index, clause in enumerate(clauses):
            if f"clauses.{index}" in errors:
                continue
            key = s.validate(NewClause, clause)[0]["key"]
            if key in seen:
                errors[f"clauses.{index}"] = v.FieldError(_("The key “%(key)s” is used twice.", key=key))
            seen.add(key)
    v.raise_for(errors)
    return clean["text"], clean["clauses"]


def clean_consent_options(on_erasure, keep_free_text, current=None) -> tuple[str, bool]:
    """The consent's retention options, checked; those not given stay as in `current` (a consent version)."""
    clean, errors = s.validate(ConsentOptions, {"on_erasure": on_erasure, "keep_free_text": keep_free_text})
    v.raise_for(errors)
    chosen = clean.get("on_erasure") or (current.on_erasure if current is not None else "erase")
    keep = clean.get("keep_free_text")
    return chosen, bool(keep if keep is not None else (current.keep_free_text if current is not None else False))
