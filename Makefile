# NeMo Gym Training docs. `make html` builds the site; `make test` runs every test.
# Both create the virtualenv from the hashed requirements.lock when it is missing, and
# install this project into it in editable mode (the packages under tools/, the `docplan`
# and `docs-accuracy` commands).

PYTHON      ?= $(shell command -v python3.11 || command -v python3)
VENV        := .venv
BIN         := $(VENV)/bin
SRC         := docs
OUT         := _build
SPHINXBUILD := $(BIN)/sphinx-build
SPHINXOPTS  ?= -W --keep-going
PORT        ?= 8000
DOCPLAN     := $(BIN)/docplan
ACCURACY    := $(BIN)/docs-accuracy
PIP         := $(BIN)/python -m pip --disable-pip-version-check

# Values a user passes (make new PAGE=..., make upgrade-review FROM=... TO=...) reach the
# recipes only as environment variables, quoted in the shell ("$$PAGE"), never pasted into
# the command text, so a value cannot run a command.
# $(value ...) keeps a value's text as typed, so even make syntax in it ($(shell ...)) stays text.
override PAGE := $(value PAGE)
override FROM := $(value FROM)
override TO   := $(value TO)
export PAGE FROM TO

.PHONY: framework-env help venv html livehtml check linkcheck lint test test-fast test-browser browser-deps gym-runtime clean new upgrade-review bench lock

help:
	@echo "make html         build the site into $(OUT)/html (zero warnings)"
	@echo "make livehtml     live preview on http://127.0.0.1:$(PORT)"
	@echo "make check        plan, structure and accuracy checks without a Sphinx build"
	@echo "make linkcheck    check external links (reports, not fails, when offline)"
	@echo "make test         ruff and the whole test suite, browser tests included"
	@echo "make test-fast    the tests that need no build, browser or server (offline)"
	@echo "make lock         regenerate the hashed requirements.lock from pyproject.toml"
	@echo "make new PAGE=p   create planned page p from its template"
	@echo "make upgrade-review FROM=0.7.0 TO=x.y.z   pages whose sources changed"
	@echo "make bench        build and preview performance figures"

venv: $(VENV)/.installed

$(VENV)/.installed: requirements.lock pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --require-hashes -r requirements.lock
	$(PIP) install --quiet --no-deps --no-build-isolation --editable .
	@touch $@

# The environment (doctrees) stays beside the output, not in it, so $(OUT)/html is exactly the site.
html: venv
	$(SPHINXBUILD) -c . $(SPHINXOPTS) -b html -d $(OUT)/doctrees $(SRC) $(OUT)/html

livehtml: venv
	$(BIN)/sphinx-autobuild -c . $(SPHINXOPTS) --host 127.0.0.1 --port $(PORT) \
		--watch tools --watch examples --watch conf.py $(SRC) $(OUT)/html

check: venv
	$(DOCPLAN) check
	$(DOCPLAN) words
	$(ACCURACY) check --cached-only

linkcheck: venv
	$(BIN)/python -m linkcheck $(SRC) $(OUT)/linkcheck

lint: venv
	$(BIN)/ruff check .

# pytest-xdist spreads the tests over one worker per core; WORKERS=0 runs them in one process.
# --dist worksteal gives each worker a contiguous half of the tests, so neighbouring pages (which
# may share servers) and a module's tests (its fixtures) mostly stay on one worker, and a worker
# that runs out takes over the other's remaining tests. The pages' console blocks, the longest
# tests, run first (tests/conftest.py), so none is left to run alone at the end.
WORKERS ?= auto

test: venv lint browser-deps gym-runtime framework-env
	NEMO_GYM_PYTHON=$$(test -x $(GYM_RUNTIME)/bin/python && echo $(abspath $(GYM_RUNTIME))/bin/python) \
		$(BIN)/python -m pytest -n $(WORKERS) --dist worksteal --durations=15

