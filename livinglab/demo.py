"""Demo data: a coordinator, two startups and studies in every state, built through the services.

The nine demo pilots (`demo_pilots.PILOTS`) are each coherent from title to questions; the recruiting
and the closed one have participants whose answers follow a model of how people answer (see there)."""

import random
from datetime import timedelta
from typing import Any

from sqlalchemy import delete, func, select

from . import demo_languages
from .auth.models import User
from .auth.services import create_user
from .extensions import db
from .studies import services as studies
from .studies.models import Study
from .surveys import services as surveys
from .timeutil import days as calendar_days
from .timeutil import utcnow

PASSWORD = "livinglab-demo"
ACCOUNTS = [
    ("coordinator@livinglab.example", "Claire Coordinatrice", "coordinator", None),
    ("founder@sommeil.example", "Sam Sommeil", "startup", "Sommeil+"),
    ("founder@nourrir.example", "Nora Nourrir", "startup", "Nourrir Foodtech"),
    ("citizen@livinglab.example", "Camille Citoyenne", "participant", None),
]


def sleep_protocol(**overrides) -> dict:
    """A complete single-group pre/post e-health protocol."""
    data = {
        "title": "Sleep coaching app for shift workers",
        "domain": "e-health",
        "summary": "A smartphone coaching programme that helps shift workers sleep longer and better.",
        "objectives": "Measure whether four weeks of app coaching increases self-reported sleep duration.",
        "design": "single_group_pre_post",
        "arms": ["intervention"],
        "timepoints": ["baseline", "follow_up"],
        "target_enrolment": 40,
        "eligibility": {
            "min_age": 18,
            "max_age": 65,
            "criteria": ["Works night or rotating shifts", "Lives in Nantes Métropole"],
        },
        "primary_outcome": {"variable": "sleep_hours", "hypothesis": "increase"},
        "primary_analysis": "ancova",
        "secondary_adjustment": "holm",
        "alpha": 0.05,
        "intervention": "Daily coaching messages and a sleep diary in the Sommeil+ app, for four weeks.",
        "risks": "Minimal: possible tiredness while adjusting routines. Participants may stop at any time.",
        "data_collected": "Self-reported sleep hours and usability scores, to measure the outcome; no location.",
        "duration": "Four weeks, two short online surveys.",
        "location": "At home, online.",
        "compensation": "A 20 € voucher after the follow-up survey.",
        "qualification": {
            "purpose": "health_knowledge",
            "existing_data_only": False,
            "device_outside_ce": False,
            "beyond_usual_practice": False,
            "minimal_risk": None,
            "product_questionnaire": False,
        },
        "research_category": "riph3",
        "cnil_framework": "mr003",
        "ethics_opinion": "CPP Ouest IV 2026-123",
        "cpp_name": "CPP Ouest IV",
        "cpp_date": "2026-09-14",
        "cpp_decision": "favourable",
        "id_rcb": "2026-A01123-45",
        "ansm_reference": "CPP opinion and summary sent to the ANSM on 2026-09-14",
        "principal_investigator": "Dr Hélène Morvan, sleep physician",
        "medical_device": "none",
        "sponsor": "Sommeil Santé SAS",
        "legal_basis": "legitimate_interests",
        "health_data_exception": "scientific_research",
        "dpo_contact": "dpo@sommeil.example",
        "data_host": "LivingLab, on an HDS-certified host in France",
        "hds_certified": True,
        "dpia_reference": "DPIA-SOM-2026-03",
        "dpia_date": "2026-09-01",
        "dpia_done": True,
        "retention_months": 24,
    }
    data.update(overrides)
    return data


