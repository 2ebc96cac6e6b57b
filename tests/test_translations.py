"""The French catalogue is complete: every string of the code is translated, and compiled."""

from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
FR = ROOT / "livinglab" / "translations" / "fr" / "LC_MESSAGES"
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "lazy_gettext": None, "_l": None}
METHODS = [("livinglab/**.py", "python"), ("livinglab/templates/**.html", "jinja2")]


def source_messages() -> set:
    found = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(ROOT), METHODS, keywords=KEYWORDS, options_map={"livinglab/templates/**.html": {}}
    ):
        found.add(message[0] if isinstance(message, tuple) else message)
    return found


def french():
    with open(FR / "messages.po", "rb") as handle:
        return read_po(handle, locale="fr")


def test_every_string_of_the_code_has_a_french_translation():
    catalog = french()
    translated = {
        m.id if isinstance(m.id, str) else m.id[0]
        for m in catalog
        if m.id and m.string and not m.fuzzy and all(m.string)
    }
    missing = sorted(source_messages() - translated)
    assert missing == [], f"{len(missing)} strings lack French (run `flask --app livinglab translate update`)"


def _hashable(value):
    return tuple(value) if isinstance(value, (list, tuple)) else value


def test_compiled_catalogue_matches_the_po_file():
    with open(FR / "messages.mo", "rb") as handle:
        compiled = {_hashable(m.id): _hashable(m.string) for m in read_mo(handle) if m.id}
    written = {_hashable(m.id): _hashable(m.string) for m in french() if m.id and m.string and not m.fuzzy}
    assert compiled == written, "run `flask --app livinglab translate compile`"


def test_pages_speak_french_when_the_browser_asks(client):
    response = client.get("/", headers={"Accept-Language": "fr-FR,fr;q=0.9"})
    assert '<html lang="fr">' in response.get_data(as_text=True)
    assert "Se connecter" in response.get_data(as_text=True)


def test_language_switch_is_remembered_for_the_session(client):
    client.post("/language", data={"lang": "fr", "next": "/"})
    assert '<html lang="fr">' in client.get("/").get_data(as_text=True)
    client.post("/language", data={"lang": "en", "next": "/"})
    assert '<html lang="en">' in client.get("/", headers={"Accept-Language": "fr"}).get_data(as_text=True)
