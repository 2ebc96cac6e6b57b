"""The French regulatory frame of a pilot, as tables: the qualification questionnaire and the decision it
supports (which category of research, which CNIL route, whether a CPP opinion is needed), and the pairs of
category and CNIL route that are consistent. Pure: values in, values out; no database, no request.

The law, as this module applies it (Code de la santé publique, CSP; loi Informatique et Libertés):

- L. 1121-1 CSP: research organised and carried out on people to develop biological or medical knowledge
  is research involving the human person (RIPH): 1° interventional (an intervention not justified by usual
  care), 2° interventional with only minimal risks and constraints (a list fixed by ministerial order),
  3° non-interventional (every act and product used as usual).
- R. 1121-1 II CSP (décret 2017-884): are not RIPH, hence outside the Jardé law: 1° research on healthy or
  sick people without those aims that a) evaluates what a cosmetic product does (clean, perfume...), b) is a
  consumer satisfaction survey on cosmetic or food products, c) is any other satisfaction survey of patients,
  d) is an experiment in the human and social sciences in the field of health; 2° the evaluation of
  professional or teaching practices; 3° research on existing data only (research "not involving the
  person", under the CNIL's MR-004 or an authorisation).
- L. 1121-16-2 CSP and its ministerial order of 3 May 2017: RIPH 3 on cosmetic or food products that only
  consist of interviews or questionnaires asking people how they perceive the efficacy or the tolerance of
  the products need no favourable CPP opinion and no entry in a public register.
- L. 1123-6 CSP: every other RIPH needs a favourable opinion of a CPP before it starts.
- L. 1122-1-1 CSP: RIPH 1 needs free, informed consent in writing; RIPH 2 free, informed and express consent
  (explicit, recorded, not necessarily signed); RIPH 3 needs that the person, informed, does not object.
  Research not involving the person (MR-004) and research outside the Jardé law are under the GDPR: people
  are informed (art. 13 and 14) and may object (art. 21), unless the processing rests on their consent (art.
  6(1)(a), or explicit consent to health data, art. 9(2)(a)), which must then be given expressly (art. 7).
- CNIL reference methodologies: MR-001 for RIPH needing consent (RIPH 1 and 2), MR-003 for RIPH 3
  (information and right to object), MR-004 for research not involving the person; a study that cannot
  comply with its methodology asks the CNIL for an authorisation. Outside the Jardé law, the GDPR alone
  applies (no methodology is required).
"""

from dataclasses import dataclass, field
from typing import Any

from flask_babel import LazyString
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from .enums import CnilFramework as M
from .enums import ConsentMode, HealthDataException, LegalBasis
from .enums import ResearchCategory as C

# The questionnaire: each question's key, its plain-language text, and its answers (yes/no when not given)


@dataclass(frozen=True)
class Question:
    key: str
    text: Any
    help: Any = None
    options: dict = field(default_factory=dict)  # answer → label; empty: a yes/no question

    @property
    def yes_no(self) -> bool:
        return not self.options


PURPOSES = {
    "health_knowledge": _l(
        "To learn something about health or the body, or about how well and how safely a product, a programme "
        "or an app works on health"
    ),
    "satisfaction": _l(
        "To find out whether people like a product or a service, or find it easy to use (a satisfaction or "
        "usability survey)"
    ),
    "human_sciences": _l(
        "A study in the human and social sciences about health (habits, opinions, living with an illness), "
        "not about medical knowledge"
    ),
}

QUESTIONS = (
    Question("purpose", _l("What is the pilot for?"), options=PURPOSES),
    Question(
        "existing_data_only",
        _l("Does the pilot only reuse data that already exist, without asking people anything new?"),
    ),
    Question(
        "device_outside_ce",
        _l("Is a medical device used outside the purpose of its CE marking, or without a CE marking?"),
        _l("Apps that diagnose, monitor or treat can be medical devices. Answer no when there is none."),
    ),
    Question(
        "beyond_usual_practice",
        _l(
            "Apart from questionnaires and interviews, does taking part add something people would not do or "
            "get anyway (a product to use or eat, a diet, a test, a sample, an exercise programme)?"
        ),
    ),
    Question(
        "minimal_risk",
        _l("Is everything it adds on the official list of minimal risks and constraints?"),
        _l("The list fixed by ministerial order under L. 1121-1 2° CSP; ask the living lab when unsure."),
    ),
    Question(
        "product_questionnaire",
        _l(
            "Is it only questionnaires or interviews asking people how they perceive the efficacy or the "
            "tolerance of a food or cosmetic product?"
        ),
    ),
)
QUESTION_KEYS = tuple(q.key for q in QUESTIONS)
ANSWERS = {q.key: (tuple(q.options) if q.options else (True, False)) for q in QUESTIONS}


