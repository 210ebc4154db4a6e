# kalib: two commands do everything on a fresh machine (python3 >= 3.10 and make).
#   make report   set up .venv and write the demo client's report under reports/demo/
#   make test     set up .venv with the test tools and run the whole suite
#   make lab      open the course in JupyterLab
#   make app      serve the three live tools (Voila) on 127.0.0.1

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
PYTEST_ARGS ?=
CLIENT ?= demo
LANG_REPORT ?= zh

.PHONY: report test lab app setup setup-test clean-venv strip demo-data docs help

help:
	@sed -n '2,6p' Makefile

$(PY):
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 10) else "kalib needs Python 3.10 or newer")'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(VENV)/.kalib-installed: $(PY) pyproject.toml
	$(PY) -m pip install --quiet -e .
	@touch $@

$(VENV)/.kalib-test-installed: $(VENV)/.kalib-installed pyproject.toml
	$(PY) -m pip install --quiet -e ".[test]"
	@touch $@

setup: $(VENV)/.kalib-installed
setup-test: $(VENV)/.kalib-test-installed

report: setup
	$(BIN)/kalib report $(CLIENT) --lang $(LANG_REPORT) -o reports/$(CLIENT)

test: setup-test
	$(PY) -m pytest $(PYTEST_ARGS)

lab: setup
	$(BIN)/jupyter lab notebooks/00.00-start.ipynb

app: setup
	$(BIN)/kalib app $(CLIENT)

# Regenerate the demo company's files from the seeded generator.
demo-data: setup
	$(BIN)/python -m kalib.demo kalib/demo_data

# Rewrite the README's data-format section from kalib/schema.py.
docs: setup
	$(PY) -c 'from kalib.schema import update_readme; update_readme("README.md")'

# Remove outputs and widget state from the notebooks.
strip: setup-test
	$(BIN)/nbstripout --extra-keys "metadata.widgets" notebooks/*.ipynb

clean-venv:
	rm -rf $(VENV)
