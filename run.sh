#!/usr/bin/env bash
# Start LivingLab on http://127.0.0.1:${PORT:-5000}: virtual environment, install, database
# migrations, demo data on first start, then Flask's server (gunicorn is for production: README).
set -euo pipefail
cd "$(dirname "$0")"

. scripts/venv.sh

[ -x .venv/bin/python ] || "$(find_python)" -m venv .venv
install . app

port=${PORT:-5000}
# --demo-days: a "day" of the survey calendar lasts a minute, so a newcomer sees the survey invitations and
# reminders arrive in the local mailbox within minutes (README, "Mail, worker and webhooks").
for arg in "$@"; do
    case "$arg" in
        --demo-days) export LIVINGLAB_DAY_SECONDS=${LIVINGLAB_DAY_SECONDS:-60} ;;
        *) echo "usage: ./run.sh [--demo-days]" >&2; exit 2 ;;
    esac
done
# Plain HTTP on this machine only: the session cookie cannot be Secure here (README, Configuration).
export LIVINGLAB_BASE_URL=${LIVINGLAB_BASE_URL:-http://127.0.0.1:${port}}

.venv/bin/flask --app livinglab setup --demo

# Mail stays on this machine unless LIVINGLAB_MAIL_URL says otherwise: the worker runs its own SMTP
# server, which keeps every message in instance/mail/, readable at /dev/mailbox.
export LIVINGLAB_MAIL_URL=${LIVINGLAB_MAIL_URL:-local}
if [ "$LIVINGLAB_MAIL_URL" = local ]; then
    export LIVINGLAB_MAILBOX=${LIVINGLAB_MAILBOX:-true}
fi

# The worker (mail, webhooks, scheduled jobs) runs beside the app and stops with it.
.venv/bin/flask --app livinglab worker &
worker=$!
trap 'kill "$worker" 2>/dev/null; wait "$worker" 2>/dev/null' EXIT

echo "LivingLab: http://127.0.0.1:${port}  (demo sign-ins in README.md; Ctrl+C to stop)"
if [ "$LIVINGLAB_MAIL_URL" = local ]; then
    echo "Mail: every message the app sends is at http://127.0.0.1:${port}/dev/mailbox"
fi
if [ -n "${LIVINGLAB_DAY_SECONDS:-}" ]; then
    echo "Survey calendar: a day lasts ${LIVINGLAB_DAY_SECONDS} s (demo only)"
fi
.venv/bin/flask --app livinglab run --host 127.0.0.1 --port "$port"