# The decision: the first rule whose conditions the answers meet proposes the category


@dataclass(frozen=True)
class Rule:
    when: dict  # question key → the answer it needs
    category: C
    reason: Any
    law: Any  # the article, a string (translated where it has words)
    cpp_exempt: bool = False


RULES = (
    Rule(
        {"device_outside_ce": True},
        C.RIPH1,
        _l("A medical device used outside its CE purpose is a clinical investigation: interventional research."),
        "L. 1121-1 1° CSP",
    ),
    Rule(
        {"purpose": "satisfaction"},
        C.OUTSIDE_JARDE,
        _l("A satisfaction or usability survey does not aim at medical knowledge: it is outside the Jardé law."),
        _l("R. 1121-1 II 1° b) and c) CSP"),
    ),
    Rule(
        {"purpose": "human_sciences"},
        C.OUTSIDE_JARDE,
        _l("An experiment in the human and social sciences in the field of health is outside the Jardé law."),
        "R. 1121-1 II 1° d) CSP",
    ),
    Rule(
        {"existing_data_only": True},
        C.NOT_RIPH,
        _l("Research on existing data only does not involve the person."),
        "R. 1121-1 II 3° CSP",
    ),
    Rule(
        {"beyond_usual_practice": True, "minimal_risk": False},
        C.RIPH1,
        _l("An intervention beyond usual practice that is not on the list of minimal risks: interventional research."),
        "L. 1121-1 1° CSP",
    ),
    Rule(
        {"beyond_usual_practice": True, "minimal_risk": True},
        C.RIPH2,
        _l("An intervention with minimal risks and constraints only."),
        "L. 1121-1 2° CSP",
    ),
    Rule(
        {"product_questionnaire": True},
        C.RIPH3,
        _l(
            "Non-interventional research made only of questionnaires on how a food or cosmetic product is "
            "perceived: no CPP opinion is needed."
        ),
        _l("L. 1121-1 3° and L. 1121-16-2 CSP, order of 3 May 2017"),
        cpp_exempt=True,
    ),
    Rule(
        {},
        C.RIPH3,
        _l("Non-interventional research: every act and product as usual, with questionnaires."),
        "L. 1121-1 3° CSP",
    ),
)

# The CNIL routes each category allows, the expected one first (the questionnaire proposes it).
ROUTES: dict[C, tuple[M, ...]] = {
    C.RIPH1: (M.MR001, M.AUTHORISATION),
    C.RIPH2: (M.MR001, M.AUTHORISATION),
    C.RIPH3: (M.MR003, M.AUTHORISATION),
    C.NOT_RIPH: (M.MR004, M.AUTHORISATION),
    # No methodology is required; one may still apply (health data reused for a study in health: MR-004).
    C.OUTSIDE_JARDE: (M.NONE, M.MR004, M.AUTHORISATION),
}
# Whether the category needs a favourable CPP opinion (L. 1123-6 CSP), unless exempt (L. 1121-16-2 CSP)
NEEDS_CPP = {C.RIPH1: True, C.RIPH2: True, C.RIPH3: True, C.NOT_RIPH: False, C.OUTSIDE_JARDE: False}
# Whether a CNIL route must be chosen for submission (outside the Jardé law, "none" is the default)
NEEDS_ROUTE = {C.RIPH1: True, C.RIPH2: True, C.RIPH3: True, C.NOT_RIPH: True, C.OUTSIDE_JARDE: False}

CATEGORY_NAMES: dict[C, LazyString] = {
    C.RIPH1: _l("RIPH 1"),
    C.RIPH2: _l("RIPH 2"),
    C.RIPH3: _l("RIPH 3"),
    C.NOT_RIPH: _l("research not involving the person"),
    C.OUTSIDE_JARDE: _l("research outside the Jardé law"),
}
ROUTE_NAMES: dict[M, LazyString] = {
    M.MR001: _l("MR-001"),
    M.MR003: _l("MR-003"),
    M.MR004: _l("MR-004"),
    M.AUTHORISATION: _l("a CNIL authorisation"),
    M.NONE: _l("no methodology (the GDPR only)"),
}


