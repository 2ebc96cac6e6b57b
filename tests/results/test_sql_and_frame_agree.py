"""Issue 15, item 3: the results' counts, whether the app takes them from a grouped SQL query or from the
answers' frame, equal what the database says. Every expectation here is a query written in this file
against the tables (no function of the app computes it), run on the demo pilots and on a generated pilot
with withdrawals, erasures, skipped questions, an empty survey and closed windows (README, "Analysis
benchmark": "Which figure comes from where")."""

import random
from datetime import timedelta

from sqlalchemy import and_, delete, distinct, func, literal, or_, select, update

from livinglab.auth.models import User
from livinglab.demo import food_protocol, food_surveys, populate, seed, sleep_protocol
from livinglab.demo_bulk import bench_surveys, bulk_participants
from livinglab.extensions import db
from livinglab.participants.models import Answer, Enrolment, Response, Screening
from livinglab.studies.models import Study
from livinglab.studies.workflow import results_available
from livinglab.surveys.models import Survey
from livinglab.timeutil import aware, utcnow

API = "/api/v1"
WINDOW = 14  # days a timepoint stays open when the protocol gives no closing day (the protocol's rule)
COUNTED = {"number", "likert", "nps", "yes_no", "single_choice", "multiple_choice"}  # n = answers present

E, R, A, S = Enrolment.__table__.c, Response.__table__.c, Answer.__table__.c, Survey.__table__.c


def grouped(query) -> dict:
    """{(arm, timepoint): n} from rows (arm, timepoint, n)."""
    return {(arm, tp): n for arm, tp, n in db.session.execute(query)}


def answered_at(study_id: int, *columns, present=None):
    """Answers of the study with their participant's enrolment, arm and the survey's timepoint."""
    present = present if present is not None else or_(A.number.is_not(None), A.text.is_not(None))
    return (
        select(*columns)
        .select_from(Answer.__table__.join(Response.__table__, A.response_id == R.id))
        .join(Enrolment.__table__, R.enrolment_id == E.id)
        .join(Survey.__table__, R.survey_id == S.id)
        .where(E.study_id == study_id, present)
    )


def expected_flow(study: Study) -> dict:
    """The flow's counts, each from its own query on the tables."""
    sid, arms, timepoints = study.id, list(study.arms), list(study.timepoints)
    screened = db.session.execute(
        select(
            func.count(),
            func.count().filter(Screening.outcome != "not_eligible"),
            func.count().filter(Screening.outcome == "declined_consent"),
            func.count().filter(Screening.outcome == "turned_away_full"),
        ).where(Screening.study_id == sid)
    ).one()
    allocated = dict(db.session.execute(select(E.arm, func.count()).where(E.study_id == sid).group_by(E.arm)).all())
    withdrawn, erased = db.session.execute(
        select(
            func.count().filter(E.status == "withdrawn"),
            func.count().filter(and_(E.status == "withdrawn", E.data_erased.is_(True))),
        ).where(E.study_id == sid)
    ).one()
    # completed: participants with an answer (a number or a text) at the timepoint
    completed = grouped(answered_at(sid, E.arm, S.timepoint, func.count(distinct(E.id))).group_by(E.arm, S.timepoint))
    overall = dict(
        db.session.execute(answered_at(sid, S.timepoint, func.count(distinct(E.id))).group_by(S.timepoint)).all()
    )
    not_answered, missed = {}, {}
    end = min(utcnow(), aware(study.ended_at)) if study.ended_at else utcnow()
    for tp in timepoints:
        answer = (
            select(A.id)
            .select_from(Answer.__table__.join(Response.__table__, A.response_id == R.id))
            .join(Survey.__table__, R.survey_id == S.id)
            .where(R.enrolment_id == E.id, S.timepoint == tp, or_(A.number.is_not(None), A.text.is_not(None)))
        )
        not_answered.update(
            grouped(
                select(E.arm, literal(tp), func.count())
                .where(E.study_id == sid, E.data_erased.is_(False), ~answer.exists())
                .group_by(E.arm)
            )
        )
        closes = (study.timepoint_closes or {}).get(tp)
        closes = int(closes) if closes is not None else int((study.timepoint_delays or {}).get(tp) or 0) + WINDOW
        response = (
            select(R.id)
            .select_from(Response.__table__.join(Survey.__table__, R.survey_id == S.id))
            .where(R.enrolment_id == E.id, S.timepoint == tp)
        )
        missed.update(
            grouped(
                select(E.arm, literal(tp), func.count())
                .where(
                    E.study_id == sid,
                    E.status == "active",
                    E.data_erased.is_(False),
                    E.enrolled_at <= end - timedelta(days=closes),
                    ~response.exists(),
                )
                .group_by(E.arm)
            )
        )

    def per_arm(counts):
        return {arm: {tp: counts.get((arm, tp), 0) for tp in timepoints} for arm in arms}

    return {
        "screened": screened[0],
        "eligible": screened[1],
        "declined_consent": screened[2],
        "turned_away_full": screened[3],
        "enrolled": sum(allocated.values()),
        "allocated": {arm: allocated.get(arm, 0) for arm in arms},
        "withdrawn": withdrawn,
        "withdrawn_erased": erased,
        "completed": {tp: overall.get(tp, 0) for tp in timepoints},
        "completed_by_arm": per_arm(completed),
        "not_answered": {tp: sum(not_answered.get((arm, tp), 0) for arm in arms) for tp in timepoints},
        "not_answered_by_arm": per_arm(not_answered),
        "missed": {tp: sum(missed.get((arm, tp), 0) for arm in arms) for tp in timepoints},
        "missed_by_arm": per_arm(missed),
    }