def food_protocol(**overrides) -> dict:
    """A complete two-arm foodtech protocol."""
    data = {
        "title": "Plant-based school lunches and satisfaction",
        "domain": "foodtech",
        "summary": "Families taste a new plant-based lunch range; we compare satisfaction with the usual menu.",
        "objectives": "Compare satisfaction between the usual menu and the new plant-based range.",
        "design": "parallel_groups",
        "arms": ["usual_menu", "plant_based"],
        "timepoints": ["baseline", "week_4"],
        "target_enrolment": 60,
        "eligibility": {"min_age": 18, "max_age": None, "criteria": ["Has a child eating at a school canteen"]},
        "primary_outcome": {"variable": "satisfaction", "hypothesis": "increase"},
        "primary_analysis": "ancova",
        "secondary_adjustment": "holm",
        "intervention": "Four weeks of plant-based lunches delivered by Nourrir Foodtech.",
        "risks": "Food allergies: every dish lists its allergens; families with allergies are excluded.",
        "data_collected": "Satisfaction ratings and recommendation scores; no health data beyond allergies.",
        "duration": "Four weeks.",
        "location": "Nantes school canteens and at home.",
        "compensation": "Nothing.",
        "qualification": {
            "purpose": "satisfaction",
            "existing_data_only": None,
            "device_outside_ce": False,
            "beyond_usual_practice": None,
            "minimal_risk": None,
            "product_questionnaire": None,
        },
        "research_category": "outside_jarde",
        "cnil_framework": "none",
        "legal_basis": "legitimate_interests",
        "health_data_exception": "no_health_data",
        "dpo_contact": "dpo@nourrir.example",
        "data_host": "LivingLab, on an HDS-certified host in France",
        "hds_certified": True,
        "dpia_done": False,
        "dpia_not_required": "Opinions of lunches from adult volunteers, no health data: not on the CNIL's list.",
        "retention_months": 12,
    }
    data.update(overrides)
    return data


CONSENT_TEXT = (
    "You are invited to take part in a pilot. Taking part is voluntary; you may withdraw at "
    "any time without giving a reason, and choose whether your answers are kept or erased."
)
CONSENT_CLAUSES = [
    {"key": "understood", "text": "I have read and understood the information about this pilot.", "required": True},
    {
        "key": "data_use",
        "text": "I agree that my answers are used, under a pseudonym, for this pilot.",
        "required": True,
    },
    {"key": "recontact", "text": "I agree to be contacted about future pilots.", "required": False},
]


def sleep_surveys() -> list[dict]:
    sleep = {
        "key": "sleep_hours",
        "text": "On average, how many hours did you sleep per night last week?",
        "type": "number",
        "min": 0,
        "max": 24,
        "unit": "h",
    }
    return [
        {
            "key": "baseline",
            "title": "Before the coaching",
            "timepoint": "baseline",
            "items": [sleep, {"key": "who", "instrument": "who5"}],
        },
        {
            "key": "follow_up",
            "title": "After four weeks",
            "timepoint": "follow_up",
            "items": [
                sleep,
                {"key": "who", "instrument": "who5"},
                {"key": "sus", "instrument": "sus"},
                {
                    "key": "comments",
                    "text": "Anything else you would like to tell us?",
                    "type": "text",
                    "required": False,
                },
            ],
        },
    ]


def food_surveys() -> list[dict]:
    satisfaction = {
        "key": "satisfaction",
        "text": "How satisfied is your family with school lunches?",
        "type": "likert",
        "min": 1,
        "max": 7,
    }
    return [
        {
            "key": "baseline",
            "title": "Before the tasting",
            "timepoint": "baseline",
            "items": [
                satisfaction,
                {
                    "key": "diet",
                    "text": "Which best describes your family's diet?",
                    "type": "single_choice",
                    "choices": ["Omnivore", "Flexitarian", "Vegetarian"],
                },
            ],
        },
        {
            "key": "week_4",
            "title": "After four weeks",
            "timepoint": "week_4",
            "items": [
                satisfaction,
                {"key": "recommend", "text": "Would you recommend these lunches to a friend?", "type": "nps"},
                {"key": "keep", "text": "Should the canteen keep the new range?", "type": "yes_no"},
            ],
        },
    ]


# The moves that bring a new draft to each state.
PATHS = {
    "draft": [],
    "submitted": ["submit"],
    "changes_requested": ["submit", "request_changes"],
    "rejected": ["submit", "reject"],
    "approved": ["submit", "approve"],
    "recruiting": ["submit", "approve", "open"],
    "paused": ["submit", "approve", "open", "pause"],
    "closed": ["submit", "approve", "open", "close"],
    "ended": ["submit", "approve", "open", "close", "end"],
}


