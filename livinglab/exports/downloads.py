"""The export files as HTTP answers, shared by the API and the pages (which authorise first)."""

from flask import Response, send_file, stream_with_context

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


def spss(study: Study) -> Response:
    from .statfiles import SPSS  # on first use (README, "Startup")

    return _stat_response(study, SPSS)


def stata(study: Study) -> Response:
    from .statfiles import STATA

    return _stat_response(study, STATA)


def _stat_response(study: Study, fmt) -> Response:
    from .statfiles import stat_file

    require_exports_open(study)
    plan = plan_for(study)
    body = stat_file(plan, wide_rows(stored_rows(study.id, plan), plan), fmt, study.title)
    return _private(
        send_file(body, mimetype=fmt.mimetype, as_attachment=True, download_name=filename(study, f"data.{fmt.suffix}"))
    )
