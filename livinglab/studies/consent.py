"""What a consent form is: its text and its clauses, declared once. The pydantic models validate the
API's body (and the editor's, through the same service) and describe it in OpenAPI."""

from datetime import datetime
from typing import Annotated, Literal

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from pydantic import BeforeValidator, model_validator
from pydantic import Field as Limits

from .. import schema as s
from .. import validation as v
from ..auth.models import Organisation
from ..extensions import db
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
    gdpr: "GdprInformation | None" = None  # the GDPR information items (below); optional for older clients


class Clause(s.Body):
    key: Key
    text: str
    required: bool


class Consent(s.Body):
    version: Annotated[int, Limits(ge=1)]
    text: str
    clauses: list[Clause]
    gdpr: "GdprInformation | None" = None  # null for a version without them; in the hash input when not null
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


# --- The mandatory GDPR information (art. 13 and 14), one structured item each ------------------------------
# Each item is a field of the consent version (`gdpr`), not a keyword to find in the free text: the checklist
# names an item left empty, the participant's pages show each under its heading, the API serves them and the
# registration hash covers them. The editor starts from `gdpr_template`, prefilled from the protocol.

GDPR_ITEMS = (
    ("controller", _l("Data controller")),
    ("dpo", _l("Data protection officer (DPO)")),
    ("purpose", _l("Purpose of the processing")),
    ("legal_basis", _l("Legal basis")),
    ("recipients", _l("Recipients of the data")),
    ("retention", _l("How long the data are kept")),
    ("rights", _l("Your rights")),
    ("complaint", _l("Complaint to the CNIL")),
)
GDPR_KEYS = tuple(key for key, _label in GDPR_ITEMS)
GDPR_ITEM_MAX = 5000
GdprText = Annotated[str, BeforeValidator(lambda x: v.text(x, max_len=GDPR_ITEM_MAX))]


class GdprInformation(s.Body, extra="forbid"):
    """The consent's GDPR information items; an item left empty is named by the study's checklist."""

    controller: GdprText = ""
    dpo: GdprText = ""
    purpose: GdprText = ""
    legal_basis: GdprText = ""
    recipients: GdprText = ""
    retention: GdprText = ""
    rights: GdprText = ""
    complaint: GdprText = ""


def clean_gdpr(value) -> dict | None:
    """The GDPR items as stored (every key, "" when empty), or None when none were sent (older clients)."""
    if value is None:
        return None
    if not isinstance(value, dict):
        v.raise_for({"gdpr": v.FieldError(_("Send an object of GDPR information items."), 400)})
    clean, errors = s.validate(GdprInformation, value, depth=1)
    v.raise_for({f"gdpr.{name}" if not name.startswith("gdpr") else name: err for name, err in errors.items()})
    return {key: clean.get(key, "") for key in GDPR_KEYS}


def missing_gdpr(consent) -> list[str]:
    """The GDPR items the consent version leaves empty (all of them for a version without the section)."""
    given = (consent.gdpr or {}) if consent is not None else {}
    return [key for key in GDPR_KEYS if not (given.get(key) or "").strip()]


def gdpr_template(study) -> dict[str, str]:
    """The editor's starting text of each item, in the editor's language, prefilled from the protocol where it
    says (sponsor, DPO contact, objectives, legal basis, retention); what it does not say is left to fill in."""
    from .protocol import HEALTH_DATA_LABELS, LEGAL_BASIS_LABELS

    organisation = study.organisation or db.session.get_one(
        Organisation, study.organisation_id
    )  # an amendment's shadow
    controller = study.sponsor or organisation.name
    basis = (
        _("%(basis)s (GDPR art. 6)", basis=LEGAL_BASIS_LABELS[study.legal_basis])
        if study.legal_basis
        else _("[the legal basis, GDPR art. 6]")
    )
    if study.health_data_exception and study.health_data_exception != "no_health_data":
        basis += _(
            "; for health data: %(exception)s (GDPR art. 9)", exception=HEALTH_DATA_LABELS[study.health_data_exception]
        )
    return {
        "controller": _(
            "The controller of your data is %(controller)s, the organisation responsible for this pilot.",
            controller=controller,
        ),
        "dpo": _(
            "You can reach its data protection officer (DPO) at %(contact)s.",
            contact=study.dpo_contact or _("[the DPO's contact]"),
        ),
        "purpose": _(
            "Your answers are used only for this pilot: %(objectives)s",
            objectives=(study.objectives or study.title).strip(),
        ),
        "legal_basis": _("The processing rests on %(basis)s.", basis=basis),
        "recipients": _(
            "Only the pilot's team at %(organisation)s sees your answers, under a participant code, never your name "
            "or email; the living lab's coordinators may read them to check the pilot. Nobody else receives them.",
            organisation=organisation.name,
        ),
        "retention": retention_sentence(study),
        "rights": _(
            "You may access your data, have them corrected or erased, restrict or object to their use, and receive "
            "them to take elsewhere (GDPR art. 15 to 21), from your LivingLab account or by writing to the DPO. You "
            "may leave the pilot at any time without giving a reason."
        ),
        "complaint": _(
            "If you think your rights are not respected, you may lodge a complaint with the CNIL "
            "(www.cnil.fr, 3 place de Fontenoy, 75007 Paris)."
        ),
    }


NewConsent.model_rebuild()
Consent.model_rebuild()


def clean_consent_options(on_erasure, keep_free_text, current=None) -> tuple[str, bool]:
    """The consent's retention options, checked; those not given stay as in `current` (a consent version)."""
    clean, errors = s.validate(ConsentOptions, {"on_erasure": on_erasure, "keep_free_text": keep_free_text})
    v.raise_for(errors)
    chosen = clean.get("on_erasure") or (current.on_erasure if current is not None else "erase")
    keep = clean.get("keep_free_text")
    return chosen, bool(keep if keep is not None else (current.keep_free_text if current is not None else False))


def retention_sentence(study) -> str:
    """The template's retention item, as studies/retention.py applies it: the active period after the end of the
    pilot, the archive (no participant-level export), then the purge, which a coordinator may postpone."""
    if not study.retention_months:
        return _("Your data are kept for [the retention period] after the end of the pilot.")
    if study.retention_archive_months:
        return _(
            "Your data are kept for %(months)d months after the end of the pilot, then %(archive)d more months in an "
            "archive the pilot's team can no longer export; after that they are erased or anonymised as this form "
            "says, unless the living lab's coordinators postpone it, giving a reason.",
            months=study.retention_months,
            archive=study.retention_archive_months,
        )
    return _(
        "Your data are kept for %(months)d months after the end of the pilot; after that they are erased or "
        "anonymised as this form says, unless the living lab's coordinators postpone it, giving a reason.",
        months=study.retention_months,
    )
