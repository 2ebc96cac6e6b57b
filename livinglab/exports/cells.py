"""Cell values made safe for spreadsheets, and written as CSV text.

Formula injection (OWASP, "CSV Injection"): a text cell that starts with =, +, -, @, a tab or a
carriage return may run as a formula when the file is opened in a spreadsheet; a leading apostrophe
makes it plain text. Only text is touched: numbers are written as numbers, negative ones included."""
import re

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# Characters XML 1.0, so XLSX, cannot hold (answers may contain them: only NUL is refused on input).
XML_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def neutralise(text: str) -> str:
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def csv_cell(value) -> str:
    """A display value as CSV text: '' for nothing, numbers as Python writes them (dot decimals)."""
    if value is None:
        return ""
    if isinstance(value, str):
        return neutralise(value)
    return repr(value) if isinstance(value, float) else str(value)


def sheet_cell(value):
    """A display value for an XLSX cell: numbers stay numbers, text is neutralised and XML-safe."""
    if isinstance(value, str):
        return neutralise(XML_ILLEGAL.sub("", value))
    return value
