"""The XLSX workbook: the data and its dictionary, one sheet each.

openpyxl's write-only mode streams rows to temporary files, so the rows need not fit in memory;
only the finished, compressed file is held for sending."""

import io
from collections.abc import Iterable

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from .cells import sheet_cell


def workbook_file(sheets: Iterable[tuple[str, list[str], Iterable[list]]]):
    """A rewound file holding the workbook; `sheets` are (title, header, rows)."""
    book = Workbook(write_only=True)
    bold = Font(bold=True)
    for title, header, rows in sheets:
        sheet = book.create_sheet(title)
        sheet.freeze_panes = "A2"
        sheet.append([_header_cell(sheet, name, bold) for name in header])
        for row in rows:
            sheet.append([sheet_cell(value) for value in row])
    out = io.BytesIO()
    book.save(out)
    out.seek(0)
    return out


def _header_cell(sheet, name: str, font: Font) -> WriteOnlyCell:
    cell = WriteOnlyCell(sheet, value=sheet_cell(name))
    cell.font = font
    return cell
