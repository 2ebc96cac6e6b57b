"""Issue 15: the loader reads the driver's rows in batches straight into typed columns, and gives the frame
the previous loader gave (SQLAlchemy rows, then pandas), which is kept here as the reference."""

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import select

from livinglab.demo import food_protocol, food_surveys, seed, sleep_protocol
from livinglab.demo_bulk import bench_surveys, bulk_participants
from livinglab.extensions import db
from livinglab.participants.models import Answer, Enrolment, Response
from livinglab.results import cache, loading
from livinglab.results.loading import COLUMNS, load_answers
from livinglab.studies.models import Study
from livinglab.surveys.models import Survey


def previous_frame(study_id: int, items: list[str] | None = None) -> pd.DataFrame:
    """The loader before issue 15: one query with each answer's labels, SQLAlchemy rows, then the frame."""
    query = (
        select(Enrolment.participant_code, Enrolment.arm, Survey.timepoint, Answer.item_key, Answer.number, Answer.text)
        .select_from(Answer)
        .join(Response, Answer.response_id == Response.id)
        .join(Enrolment, Response.enrolment_id == Enrolment.id)
        .join(Survey, Response.survey_id == Survey.id)
        .where(Enrolment.study_id == study_id, Survey.repeat.is_(None))  # repeated reports: results/reports.py
    )
    if items is not None:
        query = query.where(Answer.item_key.in_(items))
    rows = db.session.connection().execute(query).all()
    columns = list(zip(*rows, strict=True)) if rows else [()] * len(COLUMNS)
    return pd.DataFrame(
        {
            **{name: pd.Categorical(values) for name, values in zip(COLUMNS[:4], columns[:4], strict=True)},
            "number": np.array(columns[4], dtype=float),
            "text": pd.array(columns[5], dtype="str"),
        }
    )


def assert_same_frame(loaded: pd.DataFrame, expected: pd.DataFrame) -> None:
    """Same values in the same order, same dtypes, same categories, same integer type of their codes."""
    pd.testing.assert_frame_equal(loaded, expected, check_exact=True, check_categorical=True)
    for column in COLUMNS[:4]:
        assert loaded[column].cat.codes.dtype == expected[column].cat.codes.dtype, column


@pytest.fixture
def generated(make_study):
    """A parallel-group pilot of 300 participants (a tenth without a follow-up), and a pre/post one of 120
    answering every question type (numbers, instruments, choices, multiple choices, yes/no, free text)."""
    parallel = make_study("recruiting", protocol=food_protocol(), survey_defs=food_surveys())
    bulk_participants(parallel, 300, seed=3, dropout=0.1, lift=0.5)
    every_type = make_study("recruiting", protocol=sleep_protocol(target_enrolment=120), survey_defs=bench_surveys(24))
    bulk_participants(every_type, 120, seed=4)
    db.session.commit()
    return parallel.id, every_type.id


def test_the_loader_gives_the_previous_frame_on_every_demo_pilot(app):
    assert seed()
    db.session.commit()
    studies = list(db.session.scalars(select(Study)))
    with_answers = 0
    for study in studies:
        frame = load_answers(db.session.connection(), study.id)
        assert_same_frame(frame, previous_frame(study.id))
        with_answers += len(frame) > 0
    assert with_answers >= 3, "several demo pilots have answers to compare"


@pytest.mark.parametrize("batch", [loading.BATCH, 7])
def test_the_loader_gives_the_previous_frame_on_generated_pilots(generated, batch, monkeypatch):
    # 7 rows a batch: labels first seen in later batches, batches ending inside a response
    monkeypatch.setattr(loading, "BATCH", batch)
    for study_id in generated:
        frame = load_answers(db.session.connection(), study_id)
        assert_same_frame(frame, previous_frame(study_id))
        assert frame["text"].notna().sum() > 0 and frame["number"].notna().sum() > 0


def test_the_loader_reads_only_the_answer_keys_asked_for(generated):
    _parallel, study_id = generated
    items = ["sleep_hours", "sus_1", "habits", "not_a_key"]
    frame = load_answers(db.session.connection(), study_id, items)
    assert_same_frame(frame, previous_frame(study_id, items))
    assert list(frame["item"].cat.categories) == ["habits", "sleep_hours", "sus_1"]
    assert len(frame) == 3 * 120 * 2


def test_a_study_without_answers_loads_as_the_same_empty_frame(make_study):
    study = make_study("recruiting", protocol=sleep_protocol(), survey_defs=bench_surveys(21))
    frame = load_answers(db.session.connection(), study.id)
    assert len(frame) == 0 and list(frame.columns) == COLUMNS
    assert_same_frame(frame, previous_frame(study.id))


def test_answers_whose_response_is_gone_by_the_second_query_are_left_out(generated, monkeypatch):
    # Outside a snapshot, a response erased between the two queries: its answers are not counted, and
    # its participant disappears from the categories if that was their only response
    study_id, _every_type = generated
    enrolment = db.session.scalars(
        select(Enrolment).where(Enrolment.study_id == study_id).order_by(Enrolment.id)
    ).first()
    gone = set(db.session.scalars(select(Response.id).where(Response.enrolment_id == enrolment.id)))
    code = enrolment.participant_code
    respondents = loading.respondents_query
    monkeypatch.setattr(loading, "respondents_query", lambda sid: respondents(sid).where(Response.id.not_in(gone)))
    frame = load_answers(db.session.connection(), study_id)
    expected = previous_frame(study_id)
    expected = expected[expected["participant_code"] != code].reset_index(drop=True)
    expected["participant_code"] = expected["participant_code"].cat.remove_unused_categories()
    assert len(frame) < len(previous_frame(study_id))
    assert_same_frame(frame, expected)


def test_the_loader_runs_two_statements_whatever_the_number_of_answers(make_study, count_queries):
    study_id = make_study("recruiting", protocol=sleep_protocol(), survey_defs=bench_surveys(21)).id
    statements = []
    for count in (5, 200):
        bulk_participants(db.session.get(Study, study_id), count, seed=count)
        db.session.commit()
        connection = db.session.connection()  # the transaction begun outside the count
        with count_queries() as counted:
            frame = load_answers(connection, study_id)
        statements.append(len(counted))
        assert len(frame) == db.session.scalar(select(Study.enrolled_count).where(Study.id == study_id)) * 2 * 21
    assert statements == [2, 2]


def test_results_from_the_loader_equal_those_from_the_previous_loader(generated, monkeypatch):
    for study_id in generated:
        study = db.session.get(Study, study_id)
        now = cache.compute(study)
        monkeypatch.setattr(
            loading, "load_answers", lambda _connection, sid, **_: previous_frame(sid)
        )  # read by compute
        before = cache.compute(study)
        monkeypatch.undo()
        assert now == before
        assert now["primary_outcome"]["n"] > 0