@dataclass(frozen=True)
class Outcome:
    """What the questionnaire proposes, or which questions it still needs (`unanswered`)."""

    category: C | None = None
    cnil_framework: M | None = None
    reason: Any = None
    law: Any = ""
    cpp_required: bool = False
    unanswered: tuple[str, ...] = ()

    @property
    def decided(self) -> bool:
        return self.category is not None


def blank() -> dict:
    """The answers of a questionnaire nobody has filled in."""
    return dict.fromkeys(QUESTION_KEYS)


def qualify(answers: dict | None) -> Outcome:
    """The first rule the answers meet. A rule whose conditions are met as far as answered, but that needs
    an unanswered question, stops the decision: the outcome names the questions to answer."""
    answers = answers or {}
    for rule in RULES:
        if any(answers.get(key) is not None and answers.get(key) != want for key, want in rule.when.items()):
            continue  # an answer rules it out
        missing = tuple(key for key in rule.when if answers.get(key) is None)
        if missing:
            return Outcome(unanswered=missing)
        return Outcome(
            category=rule.category,
            cnil_framework=ROUTES[rule.category][0],
            reason=rule.reason,
            law=rule.law,
            cpp_required=NEEDS_CPP[rule.category] and not rule.cpp_exempt,
        )
    raise AssertionError("the last rule matches every answer")  # pragma: no cover


def route_problem(category, framework) -> str | None:
    """Why this CNIL route does not fit this category, or None (also when either is not chosen yet)."""
    if category is None or framework is None:
        return None
    category, framework = C(category), M(framework)
    allowed = ROUTES[category]
    if framework in allowed:
        return None
    names = [str(ROUTE_NAMES[r]) for r in allowed]
    return _(
        "The CNIL route of %(category)s is %(routes)s, not %(route)s.",
        category=CATEGORY_NAMES[category],
        routes=_("%(first)s or %(last)s", first=", ".join(names[:-1]), last=names[-1]),
        route=ROUTE_NAMES[framework],
    )


def cpp_required(category, answers: dict | None) -> bool:
    """Whether the law asks for a favourable CPP opinion: RIPH 1, 2 and 3, except RIPH 3 made only of
    questionnaires on how a food or cosmetic product is perceived (L. 1121-16-2 CSP)."""
    if category is None:
        return False
    category = C(category)
    if category == C.RIPH3 and (answers or {}).get("product_questionnaire") is True:
        return False
    return NEEDS_CPP[category]


def route_required(category) -> bool:
    """Whether a CNIL route must be chosen: always, except outside the Jardé law (the GDPR alone)."""
    return category is None or NEEDS_ROUTE[C(category)]


def overridden(category, framework, answers: dict | None) -> list[str]:
    """The choices that differ from what the questionnaire proposes: "research_category", "cnil_framework"."""
    outcome = qualify(answers)
    if not outcome.decided:
        return []
    out = []
    if category is not None and C(category) != outcome.category:
        out.append("research_category")
    expected = outcome.cnil_framework if category is None or C(category) == outcome.category else None
    if expected is None and category is not None:
        expected = ROUTES[C(category)][0]
    if framework is not None and M(framework) != expected:
        out.append("cnil_framework")
    return out


def follow(current: dict, sent: dict, old_answers: dict | None, new_answers: dict | None) -> dict:
    """The category and route the questionnaire fills in: when the answers change, each of the two that
    was not chosen by hand (empty, or what the former answers proposed) and is not sent with another value
    takes what the new answers propose. `current`: the stored values; `sent`: the values sent."""
    new = qualify(new_answers)
    if not new.decided:
        return {}
    old = qualify(old_answers)
    out = {}
    for name, before, proposed in (
        ("research_category", old.category, new.category),
        ("cnil_framework", old.cnil_framework, new.cnil_framework),
    ):
        stored = current.get(name)
        if sent.get(name, stored) == stored and (stored is None or stored == before):
            out[name] = proposed
    return out


def answer_label(question: Question, answer) -> Any:
    """An answer in words; None when not answered."""
    if answer is None:
        return None
    if question.yes_no:
        return _l("Yes") if answer else _l("No")
    return question.options.get(answer, answer)


