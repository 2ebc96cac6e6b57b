"""The demo's nine pilots, one in every state of the lifecycle: each coherent from its title to its questions, with a model of how its
participants answer (who they are, how their answers hang together, what the intervention changes).

Answers come from a small generative model per pilot rather than from independent dice: each person has
a trait (how well they sleep, how comfortable their digestion is...) that moves all their related answers
together, at every timepoint; the intervention shifts the outcome in the direction the pilot hopes for
(in the intervention arm only, for parallel groups), with a person-to-person spread; usability
instruments follow a second trait (how easy that person found the product), the SUS's negatively worded
even items going the other way. So the results pages show what real data shows: correlated items, a high
Cronbach's alpha, and an effect in the expected direction, with noise."""

from typing import Any


def answers(**changed) -> dict:
    """The qualification questionnaire of a pilot (studies/regulatory.py): by default, research on health
    where participants use the product as they would anyway and answer questionnaires (RIPH 3)."""
    return {
        "purpose": "health_knowledge",
        "existing_data_only": False,
        "device_outside_ce": False,
        "beyond_usual_practice": False,
        "minimal_risk": None,
        "product_questionnaire": False,
    } | changed


def riph_file(cpp: str, number: str, day: str, id_rcb: str) -> dict:
    """What a RIPH files before it starts: its registration, the CPP's favourable opinion, the ANSM told."""
    return {
        "id_rcb": id_rcb,
        "ethics_opinion": f"{cpp} {number}",
        "cpp_name": cpp,
        "cpp_date": day,
        "cpp_decision": "favourable",
        "ansm_reference": f"CPP opinion and summary sent to the ANSM on {day}",
    }


COMMON = {
    "qualification": answers(),
    "principal_investigator": "Dr Louise Garnier, Nantes Living Lab",
    "medical_device": "none",
    "legal_basis": "legitimate_interests",
    "health_data_exception": "scientific_research",
    "dpo_contact": "dpo@livinglab.example",
    "data_host": "LivingLab, on an HDS-certified host in France",
    "hds_certified": True,
    "dpia_reference": "DPIA-LL-2026-01",
    "dpia_date": "2026-09-01",
    "research_category": "riph3",
    "cnil_framework": "mr003",
    "dpia_done": True,
    "retention_months": 24,
    "sponsor": "Nantes Living Lab",
}


def consent(title: str, uses: str) -> tuple[str, list[dict]]:
    """A consent form naming the pilot and what its answers are used for."""
    text = (
        f"You are invited to take part in the pilot “{title}”. {uses} Taking part is voluntary; you may "
        "withdraw at any time without giving a reason, and choose whether your answers are kept or erased. "
        "LivingLab knows you by a code: the startup never sees your name or email."
    )
    clauses = [
        {"key": "understood", "text": "I have read and understood the information about this pilot.", "required": True},
        {
            "key": "data_use",
            "text": "I agree that my answers are used, under a pseudonym, for this pilot.",
            "required": True,
        },
        {"key": "recontact", "text": "I agree to be contacted about future pilots.", "required": False},
    ]
    return text, clauses


def number(key, text, lo, hi, unit=None, required=True):
    item = {"key": key, "text": text, "type": "number", "min": lo, "max": hi, "required": required}
    if unit:
        item["unit"] = unit
    return item


def likert(key, text, lo=1, hi=7):
    return {"key": key, "text": text, "type": "likert", "min": lo, "max": hi}


def comments(text="Anything else you would like to tell us?"):
    return {"key": "comments", "text": text, "type": "text", "required": False}


WHO5 = {"key": "who5", "instrument": "who5"}
SUS = {"key": "sus", "instrument": "sus"}
UMUX = {"key": "umux", "instrument": "umux_lite"}

# Answer models: per key, how an answer is drawn. "mean" at the first timepoint, "trait": how much the
# person's trait (a standard normal) moves it, "noise": the answer's own spread, "effect": the change at
# later timepoints in the intervention arm (scaled by a person's response, mean 1, sd 0.5).
# Instruments: per item, in item units. "usability": follows the usability trait instead.

