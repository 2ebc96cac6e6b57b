"""The record of processing activities (GDPR art. 30) of a pilot, generated from its protocol: a page and a
CSV for the coordinators and the owner organisation (the controller's record)."""

import csv
import io

from livinglab.demo import sleep_protocol
from livinglab.extensions import db

EXPECTED = {  # the sleep pilot's protocol (livinglab/demo.py), as the record must say it
    "processing": "Pilot “Sleep coaching app for shift workers” (protocol version 1)",
    "controller": "Sommeil Santé SAS (sponsor), for the organisation Sommeil+",
    "dpo": "dpo@sommeil.example",
    "legal_basis": "Art. 6: Legitimate interests (art. 6(1)(f)). Art. 9: Scientific research (art. 9(2)(j)).",
    "data_subjects": "Volunteers taking part in the pilot, aged 18 to 65, who meet its criteria: Works night or "
    "rotating shifts; Lives in Nantes Métropole",
    "health_data": "Yes: Scientific research (art. 9(2)(j))",
    "transfers": "None declared: the data are hosted by LivingLab, on an HDS-certified host in France.",
    "retention": "24 months after the end of the pilot; then erased or anonymised as the consent says",
    "hosting": "LivingLab, on an HDS-certified host in France; HDS certified: yes",
    "dpia": "Carried out: DPIA-SOM-2026-03, 2026-09-01",
}


def text(response) -> str:
    return response.get_data(as_text=True)


def record_csv(response) -> dict:
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert 'filename="processing-record-' in response.headers["Content-Disposition"]
    reader = csv.DictReader(io.StringIO(text(response)))
    assert reader.fieldnames == ["item", "label", "value"]
    return {row["item"]: row["value"] for row in reader}


def test_the_coordinator_reads_the_record_and_downloads_it(client, login, coordinator, make_study):
    study = make_study("recruiting")
    login(coordinator)
    page = text(client.get(f"/studies/{study.id}/processing-record"))
    assert "Record of processing (GDPR art. 30)" in page
    for value in ("dpo@sommeil.example", "24 months after the end of the pilot", "Carried out: DPIA-SOM-2026-03"):
        assert value in page
    values = record_csv(client.get(f"/studies/{study.id}/processing-record.csv"))
    for key, value in EXPECTED.items():
        assert values[key] == value, key
    assert "hosting certified for health data (HDS)" in values["security"]
    assert "information with a right to object" in values["regulatory_frame"]
    assert "MR-003" in values["regulatory_frame"]
    assert "Self-reported sleep hours" in values["data_categories"]


def test_the_owner_organisation_reads_its_record_from_the_study_page(client, login, startup, make_study):
    study = make_study("draft")
    login(startup)
    assert f'href="/studies/{study.id}/processing-record"' in text(client.get(f"/studies/{study.id}"))
    assert client.get(f"/studies/{study.id}/processing-record").status_code == 200


def test_another_organisation_and_participants_do_not(client, login, other_startup, participant, make_study):
    study = make_study("recruiting")
    login(other_startup)
    assert client.get(f"/studies/{study.id}/processing-record.csv").status_code == 404
    client.post("/account/signout")
    login(participant)
    assert client.get(f"/studies/{study.id}/processing-record").status_code == 404


def test_what_the_protocol_does_not_say_is_named_and_no_dpia_says_why(client, login, coordinator, make_study):
    study = make_study(
        "draft",
        protocol=sleep_protocol(
            dpia_done=False,
            dpia_reference="",
            dpia_date=None,
            dpia_not_required="Low risk, no health data.",
            health_data_exception="no_health_data",
            hds_certified=False,
            dpo_contact="",
        ),
    )
    login(coordinator)
    values = record_csv(client.get(f"/studies/{study.id}/processing-record.csv"))
    assert values["dpia"] == "Not carried out: Low risk, no health data."
    assert values["health_data"] == "No" and values["dpo"] == "Not given in the protocol"
    assert "hosting not certified for health data (HDS)" in values["security"]


def test_csv_cells_cannot_start_a_formula(client, login, coordinator, make_study):
    study = make_study("draft", protocol=sleep_protocol(sponsor='=HYPERLINK("http://evil")', dpo_contact="@SUM(1+1)"))
    login(coordinator)
    values = record_csv(client.get(f"/studies/{study.id}/processing-record.csv"))
    assert values["dpo"] == "'@SUM(1+1)"
    assert values["controller"].startswith("'=HYPERLINK")


def test_the_record_costs_the_same_queries_however_many_take_part(
    client, login, coordinator, make_study, take_part, count_queries
):
    study = make_study("recruiting")
    login(coordinator)
    db.session.expire_all()
    with count_queries() as few:
        client.get(f"/studies/{study.id}/processing-record.csv")
    for _n in range(4):
        take_part(study, {})
    db.session.expire_all()
    with count_queries() as many:
        client.get(f"/studies/{study.id}/processing-record.csv")
    assert len(many) == len(few)


def test_the_retention_entry_names_the_archive_and_a_postponement(client, login, coordinator, make_study):
    """Defect: the record said "24 months after the end of the pilot" where the purge runs after the archive too,
    and later when a coordinator postponed it."""
    from datetime import UTC, datetime

    study = make_study("recruiting")
    study.retention_archive_months = 6
    study.purge_postponed_to = datetime(2029, 3, 1, tzinfo=UTC)
    db.session.commit()
    login(coordinator)
    values = record_csv(client.get(f"/studies/{study.id}/processing-record.csv"))
    assert values["retention"] == (
        "24 months after the end of the pilot, then 6 months archived (no participant-level export); then erased "
        "or anonymised as the consent says; postponed by a coordinator to 2029-03-01"
    )
