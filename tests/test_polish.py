"""Issue 9, item 19 (what a server-side test can see): one date format per language, no doubled
punctuation in the incomplete-submission message, "My data" for participants only, the approval message's
fingerprint shortened with a copy button; and the fields' labels for the audit trail (`field_label`)."""

import html
import re

import pytest

from livinglab.demo import populate
from livinglab.extensions import db
from livinglab.studies.labels import field_label, fields_in_words
from livinglab.studies.models import Study

MONTHS = {
    "en": "Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec|January|February|March|April|June|July|August|"
    "September|October|November|December",
    "fr": "janv\\.|févr\\.|mars|avr\\.|mai|juin|juil\\.|août|sept\\.|oct\\.|nov\\.|déc\\.|janvier|février|avril|"
    "juillet|septembre|octobre|novembre|décembre",
}
# The one format of each language: "30 Nov 2026" / "30 nov. 2026", with ", 14:05" when there is a time.
ONE_FORMAT = {
    lang: re.compile(rf"^\d{{1,2}} ({months}) \d{{4}}(, \d{{2}}:\d{{2}})?$")
    for lang, months in (
        ("en", "Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec"),
        ("fr", "janv\\.|févr\\.|mars|avr\\.|mai|juin|juil\\.|août|sept\\.|oct\\.|nov\\.|déc\\."),
    )
}


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def dates_in(page: str, lang: str) -> list[str]:
    """Every date written on the page: a day, a month name, a year, and any time after it."""
    body = re.sub(r"<[^>]+>", " ", page.split("<main", 1)[1])
    pattern = rf"(?:\b[A-Z][a-z]+ \d{{1,2}}, \d{{4}}|\b\d{{1,2}}\s(?:{MONTHS[lang]})\s?\d{{4}}(?:,? (?:at |à )?\d{{1,2}}:\d{{2}}(?::\d{{2}})?(?: [AP]M)?)?)"
    return [" ".join(found.split()) for found in re.findall(pattern, body)]


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_one_date_format_per_language(client, login, startup, make_study, make_user, lang):
    study = make_study("recruiting")
    populate(study, 3, seed=1)
    citizen = make_user("participant")
    from livinglab.participants import services

    consent = study.current_consent
    services.enrol(
        citizen,
        study,
        consent_version=consent.version,
        clauses={c["key"]: True for c in consent.clauses},
        signature=citizen.name,
        age=30,
        criteria_confirmed=True,
    )
    db.session.commit()
    found = []
    for user, paths in (
        (startup, ["/studies/", f"/studies/{study.id}", f"/studies/{study.id}/participants"]),
        (citizen, [f"/pilots/{study.id}/consent", "/dashboard", f"/pilots/{study.id}"]),
    ):
        client.post("/account/signout")
        login(user)
        client.post("/language", data={"lang": lang, "next": "/"})
        for path in paths:
            response = client.get(path, follow_redirects=True)
            assert response.status_code == 200, path
            found += [(path, date) for date in dates_in(text(response), lang)]
    assert len(found) >= 5
    odd = [(path, date) for path, date in found if not ONE_FORMAT[lang].match(date)]
    assert odd == []


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_the_incomplete_submission_message_has_no_doubled_punctuation(client, login, startup, lang):
    login(startup)
    client.post("/language", data={"lang": lang, "next": "/"})
    client.post("/studies/new", data={"title": "Half a protocol", "domain": "e-health"})
    study = db.session.scalar(db.select(Study))
    page = text(client.post(f"/studies/{study.id}/submit", follow_redirects=True))
    message = re.search(r'class="flash flash-error"[^>]*>([^<]+)<', page).group(1)
    assert message.count(";") >= 3
    for doubled in (".;", ". ;", ".\u00a0;", "..", ";;", ". .", ".\u00a0."):
        assert doubled not in message, (doubled, message)
    assert message.endswith(".")


def test_my_data_is_in_the_footer_of_participants_only(client, login, make_user):
    for role, shown in (("participant", True), ("startup", False), ("coordinator", False)):
        client.post("/account/signout")
        login(make_user(role))
        footer = client.get("/privacy").get_data(as_text=True).split("<footer", 1)[1]
        assert ("/pilots/my-data" in footer) is shown, role


def test_the_approval_message_shows_the_fingerprint_short_with_a_copy_button(client, login, coordinator, make_study):
    study = make_study("submitted")
    login(coordinator)
    page = client.post(
        f"/studies/{study.id}/review", data={"decision": "approve", "comment": ""}, follow_redirects=True
    ).get_data(as_text=True)
    fingerprint = db.session.get(Study, study.id).registration_hash
    flash = re.search(r'<p class="flash flash-success"[^>]*>(Approved.*?)</p>', page, re.S).group(1)
    assert f'<code class="hash-short" title="{fingerprint}">{fingerprint}</code>' in flash  # whole when copied
    assert re.search(rf'<button type="button" class="link copy-button" data-copy="{fingerprint}"[^>]*hidden>', flash)
    assert flash.startswith("Approved. The protocol is registered with the fingerprint")
    assert '<script src="/static/copy.js"' in page  # a file: the CSP allows no inline script
    # whole on the study page, as text anyone can select
    assert f'<code class="hash" id="registration-hash">{fingerprint}</code>' in page


def test_field_labels_in_both_languages(app):
    from flask_babel import force_locale

    with app.test_request_context():
        assert fields_in_words(["data_collected", "timepoint_delays"]) == (
            "Data collected and why, When each timepoint's survey opens"
        )
        assert field_label("no_such_field") == "no_such_field"
        with force_locale("fr"):
            assert field_label("data_collected") == "Données collectées et finalités"
            assert field_label("retention_months") == "Durée de conservation des données (mois)"
