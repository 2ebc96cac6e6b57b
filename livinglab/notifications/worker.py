"""`flask --app livinglab worker`: runs the scheduler's due jobs, drains the outbox, posts webhook
events, and naps when there is nothing to do. `--once` does one full pass and exits (tests, cron).

Several workers may run at once, on one machine or many (PostgreSQL): rows are claimed with leases,
jobs with a conditional UPDATE, so each message is handled by one worker at a time."""

import logging
import os
import secrets
import signal
import socket
import threading
import time
from dataclasses import dataclass, field

from flask import current_app

from ..extensions import db
from ..timeutil import day_length
from . import scheduler
from .catcher import start as start_catcher
from .delivery import deliver_due
from .sender import Tally, send_due
from .settings import mail_dir, setting
from .transport import MailURL, SmtpConnection, parse_mail_url

log = logging.getLogger("livinglab.worker")
JOBS_CHECK_SECONDS = 30  # jobs run hourly or daily: no need to look every pass


def jobs_check_seconds() -> float:
    """Twice a minute; as often as the most frequent job runs (the results refresh: every 10 s); more often
    when LIVINGLAB_DAY_SECONDS makes the survey calendar's days short (a demo), so that no invitation window
    (open until the first reminder is due) passes between two looks."""
    shortest = min((scheduler.interval(spec).total_seconds() for spec in scheduler.load_jobs().values()), default=None)
    return max(1.0, min(JOBS_CHECK_SECONDS, day_length().total_seconds() / 8, shortest or JOBS_CHECK_SECONDS))


def worker_name() -> str:
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{secrets.token_hex(3)}"


@dataclass
class PassReport:
    mail: Tally = field(default_factory=Tally)
    webhooks: dict = field(default_factory=lambda: {"sent": 0, "retried": 0, "failed": 0})
    jobs: dict = field(default_factory=dict)

    @property
    def busy(self) -> bool:
        return bool(self.mail.handled or self.mail.released or any(self.webhooks.values()))


class Worker:
    def __init__(self, *, name: str | None = None, run_jobs: bool = True, batch: int | None = None):
        self.name = name or worker_name()
        self.run_jobs = run_jobs
        self.batch = batch
        self.url: MailURL = parse_mail_url(setting("MAIL_URL"), float(setting("MAIL_TIMEOUT")))
        self.catcher = None
        host = port = None
        if self.url.local:  # the newcomer's mailbox: our own SMTP server, in this process
            self.catcher = start_catcher(mail_dir())
            host, port = self.catcher.hostname, self.catcher.port
        self.connection = SmtpConnection(self.url, host, port)
        self.stopping = threading.Event()
        self.next_jobs_check = 0.0
        scheduler.load_jobs()  # the mail jobs and the results refresh

    def close(self) -> None:
        self.connection.close()
        if self.catcher is not None:
            self.catcher.stop()
            self.catcher = None

    def step(self) -> PassReport:
        """Due jobs (looked at twice a minute), then one batch of mail and one of webhook deliveries."""
        report = PassReport()
        if self.run_jobs and time.monotonic() >= self.next_jobs_check:
            report.jobs = scheduler.run_due(self.name)
            self.next_jobs_check = time.monotonic() + jobs_check_seconds()
        report.mail = send_due(self.name, self.connection, limit=self.batch)
        report.webhooks = deliver_due(self.name)
        return report

    def run_once(self) -> PassReport:
        """Everything due now: jobs once, then batches until nothing due is left."""
        total = PassReport()
        total.jobs = scheduler.run_due(self.name) if self.run_jobs else {}
        while not self.stopping.is_set():
            mail = send_due(self.name, self.connection, limit=self.batch)
            hooks = deliver_due(self.name)
            total.mail.add(mail)
            for key, value in hooks.items():
                total.webhooks[key] += value
            if mail.released or not (mail.handled or any(hooks.values())):
                break
        self.connection.close()
        return total

    def run_forever(self) -> None:
        poll = float(setting("WORKER_POLL_SECONDS"))
        while not self.stopping.is_set():
            try:
                report = self.step()
            except Exception:  # a database that went away, say: log, nap, try again
                log.exception("Worker pass failed")
                db.session.rollback()
                db.session.remove()
                self.connection.close()
                self.stopping.wait(max(poll, 5))
                continue
            if report.mail.handled or report.mail.released:
                log.info(
                    "mail: %s sent, %s retried, %s failed, %s held, %s cancelled",
                    report.mail.sent,
                    report.mail.retried,
                    report.mail.failed,
                    report.mail.held,
                    report.mail.cancelled,
                )
            if not report.busy:
                self.connection.close()  # do not keep an idle SMTP session open
                self.stopping.wait(poll)
        self.close()

    def stop(self, *_args) -> None:
        self.stopping.set()


def run(once: bool, run_jobs: bool, batch: int | None) -> PassReport | None:
    """The CLI's entry: stops cleanly on SIGTERM and Ctrl+C (the message in hand is finished)."""
    worker = Worker(run_jobs=run_jobs, batch=batch)
    where = f"local mailbox in {mail_dir()}" if worker.url.local else worker.url.safe()
    current_app.logger.info("Worker %s sending to %s", worker.name, where)
    if once:
        try:
            return worker.run_once()
        finally:
            worker.close()
    signal.signal(signal.SIGTERM, worker.stop)
    signal.signal(signal.SIGINT, worker.stop)
    worker.run_forever()
    return None
