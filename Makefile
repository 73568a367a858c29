# The two commands of the README: `make run` (the main job) and `make test` (the test suite).
# Each creates .venv and installs astrokeras with pip on first use. `make run ARGS=--quick` for a short run.
PYTHON ?= python3
VENV := .venv
STAMP := $(VENV)/.installed

.PHONY: run test venv clean

venv: $(STAMP)

$(STAMP): setup.cfg setup.py pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/python -m pip install --quiet --upgrade pip
	$(VENV)/bin/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

# TensorFlow's C++ start-up lines (oneDNN, cuda probes) are noise for a user: level 2 keeps warnings and errors.
export TF_CPP_MIN_LOG_LEVEL ?= 2

run: $(STAMP)
	$(VENV)/bin/astrokeras data info
	$(VENV)/bin/astrokeras reproduce --results docs/results.md $(ARGS)

test: $(STAMP)
	$(VENV)/bin/python -m pytest -q --durations=20 $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) *.egg-info
