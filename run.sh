#!/usr/bin/env bash
# Start LivingLab on http://127.0.0.1:${PORT:-5000}: virtual environment, install, database
# migrations, demo data on first start, then Flask's server (gunicorn is for production: README).
set -euo pipefail
cd "$(dirname "$0")"

find_python() {
    local candidate
    for candidate in ${PYTHON:-} python3.11 python3.12 python3.13 python3; do
        if command -v "$candidate" >/dev/null 2>&1 &&
            "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
            echo "$candidate"
            return
        fi
    done
    echo "LivingLab needs Python 3.11 or newer (set PYTHON=/path/to/python3.11)." >&2
    exit 1
}

# Install once per version of pyproject.toml: a second start takes a second, not a pip run.
install() {
    local spec=$1 stamp=".venv/.installed-${2}"
    local wanted
    wanted="$(sha256sum pyproject.toml | cut -d' ' -f1) $spec"
    if [ "$(cat "$stamp" 2>/dev/null)" != "$wanted" ]; then
        .venv/bin/python -m pip install --quiet --disable-pip-version-check -e "$spec"
        echo "$wanted" >"$stamp"
    fi
}

[ -x .venv/bin/python ] || "$(find_python)" -m venv .venv
install . app

.venv/bin/flask --app livinglab setup

port=${PORT:-5000}
echo "LivingLab: http://127.0.0.1:${port}  (demo sign-ins in README.md; Ctrl+C to stop)"
exec .venv/bin/flask --app livinglab run --host 127.0.0.1 --port "$port"
