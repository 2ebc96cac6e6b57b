"""The newcomer's mail: LIVINGLAB_MAIL_URL=local runs our SMTP catcher, which keeps each message as a
.eml file (once per Message-ID), and /dev/mailbox shows them, only when LIVINGLAB_MAILBOX is on."""

import smtplib
from email.message import EmailMessage

import pytest

from livinglab.extensions import db
from livinglab.notifications import catcher, notify
from livinglab.notifications.transport import MailConfigError, parse_mail_url


@pytest.fixture
def local_mail(app, monkeypatch, tmp_path):
    monkeypatch.setitem(app.config, "MAIL_URL", "local")
    monkeypatch.setitem(app.config, "MAIL_DIR", str(tmp_path / "mail"))
    monkeypatch.setitem(app.config, "MAILBOX", True)
    monkeypatch.setitem(app.config, "BASE_URL", "http://127.0.0.1:5000")
    return tmp_path / "mail"


def test_local_mode_stores_each_message_and_the_mailbox_shows_it(local_mail, run_worker, verified_user, client):
    person = verified_user("participant", locale="fr")
    notify.password_reset(person, "/account/reset?token=abc")
    db.session.commit()

    assert run_worker().mail.sent == 1

    [stored] = list(local_mail.glob("*.eml"))
    listing = client.get("/dev/mailbox").get_data(as_text=True)
    assert "Réinitialisez votre mot de passe LivingLab" in listing and person.email in listing
    page = client.get(f"/dev/mailbox/{stored.name}")
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert "http://127.0.0.1:5000/account/reset?token=abc" in body and "Message-ID" in body
    html = client.get(f"/dev/mailbox/{stored.name}/html")
    assert html.status_code == 200 and html.mimetype == "text/html"
    assert "default-src 'none'" in html.headers["Content-Security-Policy"]
    assert "script-src" not in html.headers["Content-Security-Policy"]
    assert html.headers["X-Frame-Options"] == "SAMEORIGIN" and '<base target="_top">' in html.get_data(as_text=True)


@pytest.mark.parametrize(
    "name", ["../secret_key", "..%2Fsecret_key", "x.eml", "0" * 40 + ".txt", "A" * 40 + ".eml", "0" * 40 + ".eml"]
)
def test_only_stored_messages_can_be_read(local_mail, client, name):
    assert client.get(f"/dev/mailbox/{name}").status_code == 404
    assert client.get(f"/dev/mailbox/{name}/html").status_code == 404


def test_the_mailbox_does_not_exist_unless_switched_on(app, client, monkeypatch):
    for value in (None, False, "false", "0"):
        monkeypatch.setitem(app.config, "MAILBOX", value)
        assert client.get("/dev/mailbox").status_code == 404
        assert client.get("/dev/mailbox/" + "0" * 40 + ".eml").status_code == 404


def test_the_catcher_keeps_one_copy_per_message_id(tmp_path):
    server = catcher.start(tmp_path, log_ids=True)
    try:
        message = EmailMessage()
        message["From"], message["To"], message["Subject"] = "a@example.org", "b@example.org", "Hi"
        message["Message-ID"] = "<same@livinglab.test>"
        message.set_content("hello")
        with smtplib.SMTP(server.hostname, server.port) as smtp:
            smtp.send_message(message)
            smtp.send_message(message)  # a resend after a crash
    finally:
        server.stop()
    assert len(list(tmp_path.glob("*.eml"))) == 1
    assert len((tmp_path / "received.log").read_text().split()) == 2
    assert len((tmp_path / "duplicates.log").read_text().split()) == 1


@pytest.mark.parametrize(
    "url, expected",
    [
        ("smtp://mail.example.org", ("smtp", "mail.example.org", 25, None, None, False)),
        ("smtp://user:p%40ss@mail.example.org:587?starttls=1", ("smtp", "mail.example.org", 587, "user", "p@ss", True)),
        ("smtps://user:pw@mail.example.org", ("smtps", "mail.example.org", 465, "user", "pw", False)),
        ("smtp://127.0.0.1:1025?starttls=false", ("smtp", "127.0.0.1", 1025, None, None, False)),
        ("local", ("local", "127.0.0.1", 25, None, None, False)),
    ],
)
def test_mail_urls_are_read(url, expected):
    parsed = parse_mail_url(url)
    assert (parsed.scheme, parsed.host, parsed.port, parsed.username, parsed.password, parsed.starttls) == expected
    assert parsed.password is None or parsed.password not in parsed.safe()


@pytest.mark.parametrize(
    "url",
    [
        None,
        "",
        "http://mail.example.org",
        "smtp://",
        "smtp://host:notaport",
        "smtps://host?starttls=1",
        "smtp://host?timeout=soon",
    ],
)
def test_bad_mail_urls_are_refused_clearly(url):
    with pytest.raises(MailConfigError):
        parse_mail_url(url)
