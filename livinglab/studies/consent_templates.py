"""A consent form to start from, in plain language, in English and French: sections the founder completes
(the brackets) before saving. Offered only while a study has no consent version, and only as the form's
initial content: nothing is saved until the founder saves. It promises nothing the app does not do: no clause
about being contacted later (nothing would act on it), and the time answers are kept is the protocol's, which the
retention job applies (studies/retention.py)."""

from typing import Any

CONSENT_TEMPLATES: dict[str, dict[str, Any]] = {
    "en": {
        "text": (
            "What this pilot is\n"
            "[Name of the startup] is testing [the product or service] with people living in [the area]. "
            "We want to know whether it [the expected benefit].\n\n"
            "What you will do\n"
            "You will use [the product] for [duration] and answer [number] short online surveys, "
            "each taking about [minutes] minutes.\n\n"
            "Risks and benefits\n"
            "[The possible discomforts, or: we expect no risk beyond everyday life.] "
            "You may benefit from [the benefit], but we cannot promise it.\n\n"
            "Your data\n"
            "You are known to the startup by a code, never by your name. Your answers are kept for the period "
            "this pilot's protocol sets, and then erased or made anonymous.\n\n"
            "Your choice\n"
            "Taking part is voluntary. You may stop at any time, without giving a reason and without any "
            "consequence for you.\n\n"
            "Contact\n"
            "[Name, email and phone of the person who answers your questions.]"
        ),
        "clauses": [
            {"key": "understood", "text": "I have read and understood this information.", "required": True},
            {"key": "data_use", "text": "I agree that my answers are used for this pilot.", "required": True},
        ],
    },
    "fr": {
        "text": (
            "Ce qu’est ce pilote\n"
            "[Nom de la startup] teste [le produit ou le service] auprès de personnes vivant à [le territoire]. "
            "Nous voulons savoir s’il [le bénéfice attendu].\n\n"
            "Ce que vous ferez\n"
            "Vous utiliserez [le produit] pendant [durée] et répondrez à [nombre] courts questionnaires en "
            "ligne, d’environ [minutes] minutes chacun.\n\n"
            "Risques et bénéfices\n"
            "[Les gênes possibles, ou : nous n’attendons aucun risque au-delà de la vie quotidienne.] "
            "Vous pourriez en tirer [le bénéfice], sans que nous puissions le promettre.\n\n"
            "Vos données\n"
            "La startup vous connaît par un code, jamais par votre nom. Vos réponses sont conservées pendant la "
            "durée que fixe le protocole de ce pilote, puis effacées ou rendues anonymes.\n\n"
            "Votre choix\n"
            "Votre participation est libre. Vous pouvez arrêter à tout moment, sans donner de raison et sans "
            "aucune conséquence pour vous.\n\n"
            "Contact\n"
            "[Nom, adresse e-mail et téléphone de la personne qui répond à vos questions.]"
        ),
        "clauses": [
            {"key": "understood", "text": "J’ai lu et compris ces informations.", "required": True},
            {
                "key": "data_use",
                "text": "J’accepte que mes réponses soient utilisées pour ce pilote.",
                "required": True,
            },
        ],
    },
}


def consent_from_template(initial: dict, study, language) -> dict:
    """The consent editor's initial data with the template's text and clauses, only while the study has no
    consent version (a saved text is never replaced)."""
    template = CONSENT_TEMPLATES.get(language or "")
    if template is None or study.current_consent is not None:
        return initial
    blanks = initial["clauses"]
    return {**initial, "text": template["text"], "clauses": [dict(c) for c in template["clauses"]] + blanks}
