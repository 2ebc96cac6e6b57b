"""WCAG 2.1 AA: axe-core on every main page, in English and French, at desktop and phone sizes.

axe-core comes from the npm registry (`npm ci` at the repository root, which test.sh and .ci/run do)
and is injected into each page with Playwright. The app's Content-Security-Policy allows no inline
script, so these tabs bypass it (`bypass_csp=True`): this test checks accessibility, the other
browser tests check the policy. Every violation is printed with its rule and nodes; serious and
critical ones fail the test. A table of pages × language × size is printed at the end of the module
and saved, with every violation's nodes, in test-artifacts/accessibility.txt.
"""

from dataclasses import dataclass
from pathlib import Path

import pytest

from livinglab.demo import populate
from livinglab.extensions import db
from livinglab.participants import services
from tests.browser.conftest import DESKTOP, PHONE

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]
BLOCKING = ("serious", "critical")
PASSWORD = "correct-horse-battery"  # tests/conftest.py's make_user
SIZES = {
    "desktop": {"viewport": DESKTOP},
    "phone": {"viewport": PHONE, "device_scale_factor": 2, "is_mobile": True, "has_touch": True},
}
LOCALES = {"en": "en-GB", "fr": "fr-FR"}

# (page, language, size) -> the violations axe found there: filled by the test, printed at the end.
FOUND: dict[tuple[str, str, str], list[dict]] = {}
DETAILS: list[str] = []  # every violation with its nodes, for test-artifacts/accessibility.txt


@dataclass
class Site:
    """The pages to visit and who visits them: role -> [(page name, path)]."""

    pages: dict[str, list[tuple[str, str]]]
    users: dict[str, object]


@pytest.fixture
def site(make_study, make_user, startup, coordinator):
    """A recruiting pilot with a few participants, a draft and a submitted study, and a person of each role."""
    pilot = make_study("recruiting")
    populate(pilot, count=6, seed=7)  # numbers on the progress and results pages
    enrolled = make_user("participant", name="Camille Martin")
    consent = pilot.current_consent
    services.enrol(
        enrolled,
        pilot,
        consent_version=consent.version,
        clauses={c["key"]: True for c in consent.clauses},
        signature=enrolled.name,
        age=34,
        criteria_confirmed=True,
    )
    services.submit_response(enrolled, pilot, "baseline", {"sleep_hours": 6.5, **{f"who_{i}": 3 for i in range(1, 6)}})
    newcomer = make_user("participant", name="Dominique Lefèvre")
    leaver = make_user("participant", name="Lou Martin")  # left keeping the answers: may still erase them
    services.enrol(
        leaver,
        pilot,
        consent_version=consent.version,
        clauses={c["key"]: True for c in consent.clauses},
        signature=leaver.name,
        age=40,
        criteria_confirmed=True,
    )
    services.submit_response(leaver, pilot, "baseline", {"sleep_hours": 7, **{f"who_{i}": 2 for i in range(1, 6)}})
    services.withdraw(leaver, pilot, False)
    draft = make_study("draft")
    submitted = make_study("submitted")
    db.session.commit()
    survey = draft.surveys[0]
    p, d = pilot.id, draft.id
    pages = {
        "anonymous": [
            ("home", "/"),
            ("sign-in", "/account/signin"),
            ("register", "/account/register"),
            ("catalogue", "/pilots/"),
            ("pilot page", f"/pilots/{p}"),
            ("privacy", "/privacy"),
            ("error 404", "/no-such-page"),
        ],
        "newcomer": [("eligibility", f"/pilots/{p}/eligibility"), ("consent (join)", f"/pilots/{p}/join")],
        "participant": [
            ("participant dashboard", "/dashboard"),
            ("survey form", f"/pilots/{p}/surveys/follow_up"),
            ("my answers", f"/pilots/{p}/answers"),
            ("signed consent", f"/pilots/{p}/consent"),
            ("my data", "/pilots/my-data"),
            ("withdraw", f"/pilots/{p}/withdraw"),
        ],
        "startup": [
            ("startup dashboard", "/studies/"),
            ("study page", f"/studies/{p}"),
            ("protocol editor", f"/studies/{d}/edit"),
            ("consent editor", f"/studies/{d}/consent"),
            ("survey builder", f"/studies/{d}/surveys/{survey.id}"),
            ("survey preview", f"/studies/{d}/surveys/{survey.id}/preview"),
            ("recruitment progress", f"/studies/{p}/participants"),
            ("results", f"/studies/{p}/results"),
            ("account", "/account/"),
            ("organisation", "/account/organisation"),
        ],
        "leaver": [("erase kept answers", f"/pilots/{p}/withdraw")],
        "coordinator": [
            ("coordinator overview", "/studies/all"),
            ("review queue", "/studies/queue"),
            ("review page", f"/studies/{submitted.id}/review"),
            ("audit trail", "/audit"),
            ("observatory", "/observatory"),
        ],
    }
    users = {
        "newcomer": newcomer,
        "participant": enrolled,
        "leaver": leaver,
        "startup": startup,
        "coordinator": coordinator,
    }
    return Site(pages, users)