# A Python 3.13+ environment with the pinned nemo-gym release installed, for the tests that
# run NeMo Gym itself: its verifier servers, its report code, and `gym env start` / `gym eval
# run` against a local stand-in policy (tests/gym_runtime). The release asks for Python
# >= 3.13.14; the newest 3.13 found here is used, with uv from PyPI told to resolve for that
# floor (tests/gym_runtime/build.py says how). Server virtualenvs and uv's cache live under
# $(GYM_RUNTIME) and are reused by later runs. Without any Python 3.13, those tests skip.
GYM_RUNTIME := .gym-runtime
PY313 = $(shell for p in python3.14 python3.13 $$(ls -d $${PYENV_ROOT:-$$HOME/.pyenv}/versions/3.1[3-9]*/bin/python3 \
	2>/dev/null | sort -V -r); do $$p -c 'import sys; sys.exit(sys.version_info < (3, 13))' >/dev/null 2>&1 \
	&& command -v $$p && break; done)

gym-runtime: venv
	@if [ -z "$(PY313)" ]; then echo "No Python 3.13 here: the tests that run NeMo Gym itself will skip."; exit 0; fi; \
	$(BIN)/python -m tests.gym_runtime.build --python "$(PY313)" --dest $(GYM_RUNTIME) || true

# CPU torch, TRL, OpenRLHF and VeRL at the versions the integration pages name, for the tests
# that load the converters' output with the frameworks' own code. Installed from hashed pins
# (torch pinned to its +cpu build, so pip never pulls a CUDA torch); VeRL and OpenRLHF without
# their GPU dependencies. Rebuilt only when a requirements file is newer than the stamp.
# Without it those tests skip, and fail under CI=true.
FRAMEWORK_ENV := .framework-env
FRAMEWORK_REQS := tests/framework_drivers/requirements.txt tests/framework_drivers/requirements-nodeps.txt

framework-env: $(FRAMEWORK_ENV)/.installed

$(FRAMEWORK_ENV)/.installed: $(FRAMEWORK_REQS)
	@echo "Installing the framework test environment into $(FRAMEWORK_ENV)"
	@rm -rf $(FRAMEWORK_ENV) && $(PYTHON) -m venv $(FRAMEWORK_ENV) && \
	$(FRAMEWORK_ENV)/bin/python -m pip install --quiet --disable-pip-version-check --require-hashes \
		-r tests/framework_drivers/requirements.txt && \
	$(FRAMEWORK_ENV)/bin/python -m pip install --quiet --disable-pip-version-check --require-hashes \
		--no-deps -r tests/framework_drivers/requirements-nodeps.txt && touch $@ \
	|| { rm -rf $(FRAMEWORK_ENV); echo "Could not build $(FRAMEWORK_ENV): the framework loader tests will skip (and fail under CI=true)."; \
		test "$$CI" != true; }

test-fast: venv
	$(BIN)/python -m pytest -n $(WORKERS) -m "not browser and not slow"

test-browser: venv browser-deps
	$(BIN)/python -m pytest tests/browser tests/livepreview

# Chromium from Debian and axe-core from npm, for the browser tests.
browser-deps:
	@command -v chromium >/dev/null 2>&1 || { \
		echo "Installing Chromium from Debian packages"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
			--no-install-recommends chromium fonts-dejavu-core >/dev/null; }
	@test -f node_modules/axe-core/axe.min.js || npm ci --no-audit --no-fund --silent

new: venv
	@test -n "$$PAGE" || { echo "usage: make new PAGE=datasets/organize-datasets.md"; exit 2; }
	$(DOCPLAN) new -- "$$PAGE"

upgrade-review: venv
	@test -n "$$FROM" -a -n "$$TO" || { echo "usage: make upgrade-review FROM=0.7.0 TO=0.8.0"; exit 2; }
	$(ACCURACY) upgrade-review -- "$$FROM" "$$TO"

bench: venv
	$(BIN)/python -m benchmark

# Regenerate the hashed requirements.lock from the pins in pyproject.toml (every extra),
# with uv, keeping the locked versions that still satisfy them. Written beside, then moved,
# so a failed run leaves the old lock whole.
UV_VERSION := 0.13.9
lock:
	rm -rf $(OUT)/lockenv && mkdir -p $(OUT) && $(PYTHON) -m venv $(OUT)/lockenv
	$(OUT)/lockenv/bin/python -m pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)
	cp requirements.lock $(OUT)/requirements.lock
	$(OUT)/lockenv/bin/uv pip compile pyproject.toml --all-extras --generate-hashes --python-version 3.11 \
		--custom-compile-command "make lock" --quiet -o $(OUT)/requirements.lock
	mv $(OUT)/requirements.lock requirements.lock

clean:
	rm -rf $(OUT)
