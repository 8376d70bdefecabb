# The two commands of the README. Each sets itself up: a virtual environment in .venv,
# the package installed into it, then the job.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

demo: $(STAMP)
	rm -rf out/railgun_point_defense
	$(BIN)/kaminari run examples/railgun_point_defense.yaml --out out/railgun_point_defense

test: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/lint-imports
	$(BIN)/pytest -n auto --dist loadfile  # one file's tests (and fixtures) on one worker

bench: $(STAMP)
	$(BIN)/pip install --quiet -e '.[bench]'
	$(BIN)/python benchmarks/flyout.py
	$(BIN)/python benchmarks/tracking.py
	$(BIN)/python benchmarks/raid.py

clean:
	rm -rf $(VENV) out