def build_study(
    owner: User,
    coordinator: User,
    status: str = "draft",
    protocol: dict | None = None,
    survey_defs: list[dict] | None = None,
    consent: tuple[str, list[dict]] | None = None,
    comment: str | None = None,
) -> Study:
    """A complete study, walked through the real services to the given state."""
    study = studies.create_study(owner, protocol or sleep_protocol())
    studies.save_consent(owner, study, *(consent or (CONSENT_TEXT, CONSENT_CLAUSES)))
    for definition in sleep_surveys() if survey_defs is None else survey_defs:
        surveys.create_survey(owner, study, definition)
    demo_languages.translate(owner, study)  # a pilot offered in French too (demo_languages.py)
    for move in PATHS[status]:
        if move == "submit":
            studies.submit(owner, study)
        elif move in ("approve", "request_changes", "reject"):
            remark = "" if move == "approve" else (comment or "Please describe how allergies are handled.")
            studies.decide(coordinator, study, move, remark)
        elif move == "end":
            studies.end_study(coordinator, study, "Every participant has answered the follow-up.")
        else:
            state = {"open": "recruiting", "pause": "paused", "close": "closed"}[move]
            studies.set_recruitment(coordinator, study, state)
    return study


def seed() -> bool:
    """Create the demo once; returns False when it is already there."""
    from .demo_pilots import COMMON, PILOTS, consent

    if db.session.scalar(select(User).where(User.email == ACCOUNTS[0][0])):
        return False
    from .notifications.models import OutboxMessage, WebhookDelivery

    # The demo's weeks of history are not news: what its moves would have mailed is dropped below.
    first_message = (db.session.scalar(select(func.max(OutboxMessage.id))) or 0) + 1
    first_delivery = (db.session.scalar(select(func.max(WebhookDelivery.id))) or 0) + 1
    users = {
        role_org or role: create_user(email, PASSWORD, name, role, role_org) for email, name, role, role_org in ACCOUNTS
    }
    coordinator = users["coordinator"]
    for user in users.values():  # the demo's addresses count as verified: their mail is not held
        user.email_verified_at = utcnow()
    for pilot in PILOTS:
        if pilot["protocol"] == "sleep":
            protocol = sleep_protocol(
                timepoint_delays={"follow_up": 28},
                labels={"arms": {}, "timepoints": {"baseline": "Before the coaching", "follow_up": "After four weeks"}},
                languages=["en", "fr"],  # written in English, offered in French (demo_languages.py)
            )
            survey_defs = sleep_surveys()
        else:
            protocol, survey_defs = {**COMMON, **pilot["protocol"]}, pilot["surveys"]
        walk_to = "recruiting" if pilot.get("participants") else pilot["status"]
        study = build_study(
            users[pilot["owner"]],
            coordinator,
            walk_to,
            protocol,
            survey_defs,
            consent=consent(protocol["title"], protocol["objectives"]),
            comment=pilot.get("comment"),
        )
        if pilot.get("participants"):
            enrol_citizens(study, pilot["model"], pilot["participants"], pilot["seed"], pilot.get("recent", False))
        if pilot["status"] in ("closed", "ended"):
            studies.set_recruitment(coordinator, study, "closed")
        if pilot["status"] == "ended":
            studies.end_study(coordinator, study, "Every participant has had the follow-up survey.")
    db.session.execute(delete(OutboxMessage).where(OutboxMessage.id >= first_message))
    db.session.execute(delete(WebhookDelivery).where(WebhookDelivery.id >= first_delivery))
    return True