@pytest.fixture(scope="module")
def summary(request):
    """Prints the table of every page scanned, whatever the outcome, once the module is done."""
    yield FOUND
    if not FOUND:
        return
    table = summary_table(FOUND)
    folder = request.config.rootpath / "test-artifacts"
    folder.mkdir(exist_ok=True)
    (folder / "accessibility.txt").write_text("\n\n".join([table, *DETAILS]) + "\n", encoding="utf-8")
    capture = request.config.pluginmanager.get_plugin("capturemanager")
    with capture.global_and_fixture_disabled():  # shown whether the test passed or failed
        print("\n" + table)


def summary_table(found: dict) -> str:
    columns = [(lang, size) for lang in LOCALES for size in SIZES]
    pages = list(dict.fromkeys(page for page, _lang, _size in found))
    header = ["page"] + [f"{lang} {size}" for lang, size in columns]
    rows = []
    for page in pages:
        row = [page]
        for lang, size in columns:
            violations = found.get((page, lang, size))
            row.append("-" if violations is None else cell(violations))
        rows.append(row)
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    lines = ["axe-core " + " ".join(AXE_TAGS) + ": serious+critical / all violations (rule ids of the blocking ones)"]
    for row in [header, ["-" * w for w in widths], *rows]:
        lines.append("  ".join(text.ljust(width) for text, width in zip(row, widths, strict=True)).rstrip())
    return "\n".join(lines)


def cell(violations: list[dict]) -> str:
    blocking = [v for v in violations if v["impact"] in BLOCKING]
    text = f"{len(blocking)}/{len(violations)}"
    if blocking:
        text += " " + ",".join(sorted({v["id"] for v in blocking}))
    return text


def describe(violation: dict) -> str:
    lines = [f"  [{violation['impact']}] {violation['id']}: {violation['help']} ({len(violation['nodes'])} nodes)"]
    for node in violation["nodes"][:5]:
        summary = " | ".join(node["failureSummary"].splitlines()[1:3]).strip()
        lines.append(f"      {' '.join(node['target'])}  {node['html'][:120]}  -- {summary[:200]}")
    if len(violation["nodes"]) > 5:
        lines.append(f"      ... and {len(violation['nodes']) - 5} more")
    return "\n".join(lines)


def sign_in(tab, user):
    tab.goto("/account/signin")
    tab.locator("#email").fill(user.email)
    tab.locator("#password").fill(PASSWORD)
    with tab.expect_navigation():
        tab.locator("main form button[type=submit]").click()
    assert "/account/signin" not in tab.url, f"{user.email} could not sign in"


