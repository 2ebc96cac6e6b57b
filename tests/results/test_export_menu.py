"""Issue 9, item 9: the results and participants pages lead to the five exports, each in a sentence."""

import re

import pytest

EXPORTS = {
    "data.csv": "text/csv",
    "dictionary.csv": "text/csv",
    "data.xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "data.sav": None,
    "data.dta": None,
}


def export_links(html: str) -> dict[str, str]:
    """The menu's links and the sentence after each."""
    menu = re.search(r'<details class="menu export-menu">(.*?)</details>', html, re.S)
    assert menu, "no Export data menu"
    return {
        href.rsplit("/", 1)[1]: re.sub(r"\s+", " ", sentence).strip()
        for href, sentence in re.findall(r'<a href="([^"]+)" download>[^<]+</a>\s*<span>([^<]+)</span>', menu.group(1))
    }


@pytest.mark.parametrize("page", ["results", "participants"])
def test_the_export_menu_leads_to_the_five_downloads(client, login, startup, make_study, page):
    study = make_study("recruiting")
    login(startup)
    html = client.get(f"/studies/{study.id}/{page}").get_data(as_text=True)
    assert "Export data" in html
    links = export_links(html)
    assert set(links) == set(EXPORTS)
    for name, sentence in links.items():
        assert len(sentence.split()) >= 6 and sentence.endswith("."), name  # each explained in a sentence
        response = client.get(f"/studies/{study.id}/exports/{name}")
        assert response.status_code == 200, name
        if EXPORTS[name]:
            assert response.mimetype == EXPORTS[name]


def test_the_menu_is_in_french_too(client, login, startup, make_study):
    study = make_study("recruiting")
    login(startup)
    client.post("/language", data={"lang": "fr", "next": "/"})
    html = client.get(f"/studies/{study.id}/results").get_data(as_text=True)
    assert "Exporter les données" in html and len(export_links(html)) == 5


def test_no_menu_before_approval(client, login, startup, make_study):
    study = make_study("draft")
    login(startup)
    assert "export-menu" not in client.get(f"/studies/{study.id}/participants").get_data(as_text=True)


def test_a_coordinator_gets_the_menu_and_another_startup_gets_nothing(
    client, login, coordinator, other_startup, make_study
):
    study = make_study("recruiting")
    login(coordinator)
    assert len(export_links(client.get(f"/studies/{study.id}/results").get_data(as_text=True))) == 5
    client.post("/account/signout")
    login(other_startup)
    assert client.get(f"/studies/{study.id}/participants").status_code == 404
    assert client.get(f"/studies/{study.id}/exports/data.csv").status_code == 404
