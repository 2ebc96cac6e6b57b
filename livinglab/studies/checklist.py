"""What a protocol still lacks before it can be submitted."""

from dataclasses import dataclass

from flask_babel import gettext as _

from .consent import GDPR_ITEMS, missing_gdpr
from .models import Study
from .protocol import PROTOCOL, REVIEW_SECTION


@dataclass
class Check:
    key: str
    label: str
    ok: bool
    section: str
    advisory: bool = False  # named on the pages, but does not block submission
    link: str | None = None  # where to complete it, when not on the editor


def field_checks(study: Study) -> list[Check]:
    """A check for each declared field that is needed for submission, in the declarations' order."""
    checks = []
    for field in PROTOCOL:
        if field.needed is None:
            continue
        met = field.needed_state(study)
        problem = met if isinstance(met, str) else None  # a rule may say why it is not met
        checks.append(
            Check(
                field.name,
                problem or str(field.needed_label or field.label),
                met is True,
                REVIEW_SECTION[field.section],
            )
        )
    return checks


def checklist(study: Study) -> list[Check]:
    covered = {survey.timepoint for survey in study.surveys if survey.items}
    missing_tps = [tp for tp in study.timepoints if tp not in covered]
    consent = study.current_consent
    return field_checks(study) + [
        Check(
            "consent",
            _("A consent form with at least one required clause"),
            consent is not None and any(c["required"] for c in consent.clauses),
            "consent",
        ),
        Check(
            "surveys",
            _("A survey at every timepoint")
            if not missing_tps
            else _("A survey at every timepoint (missing: %(tps)s)", tps=", ".join(missing_tps)),
            not missing_tps,
            "surveys",
        ),
        gdpr_check(consent),
        *language_checks(study),
    ]


def language_checks(study: Study) -> list[Check]:
    """Each declared language other than the first: every participant-facing text translated, and up to date."""
    from flask import has_request_context, url_for

    from . import pilot_languages

    declared = list(study.languages or [])
    if len(declared) < 2:
        return []
    lacking = pilot_languages.incomplete(pilot_languages.record_of(study))
    on_page = study.id is not None and has_request_context()
    link = url_for("translations.edit", study_id=study.id) if on_page else None
    checks = []
    for language in declared[1:]:
        name = str(pilot_languages.LANGUAGE_NAMES[language])
        gaps = lacking.get(language)
        label = (
            _(
                "Every text in %(language)s: %(missing)d missing, %(outdated)d to update",
                language=name,
                missing=gaps["missing"],
                outdated=gaps["outdated"],
            )
            if gaps
            else _("Every text in %(language)s", language=name)
        )
        checks.append(Check(f"language_{language}", label, not gaps, "protocol", link=link))
    return checks


def gdpr_check(consent) -> Check:
    """The consent's mandatory GDPR information (GDPR art. 13 and 14), item by item. Advisory: the API's consent
    body (`text`, `clauses`) is a contract that older clients keep, and without the items a consent still
    informs in its free text; the page and the reviewer see every item that is empty, by name."""
    absent = missing_gdpr(consent)
    names = dict(GDPR_ITEMS)
    return Check(
        "consent_gdpr",
        _("The consent's GDPR information, item by item")
        if not absent
        else _(
            "The consent's GDPR information misses: %(items)s",
            items=", ".join(str(names[key]) for key in absent),
        ),
        not absent,
        "consent",
        advisory=True,
    )


def missing(study: Study) -> dict[str, str]:
    """What blocks submission, by the name of the field (or part) that is missing."""
    return {check.key: check.label for check in checklist(study) if not check.ok and not check.advisory}
