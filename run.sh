#!/usr/bin/env bash
# Start LivingLab on http://127.0.0.1:${PORT:-5000}: virtual environment, install, database
# migrations, demo data on first start, then Flask's server (gunicorn is for production: README).
set -euo pipefail
cd "$(dirname "$0")"

. scripts/venv.sh

[ -x .venv/bin/python ] || "$(find_python)" -m venv .venv
install . app

port=${PORT:-5000}
# Plain HTTP on this machine only: the session cookie cannot be Secure here (README, Configuration).
export LIVINGLAB_BASE_URL=${LIVINGLAB_BASE_URL:-http://127.0.0.1:${port}}

.venv/bin/flask --app livinglab setup --demo

echo "LivingLab: http://127.0.0.1:${port}  (demo sign-ins in README.md; Ctrl+C to stop)"
exec .venv/bin/flask --app livinglab run --host 127.0.0.1 --port "$port"
