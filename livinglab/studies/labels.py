"""The protocol's fields in words, in the reader's language (declared in `protocol`): for the editor's
error summary, the study page's history and the audit trail (`field_label`, `fields_in_words`)."""

from .protocol import PROTOCOL

FIELD_LABELS = {f.name: f.label for f in PROTOCOL}


def field_label(name: str) -> str:
    """A protocol field's label (`data_collected` → "Data collected and why"); an unknown name as is."""
    label = FIELD_LABELS.get(name)
    return str(label) if label is not None else str(name)


def fields_in_words(names) -> str:
    """Several fields' labels, comma-separated, in the order given."""
    return ", ".join(field_label(str(name)) for name in names)