PILOTS: list[dict[str, Any]] = [
    {
        "status": "draft",
        "owner": "Sommeil+",
        "protocol": {
            "title": "Hydration reminders for older adults",
            "domain": "e-health",
            "summary": "A tablet app reminds people over 70 living at home to drink water through the day.",
            "objectives": "Find out whether four weeks of gentle reminders raise how much water older adults drink.",
            "design": "single_group_pre_post",
            "arms": ["intervention"],
            "timepoints": ["baseline", "week_4"],
            "labels": {"arms": {}, "timepoints": {"baseline": "Before the reminders", "week_4": "After four weeks"}},
            "timepoint_delays": {"week_4": 28},
            "target_enrolment": 50,
            "eligibility": {
                "min_age": 70,
                "max_age": None,
                "criteria": ["Lives at home in Nantes Métropole", "Has a tablet or a smartphone"],
            },
            "primary_outcome": {"variable": "glasses_water", "hypothesis": "increase"},
            "intervention": "Reminders on the tablet five times a day, each with a glass to tick when drunk.",
            "risks": "Minimal. People whose doctor limits how much they drink are not eligible.",
            "data_collected": "Glasses of water drunk and thirst, to measure the outcome; age, for eligibility.",
            "duration": "Four weeks, two short surveys.",
            "location": "At home.",
            "compensation": "Nothing; participants keep the app.",
            **riph_file("CPP Ouest IV", "2026-131", "2026-10-02", "2026-A01131-38"),
        },
        "surveys": [
            {
                "key": "baseline",
                "title": "Before the reminders",
                "timepoint": "baseline",
                "items": [
                    number(
                        "glasses_water",
                        "On a typical day last week, how many glasses of water did you drink?",
                        0,
                        30,
                        "glasses",
                    ),
                    likert("thirst", "How often did you feel thirsty last week? (1 = never, 5 = very often)", 1, 5),
                ],
            },
            {
                "key": "week_4",
                "title": "After four weeks of reminders",
                "timepoint": "week_4",
                "items": [
                    number(
                        "glasses_water",
                        "On a typical day last week, how many glasses of water did you drink?",
                        0,
                        30,
                        "glasses",
                    ),
                    likert("thirst", "How often did you feel thirsty last week? (1 = never, 5 = very often)", 1, 5),
                    {"key": "reminders_useful", "text": "Were the drinking reminders useful to you?", "type": "yes_no"},
                    comments(),
                ],
            },
        ],
    },
    {
        "status": "submitted",
        "owner": "Sommeil+",
        "protocol": {
            "title": "Guided breathing for exam stress",
            "domain": "e-health",
            "summary": "Students use a five-minute guided breathing exercise before revising, for the three weeks "
            "before their exams.",
            "objectives": "Measure whether guided breathing lowers the stress students feel before exams.",
            "design": "single_group_pre_post",
            "arms": ["intervention"],
            "timepoints": ["before", "exam_week"],
            "labels": {
                "arms": {},
                "timepoints": {"before": "Three weeks before the exams", "exam_week": "During the exam week"},
            },
            "timepoint_delays": {"exam_week": 21},
            "target_enrolment": 80,
            "eligibility": {
                "min_age": 18,
                "max_age": 30,
                "criteria": ["Student at a university in Nantes", "Has exams in the next month"],
            },
            "primary_outcome": {"variable": "exam_stress", "hypothesis": "decrease"},
            "intervention": "A guided breathing exercise of five minutes in the app, before each revision session.",
            "risks": "Minimal: slight dizziness is possible; the exercise stops at once if it happens.",
            "data_collected": "Stress and well-being scores, to measure the outcome; nothing about grades.",
            "duration": "Three weeks, two surveys.",
            "location": "Online, wherever students revise.",
            "compensation": "A 10 € voucher after the second survey.",
            **riph_file("CPP Ouest IV", "2026-140", "2026-10-16", "2026-A01140-52"),
        },
        "surveys": [
            {
                "key": "before",
                "title": "Before the exams",
                "timepoint": "before",
                "items": [
                    likert(
                        "exam_stress",
                        "How stressed have you felt about your exams this week? (0 = not at all, 10 = extremely)",
                        0,
                        10,
                    ),
                    WHO5,
                ],
            },
            {
                "key": "exam_week",
                "title": "During the exam week",
                "timepoint": "exam_week",
                "items": [
                    likert(
                        "exam_stress",
                        "How stressed have you felt about your exams this week? (0 = not at all, 10 = extremely)",
                        0,
                        10,
                    ),
                    WHO5,
                    number("breathing_sessions", "How many breathing sessions did you do per week?", 0, 50, "sessions"),
                ],
            },
        ],
    },
    {
        "status": "changes_requested",
        "owner": "Nourrir Foodtech",
        "comment": "Please explain how participants' diabetes treatment is taken into account, and whom they call if "
        "a meal plan leaves their blood sugar too low.",
        "protocol": {
            "title": "Meal-planning app for diabetes",
            "domain": "foodtech",
            "summary": "People with type 2 diabetes plan their week's meals with an app suggesting recipes low in "
            "fast sugars, or keep planning as usual.",
            "objectives": "Compare, after three months, how confident people feel about planning meals that keep "
            "their blood sugar stable.",
            "design": "parallel_groups",
            "arms": ["usual_planning", "meal_app"],
            "timepoints": ["baseline", "month_3"],
            "labels": {
                "arms": {"usual_planning": "Usual planning", "meal_app": "Meal-planning app"},
                "timepoints": {"baseline": "At the start", "month_3": "After three months"},
            },
            "timepoint_delays": {"month_3": 90},
            "target_enrolment": 60,
            "eligibility": {
                "min_age": 18,
                "max_age": 75,
                "criteria": ["Has type 2 diabetes", "Cooks at home at least three times a week"],
            },
            "primary_outcome": {"variable": "planning_confidence", "hypothesis": "increase"},
            "intervention": "Three months of the Nourrir meal-planning app: weekly plans, recipes and a shopping list.",
            "risks": "Changing meals may change blood sugar; participants keep their usual treatment and doctor.",
            "data_collected": "Meals cooked at home and confidence in planning them; no glucose readings.",
            "duration": "Three months, two surveys.",
            "location": "At home.",
            "compensation": "Nothing.",
            "research_category": "riph2",
            "cnil_framework": "mr001",
            "qualification": answers(beyond_usual_practice=True, minimal_risk=True),
            **riph_file("CPP Sud-Est II", "2026-077", "2026-09-08", "2026-A00977-41"),
            "sponsor": "Nourrir SAS",
            "insurance": "Hospiassur, policy RC-2026-0412 (L. 1121-10 CSP)",
            "principal_investigator": "Dr Camille Riou, diabetologist, CHU de Nantes",
        },
        "surveys": [
            {
                "key": "baseline",
                "title": "At the start",
                "timepoint": "baseline",
                "items": [
                    likert(
                        "planning_confidence",
                        "How confident are you in planning meals that keep your blood sugar "
                        "stable? (1 = not at all, 7 = completely)",
                    ),
                    number("home_meals", "How many meals did you cook at home last week?", 0, 21, "meals"),
                ],
            },
            {
                "key": "month_3",
                "title": "After three months",
                "timepoint": "month_3",
                "items": [
                    likert(
                        "planning_confidence",
                        "How confident are you in planning meals that keep your blood sugar "
                        "stable? (1 = not at all, 7 = completely)",
                    ),
                    number("home_meals", "How many meals did you cook at home last week?", 0, 21, "meals"),
                    {
                        "key": "recommend",
                        "text": "How likely are you to recommend your way of planning meals to another "
                        "person with diabetes?",
                        "type": "nps",
                    },
                ],
            },
        ],
    },
    {
        "status": "rejected",
        "owner": "Nourrir Foodtech",
        "comment": "Fasting for several days without medical supervision puts participants at risk: this protocol "
        "cannot be approved.",
        "protocol": {
            "title": "Unsupervised fasting challenge",
            "domain": "foodtech",
            "summary": "Participants drink only our vegetable broths for five days and report their energy.",
            "objectives": "Show that a five-day broth fast raises perceived energy.",
            "design": "single_group_pre_post",
            "arms": ["intervention"],
            "timepoints": ["day_0", "day_5"],
            "labels": {"arms": {}, "timepoints": {"day_0": "Before the fast", "day_5": "After five days"}},
            "timepoint_delays": {"day_5": 5},
            "target_enrolment": 30,
            "eligibility": {"min_age": 18, "max_age": None, "criteria": ["Wants to try fasting"]},
            "primary_outcome": {"variable": "energy", "hypothesis": "increase"},
            "intervention": "Five days of vegetable broths only, without supervision.",
            "risks": "Hunger and fatigue.",
            "data_collected": "Energy and hunger ratings.",
            "duration": "Five days.",
            "location": "At home.",
            "compensation": "The broths are free.",
            "research_category": "outside_jarde",
            "cnil_framework": "none",
            "health_data_exception": "explicit_consent",
            "legal_basis": "consent",
            "qualification": answers(purpose="satisfaction"),
        },
        "surveys": [
            {
                "key": "day_0",
                "title": "Before the fast",
                "timepoint": "day_0",
                "items": [
                    likert("energy", "How much energy do you have today? (1 = none, 7 = plenty)"),
                    likert("hunger", "How hungry do you feel today? (1 = not at all, 7 = very)"),
                ],
            },
            {
                "key": "day_5",
                "title": "After five days",
                "timepoint": "day_5",
                "items": [
                    likert("energy", "How much energy do you have today? (1 = none, 7 = plenty)"),
                    likert("hunger", "How hungry do you feel today? (1 = not at all, 7 = very)"),
                ],
            },
        ],
    },
    {
        "status": "approved",
        "owner": "Sommeil+",
        "protocol": {
            "title": "Step-count coaching after knee surgery",
            "domain": "e-health",
            "summary": "After a knee replacement, patients follow a coaching app that sets a daily step goal, "
            "raised week by week with their physiotherapist.",
            "objectives": "Measure whether six weeks of step coaching increase how much patients walk each day.",
            "design": "single_group_pre_post",
            "arms": ["intervention"],
            "timepoints": ["discharge", "week_6"],
            "labels": {"arms": {}, "timepoints": {"discharge": "At discharge", "week_6": "Six weeks later"}},
            "timepoint_delays": {"week_6": 42},
            "target_enrolment": 40,
            "eligibility": {
                "min_age": 40,
                "max_age": 85,
                "criteria": ["Had a knee replacement in the last month", "Walks without help at home"],
            },
            "primary_outcome": {"variable": "daily_steps", "hypothesis": "increase"},
            "intervention": "A daily step goal and encouragement in the app, agreed with the physiotherapist.",
            "risks": "Knee pain if goals rise too fast: goals only rise with the physiotherapist's agreement.",
            "data_collected": "Daily steps as the phone counts them, knee pain and the app's usability.",
            "duration": "Six weeks, two surveys.",
            "location": "At home and outdoors.",
            "compensation": "Nothing.",
            **riph_file("CPP Ouest IV", "2026-118", "2026-09-21", "2026-A01118-27"),
        },
        "surveys": [
            {
                "key": "discharge",
                "title": "At discharge",
                "timepoint": "discharge",
                "items": [
                    number(
                        "daily_steps",
                        "On average, how many steps did you walk per day last week, as your phone counts them?",
                        0,
                        50000,
                        "steps",
                    ),
                    likert(
                        "knee_pain",
                        "How much did your knee hurt on average last week? (0 = no pain, 10 = worst pain)",
                        0,
                        10,
                    ),
                ],
            },
            {
                "key": "week_6",
                "title": "Six weeks later",
                "timepoint": "week_6",
                "items": [
                    number(
                        "daily_steps",
                        "On average, how many steps did you walk per day last week, as your phone counts them?",
                        0,
                        50000,
                        "steps",
                    ),
                    likert(
                        "knee_pain",
                        "How much did your knee hurt on average last week? (0 = no pain, 10 = worst pain)",
                        0,
                        10,
                    ),
                    UMUX,
                    comments(),
                ],
            },
        ],
    },
    {
        "status": "recruiting",
        "owner": "Sommeil+",
        "participants": 12,
        "seed": 4,
        "protocol": "sleep",  # the demo's reference protocol: demo.sleep_protocol and demo.sleep_surveys
        "model": {
            "sleep_hours": {"mean": 5.9, "trait": 0.55, "noise": 0.35, "effect": 0.8, "round": 1},
            "who": {"mean": 2.3, "trait": 0.75, "noise": 0.55, "effect": 0.7},
            "sus": {"usability": True, "mean": 3.8, "trait": 0.8, "noise": 0.45},
            "comments": {
                "texts": [
                    "The evening reminders helped me wind down.",
                    "Too many notifications at first.",
                    "I slept better on my days off.",
                    "The sleep diary took too long.",
                ]
            },
        },
    },
    {
        "status": "paused",
        "owner": "Nourrir Foodtech",
        "protocol": {
            "title": "Mindful eating programme",
            "domain": "foodtech",
            "summary": "An eight-week programme of short audio exercises to eat mindfully: notice hunger and "
            "fullness, and snack less between meals.",
            "objectives": "Find out whether the programme reduces snacking between meals.",
            "design": "single_group_pre_post",
            "arms": ["intervention"],
            "timepoints": ["baseline", "week_8"],
            "labels": {"arms": {}, "timepoints": {"baseline": "Before the programme", "week_8": "After eight weeks"}},
            "timepoint_delays": {"week_8": 56},
            "target_enrolment": 40,
            "eligibility": {"min_age": 18, "max_age": None, "criteria": ["Snacks between meals most days"]},
            "primary_outcome": {"variable": "snacks_per_day", "hypothesis": "decrease"},
            "intervention": "Three ten-minute audio exercises a week and a weekly recipe, for eight weeks.",
            "risks": "None expected. People treated for an eating disorder are not eligible.",
            "data_collected": "Snacks per day, awareness of fullness and well-being.",
            "duration": "Eight weeks, two surveys.",
            "location": "At home, online.",
            "compensation": "Nothing.",
            # human and social sciences in the field of health: outside the Jardé law (R.1121-1 II 1° d CSP)
            "research_category": "outside_jarde",
            "cnil_framework": "none",
            "health_data_exception": "explicit_consent",
            "legal_basis": "consent",
            "qualification": answers(purpose="human_sciences"),
        },
        "surveys": [
            {
                "key": "baseline",
                "title": "Before the programme",
                "timepoint": "baseline",
                "items": [
                    number(
                        "snacks_per_day",
                        "On a typical day last week, how many snacks did you eat between meals?",
                        0,
                        20,
                        "snacks",
                    ),
                    likert(
                        "fullness_awareness",
                        "How often did you notice you were full before finishing your plate? (1 = never, 7 = always)",
                    ),
                    WHO5,
                ],
            },
            {
                "key": "week_8",
                "title": "After eight weeks",
                "timepoint": "week_8",
                "items": [
                    number(
                        "snacks_per_day",
                        "On a typical day last week, how many snacks did you eat between meals?",
                        0,
                        20,
                        "snacks",
                    ),
                    likert(
                        "fullness_awareness",
                        "How often did you notice you were full before finishing your plate? (1 = never, 7 = always)",
                    ),
                    WHO5,
                ],
            },
        ],
    },
    {
        "status": "ended",
        "owner": "Nourrir Foodtech",
        "participants": 36,
        "seed": 2,
        "protocol": {
            "title": "Fermented snacks and digestive comfort",
            "domain": "foodtech",
            "summary": "Adults who often feel bloated swap their afternoon snack for our fermented vegetable snacks, "
            "or keep their usual snack, for four weeks.",
            "objectives": "Compare digestive comfort after four weeks between fermented snacks and usual snacks.",
            "design": "parallel_groups",
            "arms": ["usual_snacks", "fermented_snacks"],
            "timepoints": ["baseline", "week_4"],
            "labels": {
                "arms": {"usual_snacks": "Usual snacks", "fermented_snacks": "Fermented snacks"},
                "timepoints": {"baseline": "Before the snacks", "week_4": "After four weeks"},
            },
            "timepoint_delays": {"week_4": 28},
            "target_enrolment": 40,
            "eligibility": {
                "min_age": 18,
                "max_age": 70,
                "criteria": ["Often feels bloated after meals", "Has no food allergy"],
            },
            "primary_outcome": {"variable": "digestive_comfort", "hypothesis": "increase"},
            "intervention": "One pot of fermented vegetables (kimchi, sauerkraut or pickles) as the afternoon snack, "
            "every day for four weeks, delivered weekly.",
            "risks": "Mild bloating during the first days; every pot lists its allergens.",
            "data_collected": "Digestive comfort, days with bloating and opinions of the snacks; no health records.",
            "duration": "Four weeks, two surveys.",
            "location": "At home and at work.",
            "compensation": "The snacks are free.",
            # questionnaires on how a food is tolerated: RIPH 3 without a CPP opinion (L.1121-16-2 CSP)
            "research_category": "riph3",
            "cnil_framework": "mr003",
            "qualification": answers(product_questionnaire=True),
            "id_rcb": "2026-A01203-17",
        },
        "surveys": [
            {
                "key": "baseline",
                "title": "Before the snacks",
                "timepoint": "baseline",
                "items": [
                    likert(
                        "digestive_comfort",
                        "How comfortable has your digestion been over the past week? "
                        "(1 = very uncomfortable, 7 = very comfortable)",
                    ),
                    number("bloating_days", "On how many days last week did you feel bloated?", 0, 7, "days"),
                    {
                        "key": "diet",
                        "text": "Which best describes your diet?",
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
                    likert(
                        "digestive_comfort",
                        "How comfortable has your digestion been over the past week? "
                        "(1 = very uncomfortable, 7 = very comfortable)",
                    ),
                    number("bloating_days", "On how many days last week did you feel bloated?", 0, 7, "days"),
                    {
                        "key": "recommend",
                        "text": "How likely are you to recommend your afternoon snacks to a friend?",
                        "type": "nps",
                    },
                    {
                        "key": "keep_eating",
                        "text": "Would you keep eating your afternoon snacks after the pilot?",
                        "type": "yes_no",
                    },
                ],
            },
            {  # repeated reports (README, "Repeated reports"): a few citizens send one or two (demo.py)
                "key": "snack_problem",
                "title": "Report a problem with the snacks",
                "timepoint": "baseline",
                "repeat": "problem_report",
                "items": [
                    {
                        "key": "problem_kind",
                        "text": "What happened?",
                        "type": "single_choice",
                        "choices": ["Bloating or cramps", "Late or missing delivery", "Allergy or rash", "Other"],
                    },
                    likert("problem_bother", "How much did it bother you? (1 = not at all, 7 = a lot)"),
                    {"key": "problem_details", "text": "Tell us more, if you wish", "type": "text", "required": False},
                ],
            },
        ],
        "model": {
            "digestive_comfort": {"mean": 3.4, "trait": 0.7, "noise": 0.55, "effect": 1.4},
            "bloating_days": {"mean": 4.0, "trait": -0.9, "noise": 0.8, "effect": -1.3},
            "recommend": {"mean": 5.8, "trait": 0.9, "noise": 1.6, "effect": 1.6},
            "keep_eating": {"mean": 0.45, "effect": 0.35},
            "diet": {"weights": {"Omnivore": 0.55, "Flexitarian": 0.3, "Vegetarian": 0.15}},
        },
    },
    {
        "status": "closed",
        "owner": "Nourrir Foodtech",
        "participants": 20,
        "seed": 5,
        "recent": True,
        "protocol": {
            "title": "Plant-based lunches at the company canteen",
            "domain": "foodtech",
            "summary": "Employees of a Nantes company canteen get a new plant-based dish of the day for six weeks; "
            "we ask how often they choose it, how full they feel and how much energy they have after "
            "lunch.",
            "objectives": "Find out whether a tastier plant-based dish of the day makes employees choose it more "
            "often, without leaving them hungry.",
            "design": "single_group_pre_post",
            "arms": ["intervention"],
            "timepoints": ["baseline", "week_6"],
            "labels": {"arms": {}, "timepoints": {"baseline": "Before the new dishes", "week_6": "After six weeks"}},
            "timepoint_delays": {"week_6": 42},
            "target_enrolment": 20,
            "eligibility": {"min_age": 18, "max_age": 67, "criteria": ["Has lunch at the company canteen most days"]},
            "primary_outcome": {"variable": "plant_lunches", "hypothesis": "increase"},
            "intervention": "A plant-based dish of the day designed with the canteen's chef, every weekday for six "
            "weeks, beside the usual dishes.",
            "risks": "None expected; every dish lists its allergens.",
            "data_collected": "Plant-based lunches per week, fullness and energy after lunch, an opinion of the "
            "dishes; no health records.",
            "duration": "Six weeks, two surveys.",
            "location": "The company canteen, in Nantes.",
            "compensation": "Nothing.",
            # a satisfaction survey on a food product: outside the Jardé law (R.1121-1 II 1° b CSP), the GDPR only
            "research_category": "outside_jarde",
            "cnil_framework": "none",
            "health_data_exception": "no_health_data",
            "qualification": answers(purpose="satisfaction"),
        },
        "surveys": [
            {
                "key": "baseline",
                "title": "Before the new dishes",
                "timepoint": "baseline",
                "items": [
                    number(
                        "plant_lunches",
                        "Last week, on how many days did you choose a plant-based lunch at the canteen?",
                        0,
                        5,
                        "days",
                    ),
                    likert(
                        "fullness",
                        "How full did you feel in the afternoon after lunch? (1 = still hungry, 7 = very full)",
                    ),
                    likert("afternoon_energy", "How much energy did you have in the afternoon? (1 = none, 7 = plenty)"),
                ],
            },
            {
                "key": "week_6",
                "title": "After six weeks",
                "timepoint": "week_6",
                "items": [
                    number(
                        "plant_lunches",
                        "Last week, on how many days did you choose a plant-based lunch at the canteen?",
                        0,
                        5,
                        "days",
                    ),
                    likert(
                        "fullness",
                        "How full did you feel in the afternoon after lunch? (1 = still hungry, 7 = very full)",
                    ),
                    likert("afternoon_energy", "How much energy did you have in the afternoon? (1 = none, 7 = plenty)"),
                    {
                        "key": "recommend",
                        "text": "How likely are you to recommend the new plant-based dishes to a colleague?",
                        "type": "nps",
                    },
                ],
            },
        ],
        "model": {
            "plant_lunches": {"mean": 1.2, "trait": 0.7, "noise": 0.6, "effect": 1.1, "round": 0},
            "fullness": {"mean": 4.6, "trait": 0.5, "noise": 0.7, "effect": 0.0},
            "afternoon_energy": {"mean": 4.2, "trait": 0.5, "noise": 0.7, "effect": 0.2},
            "recommend": {"mean": 6.5, "trait": 1.0, "noise": 1.5, "effect": 0.8},
        },
    },
]
