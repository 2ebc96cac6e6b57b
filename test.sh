#!/usr/bin/env bash
# Run the whole test suite: ./test.sh [pytest arguments...]
# SQLite by default; PostgreSQL when DATABASE_URL is set. Browser tests drive Debian's chromium;
# without it they are deselected on a developer's machine, and required when CI=true.
set -euo pipefail
cd "$(dirname "$0")"

. scripts/venv.sh

[ -x .venv/bin/python ] || "$(find_python)" -m venv .venv
install '.[test]' test

# axe-core for the accessibility test, from the npm registry: `npm ci` once per package-lock.json.
if [ -f package-lock.json ]; then
    npm_stamp=node_modules/.installed-lock
    if [ "$(cat "$npm_stamp" 2>/dev/null)" != "$(sha256sum package-lock.json | cut -d' ' -f1)" ]; then
        if command -v npm >/dev/null; then
            npm ci --no-audit --no-fund --loglevel=error
            sha256sum package-lock.json | cut -d' ' -f1 >"$npm_stamp"
        else
            echo "!! npm not found: the accessibility test needs node_modules/axe-core (apt-get install npm)." >&2
        fi
    fi
fi

export CHROMIUM_PATH=${CHROMIUM_PATH:-/usr/bin/chromium}
if [ ! -x "$CHROMIUM_PATH" ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "Installing Debian's chromium for the browser tests..."
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y -qq chromium >/dev/null ||
        { apt-get update -qq && apt-get install -y -qq chromium >/dev/null; } || true
    apt-get install -y -qq fonts-liberation >/dev/null || true
fi

select_browser=()
if [ ! -x "$CHROMIUM_PATH" ]; then
    if [ "${CI:-}" = true ]; then
        echo "ERROR: $CHROMIUM_PATH is missing and CI=true: the browser tests are required." >&2
        exit 1
    fi
    select_browser=(-m "not browser")
    echo "!! $CHROMIUM_PATH not found: browser tests DESELECTED (-m 'not browser')."
    echo "!! Install it with: sudo apt-get install chromium   (or set CHROMIUM_PATH)"
fi

if [ -n "${DATABASE_URL:-}" ]; then
    echo "Database: DATABASE_URL=$(sed -E 's#//[^@/]*@#//#' <<<"$DATABASE_URL")"
else
    echo "Database: SQLite (set DATABASE_URL to run on PostgreSQL)"
fi
if [ "${#select_browser[@]}" -eq 0 ]; then
    exec .venv/bin/python -m pytest "$@"
fi
status=0
.venv/bin/python -m pytest "${select_browser[@]}" "$@" || status=$?
echo "!! Browser tests were DESELECTED: $CHROMIUM_PATH is missing."
exit "$status"
