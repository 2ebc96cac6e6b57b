"""The floor of the load benchmark: a survey submission with nothing but what it cannot do without.

A bare Flask app served by gunicorn beside the real one (`bench/load.py` starts it): the same bearer
token check (the token's hash looked up, its expiry compared), the participant's enrolment in the
study, the survey's items, the same answer validation (`surveys.answers.check_answers`), then one
short write transaction: the response row and its answers in one batched INSERT, through
SQLAlchemy Core. No sessions, no ORM, no audit record, no drafts, no rate limits, no hooks: what
the app reaches divided by what this reaches is the cost of everything else.

    gunicorn 'bench.floor:create_floor()'   # with DATABASE_URL set, as load.py does
"""

import hashlib
import json
import os
from datetime import UTC, datetime

from flask import Flask, abort, request
from sqlalchemy import create_engine, event, insert, select

from livinglab import normalise_database_url
from livinglab.auth.models import ApiToken
from livinglab.participants.models import Answer, Enrolment, Response
from livinglab.surveys.answers import check_answers
from livinglab.surveys.models import Survey

PATH = "/floor/studies/<int:study_id>/surveys/<key>/responses"


def floor_engine(url: str):
    """The app's SQLite settings (WAL, busy timeout, foreign keys); writes take the lock when they begin."""
    if not url.startswith("sqlite"):
        return create_engine(url)
    engine = create_engine(url, connect_args={"timeout": 30})

    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None
        for pragma in ("foreign_keys=ON", "journal_mode=WAL", "synchronous=NORMAL", "busy_timeout=30000"):
            dbapi_connection.execute(f"PRAGMA {pragma}")

    @event.listens_for(engine, "begin")
    def on_begin(connection):
        connection.exec_driver_sql("BEGIN IMMEDIATE" if connection.info.get("writing") else "BEGIN")

    return engine


def create_floor() -> Flask:
    app = Flask(__name__)
    engine = floor_engine(normalise_database_url(os.environ["DATABASE_URL"]))
    token, enrolment, response, answer, survey = (
        ApiToken.__table__,
        Enrolment.__table__,
        Response.__table__,
        Answer.__table__,
        Survey.__table__,
    )

    @app.get("/floor/ready")
    def ready():
        return "ready"

    @app.post(PATH)
    def respond(study_id: int, key: str):
        raw = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
        data = json.loads(request.get_data())
        now = datetime.now(UTC)
        with engine.connect() as connection:  # the reads: one deferred transaction
            found = connection.execute(
                select(token.c.user_id, token.c.expires_at).where(
                    token.c.token_hash == hashlib.sha256(raw.encode()).hexdigest()
                )
            ).first()
            if found is None or aware(found.expires_at) <= now:
                abort(401)
            enrolment_id = connection.scalar(
                select(enrolment.c.id).where(enrolment.c.study_id == study_id, enrolment.c.user_id == found.user_id)
            )
            row = connection.execute(
                select(survey.c.id, survey.c["items"]).where(survey.c.study_id == study_id, survey.c.key == key)
            ).first()
            connection.rollback()
        if enrolment_id is None or row is None:
            abort(404)
        rows, errors = check_answers(row.items, data.get("answers"))
        if errors:
            abort(422)
        with engine.connect() as connection:  # the writes: one short transaction
            connection.info["writing"] = True
            try:
                with connection.begin():
                    response_id = connection.scalar(
                        insert(response)
                        .values(enrolment_id=enrolment_id, survey_id=row.id, submitted_at=now)
                        .returning(response.c.id)
                    )
                    connection.execute(
                        insert(answer),
                        [
                            {"response_id": response_id, "item_key": k, "number": n, "text": t}
                            for k, (n, t) in rows.items()
                        ],
                    )
            finally:
                connection.info["writing"] = False
        return {"id": response_id, "survey": key, "submitted_at": now.isoformat()}, 201

    return app


def aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
