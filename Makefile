# One entry per job. `make run` and `make test` are the README's quick start.
VENV ?= .venv
PYTHON ?= python3
BIN := $(VENV)/bin

.PHONY: setup system-deps run test test-fast lint bench clean

$(BIN)/policykg: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

setup: $(BIN)/policykg  ## create .venv and install policykg with its test tools

system-deps:  ## Debian packages the tests need (raptor, Java, Tesseract, Chromium…)
	bash .ci/install-system-deps

run: setup  ## build the bundled example corpus into out/ and validate it
	$(BIN)/policykg build
	$(BIN)/policykg validate

test: setup system-deps  ## the whole test suite (what CI runs)
	$(BIN)/pytest -q

test-fast: setup  ## the suite without slow, server and browser tests
	$(BIN)/pytest -q -m "not slow and not server and not browser"

lint: setup
	$(BIN)/ruff check . && $(BIN)/ruff format --check .

bench: setup  ## the national-scale benchmark (see benchmarks/README.md)
	$(BIN)/python -m benchmarks.run

clean:
	rm -rf out build dist *.egg-info .pytest_cache
