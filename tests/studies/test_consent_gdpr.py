"""The consent's mandatory GDPR information (art. 13 and 14) as structured items: the editor starts from a
template prefilled from the protocol, in the editor's language; the checklist names each item left empty;
the API serves them and the registration hash covers them."""

import html
import re

import pytest

from livinglab.extensions import db
from livinglab.studies import services as studies
from livinglab.studies.checklist import checklist, missing
from livinglab.studies.models import Study

ITEMS = ("controller", "dpo", "purpose", "legal_basis", "recipients", "retention", "rights", "complaint")
FULL = {key: f"The {key} item." for key in ITEMS}


def text(response) -> str:
    return response.get_data(as_text=True)


def editor_values(page: str) -> dict:
    return {
        key: re.search(rf'<textarea[^>]*name="gdpr_{key}"[^>]*>\s*(.*?)</textarea>', page, re.S).group(1)
        for key in ITEMS
    }


def test_the_checklist_names_every_gdpr_item_a_consent_lacks_without_blocking(make_study):
    study = make_study("draft")  # its consent was saved without the items, as an older API client does
    gdpr = next(c for c in checklist(study) if c.key == "consent_gdpr")
    assert not gdpr.ok and gdpr.advisory
    assert gdpr.label == (
        "The consent's GDPR information misses: Data controller, Data protection officer (DPO), Purpose of the "
        "processing, Legal basis, Recipients of the data, How long the data are kept, Your rights, Complaint to "
        "the CNIL"
    )
    assert "consent_gdpr" not in missing(study)  # advisory: submission does not wait for it


def test_the_checklist_names_only_the_items_left_empty(make_study, startup):
    study = make_study("draft")
    studies.save_consent(
        startup, study, "Text.", [{"key": "ok", "text": "OK", "required": True}], {**FULL, "dpo": "  ", "complaint": ""}
    )
    db.session.commit()
    gdpr = next(c for c in checklist(study) if c.key == "consent_gdpr")
    assert gdpr.label == "The consent's GDPR information misses: Data protection officer (DPO), Complaint to the CNIL"
    studies.save_consent(startup, study, "Text.", [{"key": "ok", "text": "OK", "required": True}], FULL)
    db.session.commit()
    assert next(c for c in checklist(study) if c.key == "consent_gdpr").ok


def test_the_editor_starts_from_the_template_prefilled_from_the_protocol(client, login, startup, make_study):
    study = make_study("draft")
    login(startup)
    values = editor_values(text(client.get(f"/studies/{study.id}/consent")))
    assert "Sommeil Santé SAS" in values["controller"]
    assert "dpo@sommeil.example" in values["dpo"]
    assert "Legitimate interests (art. 6(1)(f)) (GDPR art. 6)" in values["legal_basis"]
    assert "Scientific research (art. 9(2)(j))" in values["legal_basis"]
    assert "kept for 24 months after the end of the pilot" in values["retention"]
    assert "CNIL" in values["complaint"] and "art. 15 to 21" in values["rights"]


def test_the_template_s_retention_item_names_the_archive_and_what_follows(client, login, startup, make_study):
    """Defect: the template said the data are kept 24 months after the end of the pilot, where the purge runs at
    the end of the archive that follows (and a coordinator may postpone it)."""
    study = make_study("draft")
    study.retention_archive_months = 6
    db.session.commit()
    login(startup)
    values = editor_values(text(client.get(f"/studies/{study.id}/consent")))
    assert html.unescape(values["retention"]) == (
        "Your data are kept for 24 months after the end of the pilot, then 6 more months in an archive the pilot's "
        "team can no longer export; after that they are erased or anonymised as this form says, unless the living "
        "lab's coordinators postpone it, giving a reason."
    )


def test_the_template_is_in_french_for_a_french_editor(client, login, startup, make_study):
    study = make_study("draft")
    login(startup)
    client.post("/language", data={"lang": "fr", "next": "/"})
    values = editor_values(text(client.get(f"/studies/{study.id}/consent")))
    assert "Le responsable du traitement de vos données est Sommeil Santé SAS" in values["controller"]
    assert "conservées 24 mois après la fin du pilote" in values["retention"]
    assert "réclamation auprès de la CNIL" in values["complaint"]