def enrol_citizens(study: Study, model: dict, count: int, seed: int, recent: bool = False) -> None:
    """Demo citizens who enrolled over the past weeks and answered each timepoint when it opened, their
    answers drawn from the pilot's model; some never come back for the follow-up, a few withdraw.
    `recent`: they enrolled over the past few weeks, so the later surveys of some are not open yet."""
    from .participants import services as participation

    rng = random.Random(seed)
    delays = study.timepoint_delays or {}
    longest = max((int(days) for days in delays.values()), default=0)
    rules = study.eligibility or {}
    shared_hash = None  # one scrypt hash for every demo citizen: they share the demo password
    for n in range(count):
        email, name = f"citizen{seed}-{n + 1}@livinglab.example", f"Demo citizen {seed}-{n + 1}"
        if shared_hash is None:
            citizen = create_user(email, PASSWORD, name, "participant")
            shared_hash = citizen.password_hash
        else:
            citizen = User(email=email, name=name, role="participant", password_hash=shared_hash)
            db.session.add(citizen)
            db.session.flush()
        consent = study.current_consent
        assert consent is not None  # build_study gave every pilot its consent
        enrolment = participation.enrol(
            citizen,
            study,
            consent_version=consent.version,
            clauses={c["key"]: True for c in consent.clauses},
            signature=citizen.name,
            age=rng.randint(rules.get("min_age") or 18, rules.get("max_age") or 80),
            criteria_confirmed=True,
        )
        days_ago = rng.randint(2, longest + 14) if recent else longest + rng.randint(2, 40)
        enrolled_at = utcnow() - timedelta(days=days_ago, hours=rng.randint(0, 12))
        person = {"trait": rng.gauss(0, 1), "usability": rng.gauss(0, 1), "response": max(0.0, rng.gauss(1, 0.35))}
        treated = len(study.arms) == 1 or enrolment.arm != study.arms[0]
        send_reports(citizen, study, enrolled_at, random.Random(seed * 1000 + n))  # its own draws: the rest as before
        for survey in sorted(study.surveys, key=lambda s: study.timepoints.index(s.timepoint)):
            if survey.repeat:
                continue
            later = survey.timepoint != study.timepoints[0]
            delay = timedelta(days=int(delays.get(survey.timepoint, 0) or 0))
            if later and (enrolled_at + delay > utcnow() or rng.random() < 0.12):
                break  # not open yet, or never came back for the follow-up
            answers = model_answers(survey.items, model, person, rng, shifted=later and treated)
            # Answered through the service, as a participant would, when the survey had just opened: for the
            # moment of the call the enrolment is placed so that the survey's window is open now.
            n_days = int(delays.get(survey.timepoint, 0) or 0)
            enrolment.enrolled_at = utcnow() - calendar_days(n_days) - calendar_days(1) / 24  # (`./run.sh --demo-days`)
            db.session.flush()
            response = participation.submit_response(citizen, study, survey.key, answers)
            response.submitted_at = enrolled_at + delay + timedelta(hours=rng.randint(1, 60))
        enrolment.enrolled_at = enrolled_at
        db.session.flush()
        if rng.random() < 0.07:
            participation.withdraw(citizen, study, erase_data=rng.random() < 0.5)
    db.session.flush()


REPORT_TEXTS = ["The cramps passed after a day.", "The pot arrived open.", "Itchy skin after the kimchi."]


def send_reports(citizen, study: Study, enrolled_at, rng) -> None:
    """About one citizen in four sends a report to each repeatable survey, days after enrolling. One each: the
    migrations' tests take the demo down to the first schema, which holds one response per survey (and the
    downgrade refuses to drop later reports)."""
    from .participants import services as participation

    for survey in [s for s in study.surveys if s.repeat]:
        if rng.random() >= 0.25:
            continue
        answers: dict[str, Any] = {}
        for item in survey.items:
            if item.get("type") == "single_choice":
                answers[item["key"]] = rng.choice(item["choices"])
            elif item.get("type") == "likert":
                answers[item["key"]] = rng.randint(item["min"], item["max"])
            elif item.get("type") == "text" and rng.random() < 0.5:
                answers[item["key"]] = rng.choice(REPORT_TEXTS)
        response = participation.submit_response(citizen, study, survey.key, answers)
        response.submitted_at = enrolled_at + timedelta(days=rng.randint(1, 25), hours=rng.randint(0, 12))


def model_answers(items: list[dict], model: dict, person: dict, rng, *, shifted: bool) -> dict:
    """One person's answers to a survey, from the pilot's model (see `demo_pilots`): their trait moves every
    related answer; `shifted` adds the intervention's effect (scaled by how much this person responds)."""
    from .surveys.definitions import answer_keys
    from .surveys.instruments import INSTRUMENTS

    def draw(spec: dict, trait: float, lo: float, hi: float) -> float:
        value = spec.get("mean", (lo + hi) / 2) + spec.get("trait", 0.5) * trait + rng.gauss(0, spec.get("noise", 0.8))
        if shifted:
            value += spec.get("effect", 0.0) * person["response"]
        return min(hi, max(lo, value))

    answers: dict[str, Any] = {}
    for item in items:
        if "section" in item:  # a section break asks nothing
            continue
        spec = model.get(item["key"], {})
        if "instrument" in item:
            instrument = INSTRUMENTS[item["instrument"]]
            trait = person["usability"] if spec.get("usability") else person["trait"]
            for position, key in enumerate(answer_keys(item), start=1):
                value = draw(spec, trait, instrument.min, instrument.max)
                if position in instrument.reversed_items:  # a negatively worded statement
                    value = instrument.min + instrument.max - value
                answers[key] = round(value)
        elif item["type"] in ("number", "likert", "nps"):
            lo = item["min"] if item.get("min") is not None else 0
            hi = item["max"] if item.get("max") is not None else (10 if item["type"] == "nps" else lo + 100)
            value = draw(spec, person["trait"], lo, hi)
            digits = spec.get("round", 0) if item["type"] == "number" else 0
            answers[item["key"]] = round(value, digits) if digits else int(round(value))
        elif item["type"] == "yes_no":
            chance = spec.get("mean", 0.5) + 0.1 * person["trait"] + (spec.get("effect", 0) if shifted else 0)
            answers[item["key"]] = rng.random() < chance
        elif item["type"] == "single_choice":
            weights = spec.get("weights") or {}
            answers[item["key"]] = rng.choices(item["choices"], [weights.get(c, 1) for c in item["choices"]])[0]
        elif item["type"] == "multiple_choice":
            answers[item["key"]] = rng.sample(item["choices"], k=rng.randint(1, len(item["choices"])))
        elif item["type"] == "text" and rng.random() < 0.35:
            answers[item["key"]] = rng.choice(spec.get("texts") or ["Thank you."])
    return answers


