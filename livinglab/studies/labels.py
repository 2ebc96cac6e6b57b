"""The protocol's fields in words, in the reader's language: one declaration for the editor, its error
summary, the study page's history and the audit trail (`field_label`, `fields_in_words`)."""
from flask_babel import lazy_gettext as _l

FIELD_LABELS = {
    "title": _l("Title"),
    "domain": _l("Domain"),
    "summary": _l("Plain-language summary"),
    "objectives": _l("Objectives"),
    "intervention": _l("Intervention"),
    "risks": _l("Risks and how they are reduced"),
    "duration": _l("Duration"),
    "location": _l("Place"),
    "compensation": _l("Compensation"),
    "design": _l("Design"),
    "arms": _l("Groups"),
    "timepoints": _l("Timepoints"),
    "timepoint_delays": _l("When each timepoint's survey opens"),
    "labels": _l("Names of the groups and timepoints"),
    "target_enrolment": _l("Target enrolment"),
    "eligibility": _l("Eligibility"),
    "primary_outcome": _l("Primary outcome"),
    "alpha": _l("Significance level (alpha)"),
    "data_collected": _l("Data collected and why"),
    "research_category": _l("Category of research"),
    "cnil_framework": _l("CNIL framework"),
    "cnil_reference": _l("CNIL reference"),
    "ethics_opinion": _l("Ethics committee (CPP) opinion"),
    "dpia_done": _l("Data protection impact assessment (DPIA)"),
    "retention_months": _l("Data retention (months)"),
}


def field_label(name: str) -> str:
    """A protocol field's label (`data_collected` → "Data collected and why"); an unknown name as is."""
    label = FIELD_LABELS.get(name)
    return str(label) if label is not None else str(name)


def fields_in_words(names) -> str:
    """Several fields' labels, comma-separated, in the order given."""
    return ", ".join(field_label(str(name)) for name in names)
