# The two commands of the README: `make demo` (offline, no key) and `make test` (what CI runs).
# Only Python 3.11+ and make are assumed: uv is used if installed, else bootstrapped into .tools/.

PYTHON ?= python3
UV_VERSION ?= 0.13.9
UV := $(shell command -v uv 2>/dev/null || echo .tools/venv/bin/uv)
export UV_PYTHON_DOWNLOADS := never
export NO_PROXY := 127.0.0.1,localhost,$(NO_PROXY)
export no_proxy := 127.0.0.1,localhost,$(no_proxy)

RUN := $(UV) run --locked --no-sync

.PHONY: demo test lint typecheck pytest docs wheels bench sync clean

.tools/venv/bin/uv:
	$(PYTHON) -m venv .tools/venv
	.tools/venv/bin/python -m pip install --quiet "uv==$(UV_VERSION)"

.venv/.synced: uv.lock pyproject.toml core/pyproject.toml contracts/pyproject.toml providers/*/pyproject.toml | $(UV)
	$(UV) sync --locked --python $(PYTHON) --all-packages
	@touch $@

sync: .venv/.synced

# The demo needs only core and kenburns: no dev tools, no DashScope SDK.
.venv/.demo-synced: uv.lock pyproject.toml core/pyproject.toml providers/kenburns/pyproject.toml | $(UV)
	$(UV) sync --locked --python $(PYTHON) --no-dev --package videogate-kenburns --inexact
	@touch $@

DEMO_PROMPT := dusk over a quiet lake, birds crossing the sky

demo: .venv/.demo-synced
	@mkdir -p output
	$(RUN) videogate generate --provider kenburns --image docs/examples/lakeside.png \
		--prompt "$(DEMO_PROMPT)" --duration 4 --fps 24 --size "1280*720" --seed 7 \
		--json > output/demo.json
	$(RUN) python docs/examples/demo.py output/demo.json
	@echo
	@echo "videogate is installed in $(CURDIR)/.venv/bin: run 'source .venv/bin/activate' to put it"
	@echo "on PATH here, or install it for your user (README, Install): uv tool install ./core --with ./providers/kenburns"

test: lint typecheck docs wheels pytest

lint: sync
	$(RUN) ruff check .
	$(RUN) ruff format --check .
	$(RUN) lint-imports

typecheck: sync
	$(RUN) mypy

pytest: sync
	$(RUN) pytest

# The Python API reference and guides (mkdocs + mkdocstrings); warnings are errors.
docs: sync
	$(RUN) mkdocs build --strict --quiet --site-dir .site

# Wheels and sdists of the four packages in dist/: publishing is `uv publish dist/*`.
wheels: sync
	rm -rf dist
	$(UV) build --all-packages --out-dir dist --quiet

bench: sync
	@for f in benchmarks/*.py; do echo "== $$f"; $(RUN) python $$f || exit 1; done

clean:
	rm -rf .venv .tools output dist .site .pytest_cache .mypy_cache .ruff_cache
