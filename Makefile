# kalib: two commands do everything on a fresh machine (python3 >= 3.10 and make).
#   make report   set up .venv (exact versions from requirements/lock.txt) and write the demo report
#   make test     set up .venv with the test tools and run the whole suite
#   make lab      open the course in JupyterLab
#   make app      serve the three live tools (Voila) on 127.0.0.1
#   make lock     refresh requirements/lock.txt from pyproject.toml

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
PYTEST_ARGS ?=
CLIENT ?= demo
LANG_REPORT ?= zh
# The course's edition `make lab` opens: zh (Chinese) or en (English).
LANG_COURSE ?= zh
# Exact versions for Linux, macOS and Windows, Python 3.10+ (refresh with `make lock`).
LOCK ?= requirements/lock.txt
# The installer: uv (the one on PATH, else this version installed into the venv), pip when uv
# cannot be had. INSTALLER=pip forces pip.
UV_VERSION ?= 0.13.9
INSTALLER ?= auto

.PHONY: report test lab app course setup setup-test clean-venv strip outputs demo-data docs lock help

help:
	@sed -n '2,7p' Makefile

$(PY):
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 10) else "kalib needs Python 3.10 or newer")'
	$(PYTHON) -m venv $(VENV)

# Which uv to use (a path), or empty for pip.
$(VENV)/.uv: $(PY)
	@if [ "$(INSTALLER)" = pip ]; then : > $@; \
	elif command -v uv >/dev/null 2>&1; then command -v uv > $@; \
	elif $(PY) -m pip install --quiet --disable-pip-version-check "uv==$(UV_VERSION)"; then echo "$(BIN)/uv" > $@; \
	else echo "uv could not be installed: installing with pip"; : > $@; fi

# $(call install,REQUIREMENT): install it with every version taken from the lock.
install = uv="$$(cat $(VENV)/.uv)"; \
	if [ -n "$$uv" ]; then echo "installing $(1) with $$uv (versions from $(LOCK))"; \
	  "$$uv" pip install --quiet --python $(PY) -c $(LOCK) $(1); \
	else echo "installing $(1) with pip (versions from $(LOCK))"; \
	  $(PY) -m pip install --quiet --disable-pip-version-check -c $(LOCK) $(1); fi

$(VENV)/.kalib-installed: $(VENV)/.uv pyproject.toml $(LOCK)
	@$(call install,-e .)
	@touch $@

$(VENV)/.kalib-test-installed: $(VENV)/.kalib-installed pyproject.toml $(LOCK)
	@$(call install,-e ".[test]")
	@touch $@

setup: $(VENV)/.kalib-installed
setup-test: $(VENV)/.kalib-test-installed

# Refresh the lock from pyproject.toml (every extra), for every platform and Python >= 3.10.
lock: $(VENV)/.uv
	@uv="$$(cat $(VENV)/.uv)"; [ -n "$$uv" ] || { echo "make lock needs uv"; exit 1; }; \
	"$$uv" pip compile pyproject.toml --all-extras --universal --python-version 3.10 -o $(LOCK)

report: setup
	$(BIN)/kalib report $(CLIENT) --lang $(LANG_REPORT) -o reports/$(CLIENT)

test: setup-test
	$(PY) -m pytest $(PYTEST_ARGS)

# JupyterLab refuses to start as root (a container) unless told --allow-root.
LAB_ROOT := $(if $(filter 0,$(shell id -u 2>/dev/null)),--allow-root)

lab: setup
	@$(if $(LAB_ROOT),echo "running as root (a container?): JupyterLab started with --allow-root")
	@test -d notebooks/$(LANG_COURSE) || { echo "no edition '$(LANG_COURSE)': use LANG_COURSE=zh or LANG_COURSE=en"; exit 2; }
	$(BIN)/jupyter lab $(LAB_ROOT) --notebook-dir=notebooks/$(LANG_COURSE) 00.00-start.ipynb

app: setup
	$(BIN)/kalib app $(CLIENT)

# Regenerate the demo company's files from the seeded generator.
demo-data: setup
	$(BIN)/python -m kalib.demo kalib/demo_data

# Rewrite the README's data-format section from kalib/schema.py.
docs: setup
	$(PY) -c 'from kalib.schema import update_readme; update_readme("README.md")'

# Build the course's editions (notebooks/zh, notebooks/en) from its sources (course/).
course: setup-test
	$(PY) -m kalib.course

# Remove outputs and widget state from the sources and the editions (nbstripout's rules; in the
# editions, the cells marked "# NBVAL_CHECK_OUTPUT" and tagged keep_output keep their output for nbval).
strip: setup-test
	$(PY) -m kalib.course --strip

# Rerun each edition's notebooks with checked cells on the demo and store those cells' outputs.
outputs: setup-test
	$(PY) -m kalib.course --outputs

clean-venv:
	rm -rf $(VENV)
