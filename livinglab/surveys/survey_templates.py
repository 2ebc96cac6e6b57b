"""Surveys to start from, written in English and in French (the founder edits the copy; the template never
changes). The standard instruments are worded by `instruments.py` in the participant's language."""

from flask_babel import lazy_gettext as _l

SLEEP_EN = [
    {"key": "about_sleep", "section": "Your sleep", "intro": "A few questions about the last seven nights."},
    {
        "key": "sleep_hours",
        "text": "On average, how many hours did you sleep per night last week?",
        "type": "number",
        "min": 0,
        "max": 24,
        "unit": "h",
    },
    {
        "key": "sleep_quality",
        "text": "How would you rate the quality of your sleep last week?",
        "type": "likert",
        "min": 1,
        "max": 5,
        "labels": ["Very poor", "Poor", "Fair", "Good", "Very good"],
    },
    {"key": "about_wellbeing", "section": "How you feel", "intro": "Statements about the last two weeks."},
    {"key": "who", "instrument": "who5"},
    {"key": "gad", "instrument": "gad7"},
    {"key": "comments", "text": "Anything else you would like to tell us?", "type": "text", "required": False},
]

SLEEP_FR = [
    {"key": "about_sleep", "section": "Votre sommeil", "intro": "Quelques questions sur les sept dernières nuits."},
    {
        "key": "sleep_hours",
        "text": "En moyenne, combien d’heures avez-vous dormi par nuit la semaine dernière ?",
        "type": "number",
        "min": 0,
        "max": 24,
        "unit": "h",
    },
    {
        "key": "sleep_quality",
        "text": "Comment évaluez-vous la qualité de votre sommeil la semaine dernière ?",
        "type": "likert",
        "min": 1,
        "max": 5,
        "labels": ["Très mauvaise", "Mauvaise", "Moyenne", "Bonne", "Très bonne"],
    },
    {
        "key": "about_wellbeing",
        "section": "Comment vous vous sentez",
        "intro": "Des affirmations sur les deux dernières semaines.",
    },
    {"key": "who", "instrument": "who5"},
    {"key": "gad", "instrument": "gad7"},
    {"key": "comments", "text": "Souhaitez-vous ajouter quelque chose ?", "type": "text", "required": False},
]

SURVEY_TEMPLATES = {
    "sleep_wellbeing": {
        "key": "sleep_wellbeing",
        "label": _l("Sleep and wellbeing baseline (sleep questions, WHO-5, GAD-7)"),
        "title": {"en": "Sleep and wellbeing", "fr": "Sommeil et bien-être"},
        "items": {"en": SLEEP_EN, "fr": SLEEP_FR},
    },
}
TEMPLATE_LANGUAGES = {"en": "English", "fr": "Français"}  # each in its own language, as language menus are
