"""Synthetic participants in bulk, for tests and benchmarks only: rows inserted straight into the tables.

Not for anything a person will browse: `demo.populate` goes through the services (screening, consent
signature, randomisation, the audit trail). This skips all of that to build thousands of answering
participants in seconds: no accounts (`user_id` is null, as after an account erasure that kept the
answers), arms in rotation, every answer still checked by `surveys.answers.check_answers` so that
the rows stored are exactly those the services would store."""

import random
import secrets

from sqlalchemy import insert, select, update

from .demo import demo_answers
from .extensions import db
from .participants.models import Answer, Enrolment, EnrolmentStatus, Response, Screening, ScreeningOutcome
from .participants.services import new_participant_code
from .studies.models import Study
from .surveys.answers import check_answers

BENCH_FIXED_KEYS = 21  # the answer keys of bench_surveys besides its Likert questions


def bench_items(items: int = 40) -> list[dict]:
    """Survey items giving `items` answer keys (at least 21): every question type and instrument."""
    if items < BENCH_FIXED_KEYS:
        raise ValueError(f"at least {BENCH_FIXED_KEYS} answer keys")
    likert = [
        {"key": f"q{n:02d}", "text": f"Statement {n}: how much do you agree?", "type": "likert", "min": 1, "max": 7}
        for n in range(1, items - BENCH_FIXED_KEYS + 1)
    ]
    return [
        {
            "key": "sleep_hours",
            "text": "On average, how many hours did you sleep per night last week?",
            "type": "number",
            "min": 0,
            "max": 24,
            "unit": "h",
        },
        {"key": "who", "instrument": "who5"},
        {"key": "sus", "instrument": "sus"},
        *likert,
        {"key": "recommend", "text": "Would you recommend the app to a friend?", "type": "nps"},
        {"key": "keep", "text": "Would you keep using the app?", "type": "yes_no"},
        {
            "key": "diet",
            "text": "Which best describes your diet?",
            "type": "single_choice",
            "choices": ["Omnivore", "Flexitarian", "Vegetarian"],
        },
        {
            "key": "habits",
            "text": "Which habits do you have?",
            "type": "multiple_choice",
            "choices": ["Coffee after 4 pm", "Screens in bed", "Naps", "Sport in the evening"],
        },
        {"key": "comments", "text": "Anything else you would like to tell us?", "type": "text", "required": False},
    ]


def bench_surveys(items: int = 40, timepoints=("baseline", "follow_up")) -> list[dict]:
    """The same `items` answer keys at every timepoint, one survey each."""
    return [{"key": tp, "title": f"Survey at {tp}", "timepoint": tp, "items": bench_items(items)} for tp in timepoints]


COMMENTS = [
    "Very useful.",
    "Too many notifications.",
    "I would keep using it.",
    '=HYPERLINK("http://example.org","click")',
    "Très pratique, merci !",
    "-2 hours of screen time",
]


def answers_for(items: list[dict], rng: random.Random, lift: float) -> dict:
    """Plausible answers to every item, text questions included."""
    answers = demo_answers(items, rng, lift)
    for item in items:
        if item.get("type") == "text" and item["key"] not in answers:
            answers[item["key"]] = rng.choice(COMMENTS)
    return answers


def bulk_participants(study: Study, count: int, *, seed: int = 0, dropout: float = 0.0, lift: float = 1.0) -> list[str]:
    """Enrol `count` synthetic participants who answer the study's surveys in timepoint order (a share
    `dropout` stop after the first); returns their codes. Raises the enrolment cap if needed, and
    bumps the study's data version like any answer would. Flushes; the caller commits."""
    rng = random.Random(seed)
    surveys = sorted(study.surveys, key=lambda s: (study.timepoints.index(s.timepoint), s.id))
    start = db.session.scalar(select(Study.enrolled_count).where(Study.id == study.id)) or 0
    codes = _fresh_codes(count)
    enrolments = [
        {
            "study_id": study.id,
            "user_id": None,
            "participant_code": code,
            "position": start + n + 1,
            "arm": study.arms[(start + n) % len(study.arms)],
            "status": EnrolmentStatus.ACTIVE,
        }
        for n, code in enumerate(codes)
    ]
    ids = _insert(Enrolment, enrolments)

    responses, planned = [], []
    for enrolment_id, enrolment in zip(ids, enrolments, strict=True):
        lift_here = lift if enrolment["arm"] != study.arms[0] or len(study.arms) == 1 else 0.0
        for survey in surveys:
            later = survey.timepoint != study.timepoints[0]
            if later and rng.random() < dropout:
                break
            responses.append({"enrolment_id": enrolment_id, "survey_id": survey.id})
            planned.append((survey.items, answers_for(survey.items, rng, lift_here if later else 0.0)))
    response_ids = _insert(Response, responses)

    answers: list[dict] = []
    for response_id, (items, given) in zip(response_ids, planned, strict=True):
        rows, errors = check_answers(items, given)
        if errors:
            raise ValueError(f"synthetic answers refused: {errors}")
        answers.extend(
            {"response_id": response_id, "item_key": key, "number": number, "text": text}
            for key, (number, text) in rows.items()
        )
    for batch in range(0, len(answers), 50_000):
        db.session.execute(insert(Answer), answers[batch : batch + 50_000])

    db.session.execute(
        update(Study)
        .where(Study.id == study.id)
        .values(
            enrolled_count=Study.enrolled_count + count,
            data_version=Study.data_version + 1,
            target_enrolment=max(study.target_enrolment or 0, start + count),
        )
        .execution_options(synchronize_session=False)
    )
    _add_to_screening(study.id, count)
    db.session.flush()
    db.session.expire(study)
    return codes


def _fresh_codes(count: int) -> list[str]:
    codes: set[str] = set()
    while len(codes) < count:
        codes.add(new_participant_code())
    return sorted(codes)


def _insert(model, rows: list[dict]) -> list[int]:
    """Insert many rows at once; their new ids, in the order given."""
    if not rows:
        return []
    statement = insert(model).returning(model.id, sort_by_parameter_order=True)
    return list(db.session.scalars(statement, rows))


def _add_to_screening(study_id: int, count: int) -> None:
    """One screening row per bulk participant, enrolled, under a random (unlinkable) key."""
    db.session.execute(
        insert(Screening),
        [
            {
                "study_id": study_id,
                "screener_key": "bulk-" + secrets.token_hex(24),
                "outcome": ScreeningOutcome.ENROLLED,
                "reasons": "",
            }
            for _ in range(count)
        ],
    )