def summary(answers: dict | None, category, framework) -> dict:
    """What the pages show of the questionnaire: each question with its answer in words, the proposal,
    and which choices differ from it."""
    answers = answers or {}
    outcome = qualify(answers)
    return {
        "answers": [(q, answer_label(q, answers.get(q.key))) for q in QUESTIONS],
        "outcome": outcome,
        "unanswered": [q for q in QUESTIONS if q.key in outcome.unanswered],
        "category": CATEGORY_NAMES.get(outcome.category) if outcome.decided else None,  # type: ignore[arg-type]
        "route": ROUTE_NAMES.get(outcome.cnil_framework) if outcome.decided else None,  # type: ignore[arg-type]
        "overridden": overridden(category, framework, answers),
        "cpp_required": cpp_required(category, answers),
    }


def outcome_dict(answers: dict | None) -> dict:
    """The questionnaire's outcome as the API serves it (read-only; not part of the registration hash)."""
    outcome = qualify(answers)
    return {
        "category": str(outcome.category) if outcome.category else None,
        "cnil_framework": str(outcome.cnil_framework) if outcome.cnil_framework else None,
        "cpp_required": outcome.cpp_required,
        "reason": str(outcome.reason) if outcome.reason else None,
        "law": str(outcome.law) if outcome.law else None,
        "unanswered": list(outcome.unanswered),
    }


# --- Consent mode: how a participant agrees, by category (L. 1122-1-1 CSP; GDPR art. 6, 7, 9, 21) ----------

CONSENT_MODES: dict[C, ConsentMode] = {
    C.RIPH1: ConsentMode.WRITTEN,  # L. 1122-1-1 1°: in writing
    C.RIPH2: ConsentMode.EXPRESS,  # L. 1122-1-1 2°: express
    C.RIPH3: ConsentMode.INFORMATION,  # L. 1122-1-1 3°: informed, not objecting (MR-003)
    C.NOT_RIPH: ConsentMode.INFORMATION,  # existing data: informed, right to object (MR-004, GDPR art. 14, 21)
    C.OUTSIDE_JARDE: ConsentMode.INFORMATION,  # the GDPR alone: informed, right to object (art. 13, 21)
}
# Outside the Jardé law and for research not involving the person, the GDPR decides: a processing that rests
# on the person's consent (art. 6(1)(a)) or on explicit consent to health data (art. 9(2)(a)) needs express
# consent (art. 7); any other legal basis (legitimate interests, public task...) information and a right to object.
GDPR_CATEGORIES = (C.NOT_RIPH, C.OUTSIDE_JARDE)
# Until a category is chosen, the strictest mode: a signature.
DEFAULT_MODE = ConsentMode.WRITTEN

MODE_NAMES: dict[ConsentMode, LazyString] = {
    ConsentMode.WRITTEN: _l("written consent (signed)"),
    ConsentMode.EXPRESS: _l("express consent (explicit, recorded agreement)"),
    ConsentMode.INFORMATION: _l("information with a right to object"),
}
MODE_LAW: dict[ConsentMode, LazyString] = {
    ConsentMode.WRITTEN: _l("L. 1122-1-1 1° CSP: consent given in writing"),
    ConsentMode.EXPRESS: _l("L. 1122-1-1 2° CSP, or GDPR art. 6(1)(a) and 7: express consent"),
    ConsentMode.INFORMATION: _l("L. 1122-1-1 3° CSP, or GDPR art. 13, 14 and 21: information and the right to object"),
}


def consent_mode(category, legal_basis=None, health_data_exception=None) -> ConsentMode:
    """The consent mode of a pilot: its category's, except that a pilot under the GDPR alone (outside the
    Jardé law, or not involving the person) whose processing rests on consent asks for express consent."""
    if category is None:
        return DEFAULT_MODE
    category = C(category)
    if category in GDPR_CATEGORIES and (
        legal_basis == LegalBasis.CONSENT or health_data_exception == HealthDataException.EXPLICIT_CONSENT
    ):
        return ConsentMode.EXPRESS
    return CONSENT_MODES[category]


# From the lightest to the strictest: a pilot whose mode becomes stricter asks its participants again.
MODE_STRENGTH = {ConsentMode.INFORMATION: 1, ConsentMode.EXPRESS: 2, ConsentMode.WRITTEN: 3}


def stricter(new: ConsentMode, old: ConsentMode) -> bool:
    """Whether consent given in mode `old` falls short of what mode `new` asks."""
    return MODE_STRENGTH[ConsentMode(new)] > MODE_STRENGTH[ConsentMode(old)]


def mode_of(study) -> ConsentMode:
    """The consent mode that applies to this study now (its category and GDPR legal basis)."""
    return consent_mode(
        study.research_category,
        getattr(study, "legal_basis", None),
        getattr(study, "health_data_exception", None),
    )
