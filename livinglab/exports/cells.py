"""Cell values made safe for spreadsheets, and written as CSV text.

Formula injection (OWASP, "CSV Injection"): a text cell that starts with =, +, -, @, a tab or a
carriage return may run as a formula when the file is opened in a spreadsheet; a leading apostrophe
makes it plain text. A spreadsheet may also split one cell into several: French Excel and LibreOffice
split a CSV on `;` (the French list separator), and the import dialogs offer `,`, tab, `|` and line
ends; each piece then starts a cell of its own. So every piece that would start a cell, after any
of these separators and after spaces or a quote, gets the apostrophe too: `a; =1+1` is written
`a; '=1+1`. Full-width signs (＝ ＋ － ＠), which some spreadsheets read as their ASCII twins, count
as formula starts. Only text is touched: numbers are written as numbers, negative ones included."""

import re

# A cell, or a piece of one after a separator a spreadsheet splits on, whose first character past
# blanks and quotes would start a formula: the apostrophe goes right before that character.
_PIECE = re.compile(r"(^|[;,|\t\r\n])([ \"]*)(?=[=+\-@\t\r\uff1d\uff0b\uff0d\uff20])")
# Characters XML 1.0, so XLSX, cannot hold (answers may contain them: only NUL is refused on input).
XML_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
# A question that did not apply (its `show_if` condition was not met), apart from a missing answer (an empty
# cell): this text in CSV and XLSX, never one of pandas' or R's default missing markers, so that it never turns
# into a missing value unasked (`na_values=["not_applicable"]` when wanted); `.n` in Stata, a declared
# user-missing code in SPSS (statfiles.py). The data dictionary says so.
NOT_APPLICABLE_TEXT = "not_applicable"


class NotApplicable:
    """The cell of a question that did not apply: one instance, `NOT_APPLICABLE`."""

    def __repr__(self) -> str:
        return NOT_APPLICABLE_TEXT


NOT_APPLICABLE = NotApplicable()


def neutralise(text: str) -> str:
    """The text with an apostrophe before each piece that would start a formula; idempotent."""
    return _PIECE.sub(r"\1\2'", text)


def csv_cell(value) -> str:
    """A display value as CSV text: '' for nothing, numbers as Python writes them (dot decimals)."""
    if value is None:
        return ""
    if value is NOT_APPLICABLE:
        return NOT_APPLICABLE_TEXT
    if isinstance(value, str):
        return neutralise(value)
    return repr(value) if isinstance(value, float) else str(value)


def sheet_cell(value):
    """A display value for an XLSX cell: numbers stay numbers, text is neutralised and XML-safe."""
    if value is NOT_APPLICABLE:
        return NOT_APPLICABLE_TEXT
    if isinstance(value, str):
        return neutralise(XML_ILLEGAL.sub("", value))
    return value