def pass_eligibility(tab, study_path):
    """The consent page opens only after the eligibility form said yes."""
    tab.locator("#age").fill("34")
    for radio in tab.locator("input[type=radio][id^=criterion_][id$='-0']").all():
        radio.check()
    with tab.expect_navigation():
        tab.locator("main form button[type=submit]").click()
    assert tab.url.endswith(f"{study_path}/join"), tab.url


def start_axe(tab) -> None:
    """Inject axe-core and start it without waiting, so the four tabs' renderers check at once."""
    tab.add_script_tag(path=str(AXE))
    tab.evaluate(
        "tags => { window.__axe = axe.run(document, "
        "{runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']}); }",
        AXE_TAGS,
    )


def axe_violations(tab) -> list[dict]:
    result = tab.evaluate("() => window.__axe")
    return [
        {
            "id": v["id"],
            "impact": v["impact"],
            "help": v["help"],
            "nodes": [
                {
                    "target": [str(t) for t in n["target"]],
                    "html": n["html"],
                    "failureSummary": n.get("failureSummary") or "",
                }
                for n in v["nodes"]
            ],
        }
        for v in result["violations"]
    ]


def server_errors(live_server, since: int) -> list[str]:
    """The live app's logged errors, with the exception that caused each."""
    return [
        f"server: {r.getMessage()}: {r.exc_info[1]!r}" if r.exc_info else f"server: {r.getMessage()}"
        for r in live_server.errors.records[since:]
    ]


def open_tab(browser, live_server, lang, size, storage_state=None):
    context = browser.new_context(
        base_url=live_server.url,
        locale=LOCALES[lang],
        timezone_id="Europe/Paris",
        bypass_csp=True,
        storage_state=storage_state,
        **SIZES[size],
    )
    context.set_default_timeout(15_000)
    return context.new_page()


def test_every_main_page_has_no_serious_accessibility_violation(browser, live_server, site, summary):
    """Each page in four tabs (en/fr × desktop/phone), one context per role and variant."""
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: run `npm ci` at the repository root (test.sh does)", pytrace=False)
    errors_before = len(live_server.errors.records)
    blocking = []
    for role, pages in site.pages.items():
        signed_in = None  # one sign-in per role; the other tabs get its session cookie
        if role != "anonymous":
            first = open_tab(browser, live_server, "en", "desktop")
            sign_in(first, site.users[role])
            signed_in = first.context.storage_state()
            first.context.close()
        tabs = {
            (lang, size): open_tab(browser, live_server, lang, size, signed_in) for lang in LOCALES for size in SIZES
        }
        try:
            for name, path in pages:
                scanned = []
                for (lang, size), tab in tabs.items():
                    response = tab.goto(path)
                    expected = 404 if name == "error 404" else 200  # any other answer fails: a 404 page is not the page
                    assert response.status == expected, f"{name}: GET {path} answered {response.status}\n" + "\n".join(
                        server_errors(live_server, errors_before)
                    )
                    assert tab.locator("html").get_attribute("lang") == lang, f"{name} is not in {lang}"
                    start_axe(tab)
                    scanned.append((lang, size))
                for lang, size in scanned:
                    tab = tabs[(lang, size)]
                    violations = FOUND[(name, lang, size)] = axe_violations(tab)
                    if violations:
                        DETAILS.append(f"{name} ({path}, {lang}, {size}):\n" + "\n".join(map(describe, violations)))
                    blocking += [
                        f"{name} ({lang}, {size}): {v['id']} ({v['impact']})"
                        for v in violations
                        if v["impact"] in BLOCKING
                    ]
                    if name == "eligibility":
                        pass_eligibility(tab, f"/pilots/{path.split('/')[2]}")
        finally:
            for tab in tabs.values():
                tab.context.close()
    if DETAILS:
        print("\naxe-core violations:\n" + "\n".join(DETAILS))
    errors = server_errors(live_server, errors_before)
    assert not errors, "\n".join(errors)
    assert not blocking, "serious or critical accessibility violations:\n" + "\n".join(blocking)
