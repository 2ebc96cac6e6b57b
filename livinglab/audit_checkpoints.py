"""Signed checkpoints of the audit chains, kept outside the database.

`flask --app livinglab audit checkpoint` verifies the trail, then writes one JSON file to the folder
named by `LIVINGLAB_AUDIT_CHECKPOINTS` (default `instance/audit-checkpoints`): the identifier of the
database, the time, and for each chain the number of records and the MAC of its last one, signed
with an HMAC under the audit key. `audit verify` checks the trail against the latest checkpoint of
this database, so records removed from the end of a chain since then show as missing even when the
head rows were rewound too. A file of another database, or one whose signature does not verify
under this key, is never used. Keep the folder where the database's writers cannot write (another
disk or machine, write-once storage), and run the command often (cron): what was written after the
latest checkpoint is protected by the key and the head rows only."""

import hashlib
import hmac
import json
import os
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from flask import current_app

from . import audit
from .timeutil import utcnow
from .transactions import unit_of_work

FORMAT = "livinglab-audit-checkpoint/1"
NAME = re.compile(r"^audit-([0-9a-f-]{36})-(\d{8}T\d{12}Z)\.json$")


@dataclass(frozen=True)
class Checkpoint:
    database: str
    at: datetime
    records: int
    chains: dict  # chain -> (count, MAC of the record at that position)
    path: Path
    forced: bool = False


class CheckpointRefused(Exception):
    """The trail does not verify: a checkpoint would vouch for a changed record."""

    def __init__(self, result):
        super().__init__(result.first.describe())
        self.result = result


def folder() -> Path:
    return Path(str(current_app.config["AUDIT_CHECKPOINTS"]))


def _mac(body: dict, database: str) -> str:
    return hmac.new(audit.derived_key("checkpoint", database), audit.canonical(body), hashlib.sha256).hexdigest()


def read(path: Path, database: str | None = None) -> Checkpoint | None:
    """The checkpoint in this file, if it is one, signed under our key (and of `database`, if given)."""
    try:
        body = json.loads(path.read_text(encoding="utf-8"))
        mac = body.pop("mac")
        if body.get("format") != FORMAT or (database is not None and body.get("database") != database):
            return None
        if not hmac.compare_digest(str(mac), _mac(body, str(body["database"]))):
            return None
        chains = {str(name): (int(head["count"]), str(head["hash"])) for name, head in body["chains"].items()}
        return Checkpoint(
            str(body["database"]),
            datetime.fromisoformat(body["at"]),
            int(body["records"]),
            chains,
            path,
            bool(body.get("forced")),
        )
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None


def _files(database: str | None = None) -> list[Path]:
    """Checkpoint files, newest first by name (the name holds the database and the time)."""
    try:
        names = [entry.name for entry in os.scandir(folder()) if entry.is_file()]
    except OSError:
        return []
    matched = [
        (m.group(2), name) for name in names if (m := NAME.match(name)) and (database is None or m.group(1) == database)
    ]
    return [folder() / name for _stamp, name in sorted(matched, reverse=True)]


def latest(database: str | None) -> Checkpoint | None:
    """The newest valid checkpoint of this database."""
    if database is None:
        return None
    for path in _files(database):
        found = read(path, database)
        if found is not None:
            return found
    return None


def unsigned(database: str | None) -> int:
    """How many files named for this database do not verify under this key (a wrong key, or forgeries)."""
    return sum(read(path, database) is None for path in _files(database)) if database else 0


def any_checkpoint() -> bool:
    """Whether the folder holds any valid checkpoint, of any database."""
    return any(read(path) is not None for path in _files())


def write(force: bool = False) -> tuple[Checkpoint, "audit.Verification"]:
    """Verify the trail, then sign and write the head of every chain.

    `force` accepts a trail shorter than the latest checkpoint (after restoring an older backup); it
    never vouches for a changed record."""
    result = audit.verify_trail()
    refused = [p for p in result.problems if p.kind == "changed" or (p.kind == "identity" and not force)]
    if refused or (result.problems and not force):
        raise CheckpointRefused(result)
    with unit_of_work():  # the identity, when this is the trail's first checkpoint
        database = result.database or audit.database_id()
    now = utcnow()
    body = {
        "format": FORMAT,
        "database": database,
        "at": now.isoformat(),
        "records": result.checked,
        "chains": {
            name: {"count": count, "hash": mac} for name, (count, mac) in sorted(result.chains.items()) if count
        },
        "forced": force,
        "problems_accepted": [p.describe() for p in result.problems],
    }
    body["mac"] = _mac(body, database)
    target = folder()
    target.mkdir(parents=True, exist_ok=True)
    path = target / f"audit-{database}-{now:%Y%m%dT%H%M%S%f}Z.json"
    temporary = path.with_suffix(".tmp")
    temporary.write_text(json.dumps(body, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    os.replace(temporary, path)  # never a half-written checkpoint
    checkpoint = read(path, database)
    return checkpoint, result  # type: ignore[return-value]  # the file just written reads back