def test_the_editor_saves_the_items_and_participants_read_them(client, login, startup, make_study):
    study = make_study("draft")
    login(startup)
    form = {"text": "About the pilot.", "clauses-0-text": "I agree.", "clauses-0-required": "y"}
    form.update({f"gdpr_{key}": value for key, value in FULL.items()})
    form["gdpr_rights"] = ""
    saved = client.post(f"/studies/{study.id}/consent", data=form)
    assert saved.status_code == 302
    consent = db.session.get(Study, study.id).current_consent
    assert consent.gdpr == {**FULL, "rights": ""}
    page = text(client.get(f"/studies/{study.id}"))
    assert "The consent&#39;s GDPR information misses: Your rights" in page
    preview = text(client.get(f"/studies/{study.id}/consent/preview"))
    assert "Your personal data" in preview and "The controller item." in preview and "Your rights" not in preview


def test_the_api_serves_the_items_and_the_hash_covers_them(client, api_headers, startup, make_study):
    study = make_study("draft")
    headers = api_headers(startup)
    url = f"/api/v1/studies/{study.id}/consent"
    clauses = [{"key": "ok", "text": "OK", "required": True}]
    put = client.put(url, json={"text": "T", "clauses": clauses, "gdpr": FULL}, headers=headers)
    assert put.status_code == 200 and put.get_json()["gdpr"] == FULL
    assert client.get(url, headers=headers).get_json()["gdpr"] == FULL
    study = db.session.get(Study, study.id)
    before = studies.registration_hash(study)
    assert studies.frozen_record(study)["consent"]["gdpr"] == FULL
    client.put(
        url, json={"text": "T", "clauses": clauses, "gdpr": {**FULL, "dpo": "dpo@other.example"}}, headers=headers
    )
    db.session.expire_all()
    assert studies.registration_hash(db.session.get(Study, study.id)) != before


def test_a_consent_without_the_items_keeps_its_hash_input(make_study):
    study = make_study("approved")
    assert "gdpr" not in studies.frozen_record(study)["consent"]  # the registrations made before stay valid


@pytest.mark.parametrize(
    "gdpr, status, field",
    [
        ("all of it", 400, "gdpr"),
        ([FULL], 400, "gdpr"),
        ({"dpo": 5}, 400, "gdpr.dpo"),
        ({"dpo": "x" * 5001}, 422, "gdpr.dpo"),
        ({"hacker": "x"}, 422, "gdpr.hacker"),
        ({"dpo": {"a": {"b": {"c": [1, 2, 3]}}}}, 400, "gdpr.dpo"),
    ],
)
def test_hostile_gdpr_items_are_refused_and_change_nothing(
    client, api_headers, startup, make_study, gdpr, status, field
):
    study = make_study("draft")
    response = client.put(
        f"/api/v1/studies/{study.id}/consent",
        json={"text": "T", "clauses": [{"key": "ok", "text": "OK"}], "gdpr": gdpr},
        headers=api_headers(startup),
    )
    assert response.status_code == status and field in response.get_json()["error"]["fields"]
    assert len(db.session.get(Study, study.id).consent_versions) == 1


def test_an_amendment_proposes_gdpr_items_and_its_approval_carries_them(
    client, api_headers, make_study, startup, coordinator, login
):
    study = make_study("recruiting")
    owner, staff = api_headers(startup), api_headers(coordinator)
    version = client.post(f"/api/v1/studies/{study.id}/amendments", json={"reason": "The DPO changed"}, headers=owner)
    base = f"/api/v1/studies/{study.id}/amendments/{version.get_json()['version']}"
    login(startup)
    page = text(client.get(base.replace("/api/v1", "") + "/consent"))
    assert 'name="gdpr_controller"' in page  # the amendment's consent editor holds the items too
    body = {"text": "New text.", "clauses": [{"key": "ok", "text": "OK", "required": True}], "gdpr": FULL}
    assert client.put(f"{base}/consent", json=body, headers=owner).status_code == 200
    bad = client.put(f"{base}/consent", json={**body, "gdpr": {"controller": ["nested"]}}, headers=owner)
    assert bad.status_code in (400, 422)
    assert client.post(f"{base}/submit", headers=owner).status_code == 200
    assert client.post(f"{base}/decision", json={"decision": "approve"}, headers=staff).status_code == 200
    db.session.expire_all()
    assert db.session.get(Study, study.id).current_consent.gdpr == FULL