def populate(study: Study, count: int, seed: int) -> None:
    """Citizens who enrol and answer at once, with a plausible effect of the intervention (for tests and
    benchmarks: the demo's own pilots use `enrol_citizens`, whose answers hang together)."""
    from .participants import services as participation

    rng = random.Random(seed)
    shared_hash = None  # one scrypt hash for every demo citizen: they share the demo password
    for n in range(count):
        email, name = f"citizen{seed}-{n + 1}@livinglab.example", f"Demo citizen {seed}-{n + 1}"
        if shared_hash is None:
            citizen = create_user(email, PASSWORD, name, "participant")
            shared_hash = citizen.password_hash
        else:
            citizen = User(email=email, name=name, role="participant", password_hash=shared_hash)
            db.session.add(citizen)
            db.session.flush()
        consent = study.current_consent
        assert consent is not None  # build_study gave every pilot its consent
        enrolment = participation.enrol(
            citizen,
            study,
            consent_version=consent.version,
            clauses={c["key"]: True for c in consent.clauses},
            signature=citizen.name,
            age=rng.randint(18, 64),
            criteria_confirmed=True,
        )
        lift = 1.0 if str(study.design) == "single_group_pre_post" or enrolment.arm != study.arms[0] else 0.0
        for survey in sorted(study.surveys, key=lambda s: study.timepoints.index(s.timepoint)):
            if survey.timepoint != study.timepoints[0] and rng.random() < 0.15:
                break  # some never come back for the follow-up
            later = survey.timepoint != study.timepoints[0]
            participation.submit_response(
                citizen, study, survey.key, demo_answers(survey.items, rng, lift if later else 0.0)
            )
        if rng.random() < 0.08:
            participation.withdraw(citizen, study, erase_data=rng.random() < 0.5)


def demo_answers(items: list[dict], rng, lift: float) -> dict:
    from .surveys.definitions import answer_keys
    from .surveys.instruments import INSTRUMENTS

    answers = {}
    for item in items:
        if "section" in item:  # a section break asks nothing
            continue
        if "instrument" in item:
            instrument = INSTRUMENTS[item["instrument"]]
            for key in answer_keys(item):
                answers[key] = min(
                    instrument.max,
                    max(instrument.min, round(rng.gauss((instrument.min + instrument.max) / 2 + lift, 1))),
                )
        elif item["type"] == "number":
            answers[item["key"]] = round(
                min(item.get("max") or 24, max(item.get("min") or 0, rng.gauss(6.2 + lift, 0.9))), 1
            )
        elif item["type"] == "likert":
            answers[item["key"]] = min(item["max"], max(item["min"], round(rng.gauss(4 + 1.3 * lift, 1.2))))
        elif item["type"] == "nps":
            answers[item["key"]] = min(10, max(0, round(rng.gauss(6.5 + 2 * lift, 2))))
        elif item["type"] == "yes_no":
            answers[item["key"]] = rng.random() < 0.5 + 0.2 * lift
        elif item["type"] == "single_choice":
            answers[item["key"]] = rng.choice(item["choices"])
        elif item["type"] == "multiple_choice":
            answers[item["key"]] = rng.sample(item["choices"], k=rng.randint(1, len(item["choices"])))
        elif item["type"] == "text" and rng.random() < 0.3:
            answers[item["key"]] = rng.choice(["Very useful.", "Too many notifications.", "I would keep using it."])
    return answers
