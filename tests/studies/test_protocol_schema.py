"""One declaration per protocol field (studies/protocol.py): the form, the API's validation and its OpenAPI
description, the checklist, the registration hash input and the pages all follow it. The study's
`sponsor`, added as one line of declaration (and a migration), proves it end to end."""

import html
import re

import pytest

from livinglab.api.openapi import spec as build_spec
from livinglab.demo import sleep_protocol
from livinglab.extensions import db
from livinglab.schema import validate
from livinglab.studies import services
from livinglab.studies.checklist import missing
from livinglab.studies.forms import ProtocolForm
from livinglab.studies.models import Study
from livinglab.studies.protocol import FIELDS, PROTOCOL, PUBLIC_FIELDS, StudyChanges
from tests.studies.test_study_pages import protocol_form

API = "/api/v1"
SPONSOR = "Sommeil Santé SAS"


@pytest.fixture
def api(client, api_headers):
    def call(method, path, user=None, **kwargs):
        return client.open(API + path, method=method, headers=api_headers(user), **kwargs)

    return call


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def reload(study_id: int) -> Study:
    db.session.rollback()
    return db.session.get(Study, study_id)


# The declarations themselves


def test_every_field_is_declared_once_with_a_label_in_both_languages(app):
    assert len(FIELDS) == len(PROTOCOL)
    with app.test_request_context(headers={"Accept-Language": "fr"}):
        assert str(FIELDS["sponsor"].label) == "Promoteur"
        assert str(FIELDS["data_collected"].label) == "Données collectées et finalités"
    with app.test_request_context():
        assert all(str(field.label) for field in PROTOCOL)


def test_every_simple_field_has_an_input_in_the_editor_and_a_row_on_the_protocol_page(
    client, login, startup, make_study
):
    study = make_study("draft")
    login(startup)
    editor = text(client.get(f"/studies/{study.id}/edit"))
    page = text(client.get(f"/studies/{study.id}"))
    for field in PROTOCOL:
        if field.simple:
            assert f'name="{field.name}"' in editor, field.name
            if field.name != "title":  # the page's heading
                assert f"<dt>{field.label}</dt>" in page, field.name


def test_every_declared_field_is_in_the_api_bodies_and_answers(spec):
    schemas = spec["components"]["schemas"]
    for name in ("NewStudy", "StudyChanges", "Study"):
        assert set(FIELDS) <= set(schemas[name]["properties"]), name
    assert set(PUBLIC_FIELDS) <= set(schemas["PublicStudy"]["properties"])


@pytest.fixture(scope="module")
def spec():
    return build_spec()


# The sponsor, from its one line


def test_the_sponsor_is_in_the_form(client, login, startup, make_study):
    study = make_study("draft")
    assert isinstance(ProtocolForm.sponsor.kwargs, dict)  # a field of the form class, from the declaration
    login(startup)
    page = text(client.get(f"/studies/{study.id}/edit"))
    assert re.search(rf'<input[^>]*id="sponsor"[^>]*value="{SPONSOR}"', page)
    assert "Who is legally responsible for the research; required for RIPH." in page
    assert (
        client.post(f"/studies/{study.id}/edit", data=protocol_form(sponsor="Université de Nantes")).status_code == 302
    )
    assert reload(study.id).sponsor == "Université de Nantes"


def test_the_sponsor_is_read_and_written_over_the_api(api, startup):
    created = api("POST", "/studies", startup, json={**sleep_protocol(), "sponsor": "  Sommeil Santé  "})
    assert created.status_code == 201
    study = created.get_json()
    assert study["sponsor"] == "Sommeil Santé"
    changed = api("PATCH", f"/studies/{study['id']}", startup, json={"sponsor": "CHU de Nantes"})
    assert changed.status_code == 200 and changed.get_json()["sponsor"] == "CHU de Nantes"
    assert api("GET", f"/studies/{study['id']}", startup).get_json()["sponsor"] == "CHU de Nantes"
    # sent back with the rest of the study object, unchanged: accepted
    assert api("PATCH", f"/studies/{study['id']}", startup, json=changed.get_json()).status_code == 200


@pytest.mark.parametrize(
    "value, status, message",
    [
        (42, 400, "Must be text."),
        (["CHU"], 400, "Must be text."),
        ("CHU\nde Nantes", 422, "Must fit on one line."),
        ("x" * 201, 422, "At most 200 characters."),
    ],
)
def test_a_bad_sponsor_is_refused_with_the_api_error_contract(api, startup, make_study, value, status, message):
    study = make_study("draft")
    response = api("PATCH", f"/studies/{study.id}", startup, json={"sponsor": value, "summary": "Kept?"})
    assert response.status_code == status
    assert response.get_json()["error"]["fields"] == {"sponsor": message}
    assert reload(study.id).summary != "Kept?"  # nothing half-saved


def test_the_sponsor_is_described_in_openapi_from_its_declaration(spec):
    schemas = spec["components"]["schemas"]
    for name in ("NewStudy", "StudyChanges", "Study", "PublicStudy"):
        described = schemas[name]["properties"]["sponsor"]
        assert (described["type"], described["maxLength"]) == ("string", 200), name
    assert "sponsor" in schemas["Study"]["required"] and "sponsor" in schemas["PublicStudy"]["required"]


def test_the_sponsor_is_needed_to_submit_research_involving_the_human_person(api, startup, make_study):
    study = make_study("draft")
    study.sponsor = ""
    db.session.commit()
    assert "sponsor" in missing(study)  # the demo protocol is RIPH 3
    response = api("POST", f"/studies/{study.id}/submit", startup)
    assert response.status_code == 422
    assert response.get_json()["error"]["code"] == "incomplete"
    assert "sponsor" in response.get_json()["error"]["fields"]
    services.update_study(startup, study, {"research_category": "not_riph", "cnil_framework": "mr004"})
    assert "sponsor" not in missing(study)


def test_the_sponsor_enters_the_registration_hash(make_study):
    study = make_study("draft")
    assert services.frozen_record(study)["protocol"]["sponsor"] == SPONSOR
    before = services.registration_hash(study)
    study.sponsor = "Another sponsor"
    assert services.registration_hash(study) != before


def test_the_sponsor_is_on_the_protocol_page_and_the_public_pages(client, api, login, startup, make_study):
    study = make_study("recruiting")
    assert f"<dt>Sponsor</dt><dd>{SPONSOR}</dd>" in text(client.get(f"/pilots/{study.id}"))  # anyone
    login(startup)
    assert f"<dt>Sponsor</dt><dd>{SPONSOR}</dd>" in text(client.get(f"/studies/{study.id}"))
    catalogue = api("GET", "/catalogue").get_json()["items"]
    assert [entry["sponsor"] for entry in catalogue if entry["id"] == study.id] == [SPONSOR]


# The error contract, mapped from pydantic in one place


def test_pydantic_errors_become_the_app_messages_and_statuses(app):
    with app.test_request_context():
        clean, errors = validate(StudyChanges, {"title": "", "alpha": "0.05", "dpia_done": True})
        assert clean == {}
        assert {name: (err.message, err.status) for name, err in errors.items()} == {
            "title": ("This field is required.", 422),
            "alpha": ("Must be a number.", 400),
        }
        clean, errors = validate(StudyChanges, {"title": " T ", "dpia_done": True})
        assert (clean, errors) == ({"title": "T", "dpia_done": True}, {})
