"""The record of processing activities of a pilot (GDPR art. 30(1)), generated from its protocol: who is the
controller, why the data are processed, about whom, which data, who receives them, transfers, how long, how
they are protected, on what legal basis, and the DPIA. Read by its page and its CSV alike."""

from dataclasses import dataclass

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from . import regulatory
from .enums import HealthDataException
from .protocol import CATEGORY_LABELS, CNIL_LABELS, HEALTH_DATA_LABELS, LEGAL_BASIS_LABELS


@dataclass(frozen=True)
class Entry:
    key: str
    label: str
    value: str


LABELS = {
    "processing": _l("Processing"),
    "controller": _l("Controller"),
    "dpo": _l("Data protection officer (DPO)"),
    "purposes": _l("Purposes"),
    "legal_basis": _l("Legal basis (art. 6 and art. 9)"),
    "data_subjects": _l("Categories of data subjects"),
    "data_categories": _l("Categories of personal data"),
    "health_data": _l("Health data"),
    "recipients": _l("Recipients"),
    "transfers": _l("Transfers outside the European Union"),
    "retention": _l("Retention"),
    "security": _l("Security measures"),
    "hosting": _l("Hosting"),
    "dpia": _l("Data protection impact assessment (DPIA)"),
    "regulatory_frame": _l("Regulatory frame"),
}
NOT_GIVEN = _l("Not given in the protocol")


def _or_missing(text) -> str:
    return str(text).strip() if text and str(text).strip() else str(NOT_GIVEN)


def entries(study) -> list[Entry]:  # a Study (its declared columns are set at import: untyped here)
    """The record's entries, in the order of art. 30(1) a) to g), then what a living lab adds."""
    eligibility = study.eligibility or {}
    ages = (
        _("aged %(lo)d to %(hi)d", lo=eligibility.get("min_age") or 0, hi=eligibility["max_age"])
        if eligibility.get("max_age") is not None
        else _("aged %(lo)d or more", lo=eligibility.get("min_age") or 0)
    )
    health = study.health_data_exception
    processes_health = health is not None and health != HealthDataException.NO_HEALTH_DATA
    basis = LEGAL_BASIS_LABELS[study.legal_basis] if study.legal_basis else NOT_GIVEN
    if health is None:
        exception = NOT_GIVEN
    else:
        exception = HEALTH_DATA_LABELS[health]
    mode = regulatory.mode_of(study)
    values = {
        "processing": _("Pilot “%(title)s” (protocol version %(version)d)", title=study.title, version=study.version),
        "controller": _(
            "%(sponsor)s (sponsor), for the organisation %(organisation)s",
            sponsor=_or_missing(study.sponsor),
            organisation=study.organisation.name,
        ),
        "dpo": _or_missing(study.dpo_contact),
        "purposes": _or_missing(study.objectives),
        "legal_basis": _("Art. 6: %(basis)s. Art. 9: %(exception)s.", basis=basis, exception=exception),
        "data_subjects": _(
            "Volunteers taking part in the pilot, %(ages)s, who meet its criteria: %(criteria)s",
            ages=ages,
            criteria="; ".join(eligibility.get("criteria") or []) or _("none"),
        ),
        "data_categories": _(
            "Account (name, email address), kept apart from the answers; answers under a random participant "
            "code; consent evidence (version, clauses, mode, date). Collected: %(collected)s",
            collected=_or_missing(study.data_collected),
        ),
        "health_data": _("Yes: %(exception)s", exception=exception) if processes_health else _("No"),
        "recipients": _(
            "The pilot's team at %(organisation)s (pseudonymous answers only, never names or emails); the living "
            "lab's coordinators (review, oversight).",
            organisation=study.organisation.name,
        ),
        "transfers": _("None declared: the data are hosted by %(host)s.", host=_or_missing(study.data_host)),
        "retention": retention_period(study),
        "security": _(
            "Pseudonymous participant codes; names and emails only on accounts; encrypted connections (HTTPS); "
            "access by role and organisation; a keyed, tamper-evident audit trail; %(hds)s.",
            hds=_("hosting certified for health data (HDS)")
            if study.hds_certified
            else _("hosting not certified for health data (HDS)"),
        ),
        "hosting": _(
            "%(host)s; HDS certified: %(hds)s",
            host=_or_missing(study.data_host),
            hds=_("yes") if study.hds_certified else _("no"),
        ),
        "dpia": _(
            "Carried out: %(reference)s, %(date)s",
            reference=_or_missing(study.dpia_reference),
            date=study.dpia_date.isoformat() if study.dpia_date else str(NOT_GIVEN),
        )
        if study.dpia_done
        else _("Not carried out: %(reason)s", reason=_or_missing(study.dpia_not_required)),
        "regulatory_frame": _(
            "%(category)s; CNIL route: %(route)s%(reference)s; consent mode: %(mode)s",
            category=CATEGORY_LABELS.get(study.research_category, NOT_GIVEN) if study.research_category else NOT_GIVEN,
            route=CNIL_LABELS.get(study.cnil_framework, NOT_GIVEN) if study.cnil_framework else NOT_GIVEN,
            reference=f" ({study.cnil_reference})" if study.cnil_reference else "",
            mode=regulatory.MODE_NAMES[mode],
        ),
    }
    return [Entry(key, str(label), str(values[key])) for key, label in LABELS.items()]


def retention_period(study) -> str:
    """How long the pilot's personal data are kept, as studies/retention.py applies it."""
    if not study.retention_months:
        return str(NOT_GIVEN)
    if study.retention_archive_months:
        period = _(
            "%(months)d months after the end of the pilot, then %(archive)d months archived (no participant-level "
            "export); then erased or anonymised as the consent says",
            months=study.retention_months,
            archive=study.retention_archive_months,
        )
    else:
        period = _(
            "%(months)d months after the end of the pilot; then erased or anonymised as the consent says",
            months=study.retention_months,
        )
    if study.purge_postponed_to:
        period += _("; postponed by a coordinator to %(day)s", day=study.purge_postponed_to.date().isoformat())
    return period
