"""The question types whose answers are not one key each, as plain data (no Flask): a matrix's rows,
answered as `<key>_1 … <key>_N` and each a variable of its own (an ordinal scale, like a Likert item),
and a single choice's "Other (please specify)", stored as the choice `Other` and its text under
`<key>_other`."""

OTHER = "Other"  # the stored answer of "Other (please specify)"; its category in the analysis and exports
TEXT_TYPES = ("date", "time")  # stored as text (YYYY-MM-DD, HH:MM): listed and counted, never analysed as numbers


def is_section(item: dict) -> bool:
    """A section break (`{key, section, intro}`): it starts a page, and is no question: no answer, no variable."""
    return "section" in item


def other_key(key: str) -> str:
    return f"{key}_other"


def row_keys(item: dict) -> list[str]:
    return [f"{item['key']}_{n}" for n in range(1, len(item["rows"]) + 1)]


def own_answer_keys(item: dict) -> list[str] | None:
    """The keys a matrix or a choice with "Other" is answered under; None for every other item."""
    if item.get("type") == "matrix":
        return row_keys(item)
    if item.get("type") == "single_choice" and item.get("other"):
        return [item["key"], other_key(item["key"])]
    return None


def matrix_rows(item: dict) -> list[dict]:
    """A matrix's rows as the Likert items they are analysed and exported as."""
    labels = {"labels": item["labels"]} if item.get("labels") else {}
    return [
        {
            "key": key,
            "text": f"{item['text']} — {row}",
            "type": "likert",
            "required": item.get("required", True),
            "min": item["min"],
            "max": item["max"],
            **labels,
        }
        for key, row in zip(row_keys(item), item["rows"], strict=True)
    ]


def as_variables(items: list[dict]):
    """The items as the analysis reads them: a matrix becomes its rows; a choice with "Other" counts
    `Other` among its categories (its text is listed, not analysed)."""
    for item in items:
        if is_section(item):  # a section break measures nothing
            continue
        if item.get("type") == "matrix":
            yield from matrix_rows(item)
        elif item.get("type") == "single_choice" and item.get("other"):
            yield {k: v for k, v in item.items() if k != "other"} | {"choices": [*item["choices"], OTHER]}
        else:
            yield item
