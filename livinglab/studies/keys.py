"""Machine keys made from what people write: "Plant-based menu" → `plant_based_menu`.

The API names arms, timepoints, surveys, questions and consent clauses by keys (lower-case letters,
digits and _, starting with a letter, at most 48: `validation.KEY_RE`). On the pages, founders write
labels; the key is made from the label, shown and editable under "Advanced", and checked by the
same service as the API's."""

import re
import unicodedata

KEY_MAX = 40  # leaves room for a "_2" suffix under the 48 characters of a key
# Words that carry no meaning in a variable's name, in English and French.
STOP_WORDS = frozenset(
    """
a an and are as at be by can could did do does for from have how i if in is it many much my of on or per
should so that the this to was were what when which who will with would you your
au aux avec ce ces combien comment de des du en est et il la le les leur ma mes mon ou par pour quel quelle
quels quelles que qui sa se ses son sur ta te tes ton un une vos votre vous y avez etes etiez
c d j l m n qu s t
""".split()
)


def words_of(label: str) -> list[str]:
    """The label in lower-case ASCII words: accents dropped, every other character a separator."""
    ascii_text = unicodedata.normalize("NFKD", label or "").encode("ascii", "ignore").decode("ascii")
    return [word for word in re.split(r"[^a-z0-9]+", ascii_text.lower()) if word]


def key_from_label(
    label: str,
    taken=(),
    *,
    fallback: str = "item",
    max_words: int | None = None,
    drop_stop_words: bool = False,
    max_len: int = KEY_MAX,
) -> str:
    """A key for this label, not among `taken`: its words joined by _, cut at a word boundary (at most
    `max_len` characters, before any suffix), a digit at the start prefixed with `fallback`, `fallback` itself
    when nothing is left; `_2`, `_3`… when the key is already taken."""
    words = words_of(label)
    if drop_stop_words:
        words = [word for word in words if word not in STOP_WORDS] or words
    if max_words:
        words = words[:max_words]
    key = ""
    for word in words:
        candidate = f"{key}_{word}" if key else word
        if len(candidate) > max_len:
            break
        key = candidate
    if not key and words:  # one very long word
        key = words[0][:max_len]
    if not key:
        key = fallback
    elif not key[0].isalpha():
        key = f"{fallback}_{key}"[:max_len].rstrip("_")
    return unique(key, taken)


def unique(key: str, taken) -> str:
    taken = set(taken)
    if key not in taken:
        return key
    number = 2
    while f"{key}_{number}" in taken:
        number += 1
    return f"{key}_{number}"


def label_of(labels: dict | None, group: str, key: str) -> str:
    """The label a founder gave a key (an arm or a timepoint), or the key in words."""
    label = ((labels or {}).get(group) or {}).get(key)
    return label or key.replace("_", " ").capitalize()
