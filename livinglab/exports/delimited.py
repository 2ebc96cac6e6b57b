"""CSV, written as a stream of UTF-8 chunks.

Comma-separated with dot decimals and CRLF line ends (RFC 4180), so R, pandas, SPSS and Stata read it
as it is; with a UTF-8 byte order mark, because Excel (French Excel included) otherwise reads a CSV in
the machine's legacy code page and turns "é" into "Ã©". pandas and readr skip the mark; base R wants
`read.csv(f, fileEncoding = "UTF-8-BOM")`, Python's csv module `encoding="utf-8-sig"`. French Excel
expects semicolons: the XLSX workbook is the file for spreadsheet users."""

import csv
import io
from collections.abc import Iterable, Iterator

from .cells import csv_cell

BOM = "\ufeff"
CHUNK = 64 * 1024  # bytes handed to the server at a time


def csv_chunks(header: list[str], rows: Iterable[list]) -> Iterator[bytes]:
    """The header then every row, as encoded chunks of about CHUNK bytes; nothing kept once sent."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    buffer.write(BOM)
    writer.writerow([csv_cell(name) for name in header])
    for row in rows:
        writer.writerow([csv_cell(value) for value in row])
        if buffer.tell() >= CHUNK:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode("utf-8")
