"""The demo's bilingual pilot (issue 14, item 8): the sleep coaching pilot is written in English and offered in
French too, every participant-facing text translated, so that a newcomer sees a pilot in both languages."""

from .studies import pilot_languages, services

# The French of each English text of the sleep pilot, as participants read it
FRENCH = {
    "Sleep coaching app for shift workers": "Application de coaching du sommeil pour les travailleurs postés",
    "A smartphone coaching programme that helps shift workers sleep longer and better.": (
        "Un programme de coaching sur smartphone qui aide les travailleurs postés à dormir plus longtemps et mieux."
    ),
    "Daily coaching messages and a sleep diary in the Sommeil+ app, for four weeks.": (
        "Des messages de coaching quotidiens et un agenda du sommeil dans l’application Sommeil+, pendant quatre "
        "semaines."
    ),
    "Measure whether four weeks of app coaching increases self-reported sleep duration.": (
        "Mesurer si quatre semaines de coaching par l’application allongent la durée de sommeil déclarée."
    ),
    "Four weeks, two short online surveys.": "Quatre semaines, deux courts questionnaires en ligne.",
    "At home, online.": "À la maison, en ligne.",
    "A 20 € voucher after the follow-up survey.": "Un bon d’achat de 20 € après le questionnaire de suivi.",
    "Sommeil Santé SAS": "Sommeil Santé SAS",
    "Minimal: possible tiredness while adjusting routines. Participants may stop at any time.": (
        "Minimes : une fatigue possible le temps d’ajuster ses habitudes. Chacun peut arrêter à tout moment."
    ),
    "Self-reported sleep hours and usability scores, to measure the outcome; no location.": (
        "Les heures de sommeil déclarées et les scores d’utilisabilité, pour mesurer le critère principal ; aucune "
        "localisation."
    ),
    "Works night or rotating shifts": "Travaille de nuit ou en horaires alternés",
    "Lives in Nantes Métropole": "Habite Nantes Métropole",
    "Before the coaching": "Avant le coaching",
    "After four weeks": "Après quatre semaines",
    "You are invited to take part in the pilot “Sleep coaching app for shift workers”. Measure whether four weeks "
    "of app coaching increases self-reported sleep duration. Taking part is voluntary; you may withdraw at any "
    "time without giving a reason, and choose whether your answers are kept or erased. LivingLab knows you by a "
    "code: the startup never sees your name or email.": (
        "Vous êtes invité à participer au pilote « Application de coaching du sommeil pour les travailleurs "
        "postés ». Il mesure si quatre semaines de coaching par l’application allongent la durée de sommeil "
        "déclarée. La participation est volontaire ; vous pouvez vous retirer à tout moment sans donner de raison, "
        "et choisir si vos réponses sont conservées ou effacées. LivingLab vous connaît par un code : la startup "
        "ne voit jamais votre nom ni votre adresse e-mail."
    ),
    "I have read and understood the information about this pilot.": (
        "J’ai lu et compris les informations sur ce pilote."
    ),
    "I agree that my answers are used, under a pseudonym, for this pilot.": (
        "J’accepte que mes réponses soient utilisées, sous un pseudonyme, pour ce pilote."
    ),
    "I agree to be contacted about future pilots.": "J’accepte d’être contacté pour de futurs pilotes.",
    "On average, how many hours did you sleep per night last week?": (
        "En moyenne, combien d’heures avez-vous dormi par nuit la semaine dernière ?"
    ),
    "h": "h",
    "Anything else you would like to tell us?": "Autre chose que vous aimeriez nous dire ?",
}


def translate(owner, study) -> None:
    """Give a study that declares French besides English the French of every text this demo knows."""
    if list(study.languages or [])[:2] != ["en", "fr"]:
        return
    record = pilot_languages.record_of(study)
    texts = {
        src.path: {"text": FRENCH[src.text], "source": pilot_languages.fingerprint(src.text)}
        for src in pilot_languages.sources(record)
        if src.text in FRENCH
    }
    services.update_study(owner, study, {"translations": {"fr": texts}})
