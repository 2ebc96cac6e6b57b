"""Correlations on request, for the results page and the API: the two measures a reader asked for, checked,
then computed from the same loader the results use, reading only the answers of the two variables (one query,
whatever the number of participants)."""

from flask_babel import gettext as _

from ..errors import Invalid, Malformed
from ..extensions import db
from ..studies.models import Study

MAX_LENGTH = 200  # a measure is two keys and an @


def choices(study: Study) -> list[str]:
    """The measures of the study a reader may correlate (`<variable>@<timepoint>`)."""
    from ..analysis.correlations import measures  # on first use (README, "Startup")
    from ..analysis.variables import catalogue
    from .loading import study_spec

    return measures(catalogue(study_spec(study)["surveys"], list(study.timepoints)))


def checked(study: Study, x: str | None, y: str | None) -> tuple[str, str]:
    """The two measures asked for, or the error that says what is wrong with them (nothing is read before)."""
    fields = {}
    known = choices(study)
    for name, value in (("x", x), ("y", y)):
        if value is None or value == "":
            fields[name] = _("Choose a measure.")
        elif len(value) > MAX_LENGTH or not value.isprintable():
            raise Malformed(_("A measure is written variable@timepoint."), fields={name: _("Not a measure.")})
        elif value not in known:
            fields[name] = _("The study has no numeric measure “%(measure)s”.", measure=value)
    if not fields and x == y:
        fields["y"] = _("Choose two different measures.")
    if fields:
        raise Invalid(_("Choose two numeric measures of this study."), code="invalid_measures", fields=fields)
    return x, y  # type: ignore[return-value]  # both checked above


def correlation_of(study: Study, x: str, y: str) -> dict:
    """Pearson and Spearman between two checked measures, over the participants who have both."""
    from ..analysis.correlations import correlate, split  # on first use (README, "Startup")
    from .loading import load_answers, study_spec

    spec = study_spec(study)
    items = sorted({item for key in {split(x)[0], split(y)[0]} for item in _items(spec, key)})
    frame = load_answers(db.session.connection(), study.id, items)
    return {"study_id": study.id, **correlate(frame, spec, x, y)}


def _items(spec: dict, key: str) -> list[str]:
    from ..analysis.variables import catalogue  # on first use (README, "Startup")

    return catalogue(spec["surveys"], spec["timepoints"])[key]["items"]
