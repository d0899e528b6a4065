# The developer's verbs; `make help` lists them. The README's two commands are
# `make report` and `make check`; CI (.ci/run) runs `make check`.

PYTHON ?= python3
# `make dev` is the edit loop's environment (.venv, an editable dev build); `make
# report` installs like a user would (a release build) into one of its own, and `make
# check` builds a fresh one each time, as CI does (both under build/, which git ignores).
VENV := .venv
REPORT_VENV := build/venv-report
CHECK_VENV := build/venv-check
CARGO_MANIFEST := --manifest-path rust_ext/Cargo.toml

.PHONY: help report dev check sources-only rust-lint rust-test free-threaded-checks \
	python-checks lint fmt test test-threads test-fast wheel matrix bench bench-big clean

## help: list the verbs
help:
	@awk '/^## / { sub(/^## /, ""); split($$0, verb, ": "); printf "  %-21s %s\n", verb[1], substr($$0, length(verb[1]) + 3) }' $(MAKEFILE_LIST)

## report: install as a user does (release build, build/venv-report), then the main job on the sample
report:
	$(PYTHON) -m venv $(REPORT_VENV)
	$(REPORT_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(REPORT_VENV)/bin/python -m pip install --quiet .
	$(REPORT_VENV)/bin/legacy-app report

## dev: .venv with an editable install and every tool (fast dev build), for the edit loop
dev:
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/python -m pip install --quiet --upgrade pip
	$(VENV)/bin/python -m pip install -e ".[dev]"

## check: a fresh environment, then every check CI runs
check:
	bash scripts/system-packages.sh
	rm -rf $(CHECK_VENV)
	$(PYTHON) -m venv $(CHECK_VENV)
	$(CHECK_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(CHECK_VENV)/bin/python -m pip install --quiet -e ".[dev]"
	$(MAKE) sources-only rust-lint rust-test free-threaded-checks python-checks test matrix \
		BIN=$(CHECK_VENV)/bin
	$(MAKE) test-threads BIN=$(CHECK_VENV)/bin

BIN ?= $(VENV)/bin
# The same interpreter and mode as setuptools-rust's build, so cargo reuses its artefacts.
export PYO3_PYTHON = $(abspath $(BIN))/python

## sources-only: fail when git tracks a file that .gitignore says is generated
sources-only:
	@files="$$(git ls-files -ci --exclude-standard)"; \
	if [ -n "$$files" ]; then echo "tracked but ignored (generated) files:"; echo "$$files" | head; exit 1; fi

## rust-lint: cargo fmt --check, clippy -D warnings
rust-lint:
	cargo fmt $(CARGO_MANIFEST) --all --check
	cargo clippy $(CARGO_MANIFEST) --workspace --all-targets -- -D warnings

## rust-test: cargo test (the dev profile: debug assertions and overflow checks on)
rust-test:
	cargo test $(CARGO_MANIFEST) --workspace

## free-threaded-checks: cargo check and clippy -D warnings for CPython 3.14t and 3.15 abi3t
free-threaded-checks:
	$(BIN)/python scripts/free_threaded_checks.py

## python-checks: ruff, mypy --strict, stubtest against the built module
python-checks:
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m mypy
	$(BIN)/python -m mypy.stubtest rust_ext --mypy-config-file setup.cfg

## lint: rust-lint and python-checks (no tests)
lint: rust-lint python-checks

## fmt: format the Rust and Python sources in place
fmt:
	cargo fmt $(CARGO_MANIFEST) --all
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

## test: the whole test suite; every test of the API runs under both backends
test:
	$(BIN)/python -m pytest

# The suites of shared objects and pure functions: each of their tests runs in four
# threads at once. A test that changes process-wide state (os.environ, sys.stdout, the
# garbage collector) or runs child processes is marked thread_unsafe and skipped here;
# it runs in `make test`, as do the stresses of tests/test_thread_safety*.py.
THREAD_SUITES := $(addprefix tests/test_,points.py errors.py comparison.py reentrancy.py \
	hello.py batch.py numpy_layouts.py differential.py points_file.py)

.PHONY: test-threads
## test-threads: each test of the shared-object suites run in 4 threads at once (pytest-run-parallel)
test-threads:
	HYPOTHESIS_PROFILE=dev $(BIN)/python -m pytest -q --parallel-threads=4 \
		--skip-thread-unsafe=1 $(THREAD_SUITES)

## test-fast: rebuild the extension if Rust changed, then the quick tests on every core (no slow or process ones, few examples)
test-fast:
	$(BIN)/python -m pip install --quiet -e .
	HYPOTHESIS_PROFILE=fast $(BIN)/python -m pytest -q -x -n auto -m "not slow and not process"

## wheel: the manylinux abi3 wheel an index takes, in build/wheelhouse
wheel:
	$(BIN)/nox -s wheel

## matrix: the manylinux abi3 wheel, built once, tested on every CPython 3.9-3.13 pyenv has, two at a time
matrix:
	$(BIN)/python scripts/matrix.py

## bench: release build, every row of the performance table side by side, then the ablation rows
bench:
	LEGACY_APP_PROFILE=release $(BIN)/python -m pip install --quiet -e ".[dev,bench]"
	$(BIN)/python -m benchmarks

## bench-big: the report on 100 million points against its kernels, with its peak memory
bench-big:
	LEGACY_APP_PROFILE=release $(BIN)/python -m pip install --quiet -e ".[dev,bench]"
	$(BIN)/python -m benchmarks.big_report

## clean: remove environments and build output
clean:
	rm -rf $(VENV) $(CHECK_VENV) build dist *.egg-info rust_ext/target rust_ext*.so
