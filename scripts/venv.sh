# Shared by run.sh and test.sh (sourced): the virtual environment and an install once per
# version of setup.cfg and pyproject.toml.
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

# Install once per version of setup.cfg and pyproject.toml: a second start takes a second, not a pip run.
# uv (from PyPI, into the venv) installs the same requirements in seconds where pip takes a minute and
# more; where uv cannot be had, pip does it.
install() {
    local spec=$1 stamp=".venv/.installed-${2}"
    local wanted
    wanted="$(cat setup.cfg pyproject.toml | sha256sum | cut -d' ' -f1) $spec"
    if [ "$(cat "$stamp" 2>/dev/null)" != "$wanted" ]; then
        [ -x .venv/bin/uv ] || .venv/bin/python -m pip install --quiet --disable-pip-version-check uv || true
        if [ -x .venv/bin/uv ]; then
            # --compile-bytecode, as pip does: where PYTHONDONTWRITEBYTECODE is set (CI machines often set it),
            # a venv without .pyc files compiles scipy, pandas and the rest again in every process that starts
            # (measured: 6.1 s of CPU to start the app instead of 2.5 s), and the suite starts many servers.
            .venv/bin/uv pip install --quiet --compile-bytecode --python .venv/bin/python -e "$spec"
        else
            .venv/bin/python -m pip install --quiet --disable-pip-version-check -e "$spec"
        fi
        echo "$wanted" >"$stamp"
    fi
}

