"""Lock-out is no weapon: failures slow down the (account, address) they come from, with growing delays
held in the database; the owner from another address signs in (issue 8, item 5).

The attack reproduced: five wrong passwords from anywhere locked any account, coordinators included,
for 15 minutes, again and again."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from livinglab import create_app
from livinglab.audit import AuditRecord
from livinglab.auth import models
from livinglab.extensions import db
from livinglab.timeutil import aware, utcnow
from tests.conftest import PASSWORD

ATTACKER, OWNER = "203.0.113.9", "198.51.100.7"
FREE_FAILURES = 4  # failures in a row an address may make before it waits (README, Security)


def sign_in(client, user, password, address):
    return client.post(
        "/account/signin", data={"email": user.email, "password": password}, environ_base={"REMOTE_ADDR": address}
    )


def flashes(response) -> list[str]:
    return re.findall(r'<p class="flash[^"]*"[^>]*>([^<]*)</p>', response.get_data(as_text=True))


def token_request(client, user, password, address):
    return client.post(
        "/api/v1/auth/tokens", json={"email": user.email, "password": password}, environ_base={"REMOTE_ADDR": address}
    )


@pytest.mark.parametrize("role", ["coordinator", "startup", "participant"])
def test_the_owner_signs_in_from_another_address_while_an_attacker_fails(app, make_user, role):
    user = make_user(role)
    attacker, owner = app.test_client(), app.test_client()
    for _ in range(20):
        sign_in(attacker, user, "wrong-password-123", ATTACKER)
    assert sign_in(owner, user, PASSWORD, OWNER).status_code == 302
    assert owner.get("/account/").status_code == 200


def test_the_api_owner_gets_a_token_from_another_address_while_an_attacker_fails(client, startup):
    for _ in range(20):
        token_request(client, startup, "wrong-password-123", ATTACKER)
    assert token_request(client, startup, PASSWORD, OWNER).status_code == 201


def test_after_a_few_failures_the_address_waits_and_the_right_password_gets_the_same_answer(client, startup):
    wrong = [sign_in(client, startup, "wrong-password-123", ATTACKER) for _ in range(FREE_FAILURES + 1)]
    refused = sign_in(client, startup, PASSWORD, ATTACKER)
    assert refused.status_code == wrong[-1].status_code == 200
    assert flashes(refused) == flashes(wrong[-1]) == flashes(wrong[0])  # a delay looks like a wrong password
    assert "The email or the password is wrong" in flashes(refused)[0]
    unknown = client.post(
        "/account/signin",
        data={"email": "nobody@example.org", "password": PASSWORD},
        environ_base={"REMOTE_ADDR": ATTACKER},
    )
    assert flashes(unknown) == flashes(refused)
    assert client.get("/account/").status_code == 302


def test_the_api_answers_a_waiting_address_as_a_wrong_password(client, startup):
    for _ in range(FREE_FAILURES + 1):
        wrong = token_request(client, startup, "wrong-password-123", ATTACKER)
    refused = token_request(client, startup, PASSWORD, ATTACKER)
    assert refused.status_code == wrong.status_code == 401
    assert refused.get_json() == wrong.get_json()
    assert refused.get_json()["error"]["code"] == "invalid_credentials"


def test_delays_grow_and_are_bounded():
    from livinglab.auth.throttle import delay_after

    assert [delay_after(n) for n in range(1, FREE_FAILURES + 1)] == [None] * FREE_FAILURES
    delays = [delay_after(n) for n in range(FREE_FAILURES + 1, FREE_FAILURES + 12)]
    assert delays[0] == timedelta(seconds=30)
    assert all(later >= earlier for earlier, later in zip(delays, delays[1:], strict=False))
    assert delays[1] == 2 * delays[0] and delays[-1] == timedelta(hours=1)
    assert delay_after(10_000) == timedelta(hours=1)


def throttle_row(user, address):
    db.session.expire_all()
    row = models.SigninThrottle
    return db.session.scalar(select(row).where(row.user_id == user.id, row.client == address))


def test_each_failure_after_the_wait_waits_longer(client, startup):
    for _ in range(FREE_FAILURES + 1):
        sign_in(client, startup, "wrong-password-123", ATTACKER)
    row = throttle_row(startup, ATTACKER)
    first_wait = aware(row.blocked_until) - aware(row.last_failure_at)
    row.blocked_until = utcnow() - timedelta(seconds=1)  # the wait is over
    db.session.commit()
    sign_in(client, startup, "wrong-password-123", ATTACKER)
    row = throttle_row(startup, ATTACKER)
    assert row.failures == FREE_FAILURES + 2
    assert aware(row.blocked_until) - aware(row.last_failure_at) == 2 * first_wait


def test_attempts_during_the_wait_are_not_even_checked(client, startup):
    for _ in range(FREE_FAILURES + 1):
        sign_in(client, startup, "wrong-password-123", ATTACKER)
    before = throttle_row(startup, ATTACKER).failures
    for _ in range(5):
        sign_in(client, startup, "wrong-password-123", ATTACKER)
    assert throttle_row(startup, ATTACKER).failures == before


def test_once_the_wait_is_over_the_right_password_signs_in_and_clears_the_count(client, startup):
    for _ in range(FREE_FAILURES + 1):
        sign_in(client, startup, "wrong-password-123", ATTACKER)
    throttle_row(startup, ATTACKER).blocked_until = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert sign_in(client, startup, PASSWORD, ATTACKER).status_code == 302
    assert throttle_row(startup, ATTACKER) is None


def test_a_day_without_failures_starts_the_count_afresh(client, startup):
    for _ in range(FREE_FAILURES):
        sign_in(client, startup, "wrong-password-123", ATTACKER)
    throttle_row(startup, ATTACKER).last_failure_at = utcnow() - timedelta(days=2)
    db.session.commit()
    sign_in(client, startup, "wrong-password-123", ATTACKER)
    row = throttle_row(startup, ATTACKER)
    assert row.failures == 1 and row.blocked_until is None


def test_the_count_is_held_in_the_database_for_every_worker(app, startup):
    """Two app instances (two workers) on the same database count the same failures."""
    other_app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "another-worker",
            "WTF_CSRF_ENABLED": False,
            "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
            "RATELIMIT_ENABLED": False,
            "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
        }
    )
    try:
        first, second = app.test_client(), other_app.test_client()
        for attempt in range(FREE_FAILURES + 1):
            sign_in(first if attempt % 2 else second, startup, "wrong-password-123", ATTACKER)
            db.session.remove()  # as each request of a real worker does at its end
        assert throttle_row(startup, ATTACKER).failures == FREE_FAILURES + 1
        assert "The email or the password is wrong" in sign_in(second, startup, PASSWORD, ATTACKER).get_data(
            as_text=True
        )
    finally:
        with other_app.app_context():
            db.engine.dispose()


def test_an_ipv6_client_is_counted_by_its_64_network(client, startup):
    for host in range(FREE_FAILURES + 1):
        sign_in(client, startup, "wrong-password-123", f"2001:db8:1:2::{host + 1:x}")
    assert sign_in(client, startup, PASSWORD, "2001:db8:1:2::ffff").status_code == 200  # same /64: waits
    assert sign_in(client, startup, PASSWORD, "2001:db8:1:3::1").status_code == 302  # another network


def test_waiting_is_audited_without_the_password(client, startup):
    for _ in range(FREE_FAILURES + 1):
        sign_in(client, startup, "wrong-password-123", ATTACKER)
    records = db.session.scalars(select(AuditRecord).where(AuditRecord.action == "account.signin_delayed")).all()
    assert len(records) == 1 and "wrong-password-123" not in str(records[0].details)
    assert (
        db.session.scalar(select(func.count()).select_from(AuditRecord).where(AuditRecord.action == "account.locked"))
        == 0
    )