def expected_n(study_id: int, key: str, kind: str) -> tuple[dict, dict]:
    """Participants who answered this question, per timepoint and per (arm, timepoint)."""
    present = A.number.is_not(None) if kind in ("number", "likert", "nps", "yes_no") else A.text.is_not(None)
    present = and_(A.item_key == key, present)
    by_tp = dict(
        db.session.execute(
            answered_at(study_id, S.timepoint, func.count(distinct(E.id)), present=present).group_by(S.timepoint)
        ).all()
    )
    by_arm = grouped(
        answered_at(study_id, E.arm, S.timepoint, func.count(distinct(E.id)), present=present).group_by(
            E.arm, S.timepoint
        )
    )
    return by_tp, by_arm


def check(client, headers, study: Study) -> int:
    """The API's figures against the tables; returns how many questions' n were compared."""
    response = client.get(f"{API}/studies/{study.id}/results", headers=headers)
    assert response.status_code == 200, response.get_json()
    results = response.get_json()
    flow = results["flow"]
    for name, value in expected_flow(study).items():
        assert flow[name] == value, (study.title, name)
    compared = 0
    for key, variable in results["variables"].items():
        if variable["type"] not in COUNTED or variable.get("cronbach_alpha"):
            continue
        by_tp, by_arm = expected_n(study.id, key, variable["type"])
        for tp in variable["timepoints"]:
            assert variable["by_timepoint"][tp]["n"] == by_tp.get(tp, 0), (study.title, key, tp)
            for arm in study.arms:
                assert variable["by_arm"][arm][tp]["n"] == by_arm.get((arm, tp), 0), (study.title, key, arm, tp)
        compared += 1
    return compared


def test_the_demo_pilots_figures_equal_the_tables(client, api_headers):
    assert seed()
    db.session.commit()
    coordinator = db.session.scalars(select(User).where(User.role == "coordinator").order_by(User.id)).first()
    headers = api_headers(coordinator)
    checked = [study for study in db.session.scalars(select(Study).order_by(Study.id)) if results_available(study)]
    compared = sum(check(client, headers, study) for study in checked)
    withdrawals = db.session.scalar(select(func.count()).where(E.status == "withdrawn"))
    erasures = db.session.scalar(select(func.count()).where(E.data_erased.is_(True)))
    assert len(checked) >= 3 and compared >= 10 and withdrawals and erasures


def test_a_generated_pilot_with_withdrawals_erasures_and_missing_answers(make_study, startup, client, api_headers):
    """Two arms: demo citizens through the services (8 % withdraw, half of them erasing their answers), bulk
    participants of whom a fifth stop after the baseline, then skipped answers, an empty survey, and a
    quarter enrolled 60 days ago (their follow-up window closed: missed if they never answered it)."""
    study = make_study("recruiting", protocol=food_protocol(target_enrolment=400), survey_defs=food_surveys())
    populate(study, 60, seed=11)
    bulk_participants(study, 240, seed=12, dropout=0.2, lift=0.4)
    rng = random.Random(13)
    answer_ids = list(db.session.scalars(select(A.id).order_by(A.id)))
    db.session.execute(delete(Answer).where(A.id.in_(rng.sample(answer_ids, len(answer_ids) // 7))))
    active = list(db.session.scalars(select(E.id).where(E.study_id == study.id, E.status == "active").order_by(E.id)))
    long_ago = rng.sample(active, len(active) // 4)
    db.session.execute(update(Enrolment).where(E.id.in_(long_ago)).values(enrolled_at=utcnow() - timedelta(days=60)))
    follow_up = next(s for s in study.surveys if s.timepoint == study.timepoints[-1])
    without = db.session.scalar(  # one who never came back for the follow-up
        select(E.id)
        .where(
            E.study_id == study.id,
            E.status == "active",
            ~select(R.id).where(R.enrolment_id == E.id, R.survey_id == follow_up.id).exists(),
        )
        .order_by(E.id)
        .limit(1)
    )
    db.session.add(Response(enrolment_id=without, survey_id=follow_up.id))  # submitted with every question skipped
    db.session.execute(update(Study).where(Study.id == study.id).values(data_version=Study.data_version + 1))
    db.session.commit()
    db.session.expire_all()
    flow = expected_flow(study)
    assert flow["withdrawn"] and flow["withdrawn_erased"] and flow["missed"][study.timepoints[-1]]
    assert check(client, api_headers(startup), study) >= 3


def test_a_single_group_pilot_of_every_question_type(make_study, startup, client, api_headers):
    study = make_study("recruiting", protocol=sleep_protocol(target_enrolment=150), survey_defs=bench_surveys(24))
    bulk_participants(study, 150, seed=21, dropout=0.3)
    rng = random.Random(22)
    answer_ids = list(db.session.scalars(select(A.id).order_by(A.id)))
    db.session.execute(delete(Answer).where(A.id.in_(rng.sample(answer_ids, len(answer_ids) // 10))))
    db.session.commit()
    db.session.expire_all()
    assert check(client, api_headers(startup), study) >= 5
