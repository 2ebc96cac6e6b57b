"""The export files as HTTP answers, shared by the API and the pages (which authorise first)."""

from flask import Response, send_file, stream_with_context
from flask_babel import force_locale
from flask_babel import gettext as _

from .. import validation as v
from ..studies import pilot_languages
from ..studies.models import Study
from ..studies.retention import require_exports_open
from . import bilingual
from .columns import plan_for
from .delimited import csv_chunks
from .reports import report_sheets
from .rows import stored_rows, wide_rows

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def filename(study: Study, what: str) -> str:
    return f"livinglab-study-{study.id}-{what}"


def _private(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"  # pseudonymous, still research data
    return response


def data_csv(study: Study) -> Response:
    """The answers in wide form, streamed: the header at once, then the rows as they are read."""
    require_exports_open(study)
    plan = plan_for(study)
    chunks = csv_chunks(plan.header, wide_rows(stored_rows(study.id, plan), plan))
    response = Response(stream_with_context(chunks), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename(study, "data.csv")}"'
    return _private(response)


def _dictionary(study: Study, plan) -> tuple[list[str], list[list[str]]]:
    """The dictionary's header and rows: the wide file's columns, then the long-form reports' (reports.py), each
    in every declared language (bilingual.py)."""
    return bilingual.dictionary(study, plan)


def dictionary_csv(study: Study) -> Response:
    """What each column of the data holds."""
    body = b"".join(csv_chunks(*_dictionary(study, plan_for(study))))
    response = Response(body, mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename(study, "dictionary.csv")}"'
    return _private(response)


def workbook(study: Study) -> Response:
    """Both sheets in one XLSX file."""
    from .workbook import workbook_file  # on first use (README, "Startup")

    require_exports_open(study)
    plan = plan_for(study)
    sheets = [
        ("data", plan.header, wide_rows(stored_rows(study.id, plan), plan)),
        ("dictionary", *_dictionary(study, plan)),
    ]  # fixed names, for scripts
    sheets += report_sheets(study)  # "reports", when the pilot has repeatable surveys (reports.py)
    return _private(
        send_file(workbook_file(sheets), mimetype=XLSX, as_attachment=True, download_name=filename(study, "data.xlsx"))
    )


def spss(study: Study, language: str | None = None) -> Response:
    from .statfiles import SPSS  # on first use (README, "Startup")

    return _stat_response(study, SPSS, language)


def stata(study: Study, language: str | None = None) -> Response:
    from .statfiles import STATA

    return _stat_response(study, STATA, language)


def stat_language(study: Study, wanted: str | None) -> str | None:
    """The one language of a bilingual pilot's SPSS or Stata file: `wanted`, else the downloader's when the pilot
    offers it, else the one it is written in; None for a pilot in one language or none (its texts as written, the
    app's words in the downloader's language). 422 for a language the pilot does not declare."""
    declared = list(study.languages or [])
    if wanted is not None and wanted not in declared:
        if not declared:
            v.reject("language", v.FieldError(_("This pilot declares no language: leave language out.")))
        v.reject(
            "language", v.FieldError(_("Give one of this pilot's languages: %(names)s.", names=", ".join(declared)))
        )
    if wanted is None and len(declared) < 2:
        return None
    return wanted or pilot_languages.language_for(study, pilot_languages.interface_language())


def _stat_response(study: Study, fmt, wanted: str | None = None) -> Response:
    from .statfiles import stat_file

    language = stat_language(study, wanted)
    require_exports_open(study)
    if language is None:
        plan = plan_for(study)
        body = stat_file(plan, wide_rows(stored_rows(study.id, plan), plan), fmt, study.title)
        name = f"data.{fmt.suffix}"
    else:  # one file per language: the pilot's texts and the app's words in that language (bilingual.py)
        plan, _values = bilingual.plan_in(study, language)
        title = pilot_languages.text_in(study, language, "protocol.title", study.title)
        with force_locale(language):
            body = stat_file(plan, wide_rows(stored_rows(study.id, plan), plan), fmt, title)
        name = f"data-{language}.{fmt.suffix}" if len(study.languages or []) > 1 else f"data.{fmt.suffix}"
    return _private(send_file(body, mimetype=fmt.mimetype, as_attachment=True, download_name=filename(study, name)))
