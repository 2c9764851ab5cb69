# Transfer Learning: Leveraging Knowledge - course tasks.
# Every target installs what it needs first (a virtual environment in .venv).
#   make test VENV=path/to/venv      another virtual environment, made and kept up to date by make
#   make test USE_ACTIVE_ENV=1       the active conda environment (or venv) as it is: checked, never
#                                    installed into (conda users: see environment.yml)

PYTHON      ?= python3
VENV        ?= .venv
CONSTRAINTS ?= constraints/tested.txt
PYTEST_ARGS ?=
ifeq ($(USE_ACTIVE_ENV),1)
VENV        := $(or $(CONDA_PREFIX),$(VIRTUAL_ENV),$(error USE_ACTIVE_ENV=1 needs an active environment: conda activate tlcourse (or source VENV/bin/activate)))
STAMP       := check-active-env
INSTALL     := --existing
else
STAMP       := $(VENV)/.tlcourse-installed
INSTALL     := --constraints $(CONSTRAINTS)
endif
PY          := $(VENV)/bin/python

.PHONY: help install demo test build check-build lab formgrader prepare-offline bench clean sandbox-tools check-active-env

help:
	@echo "make demo             build the release, grade a simulated class with nbgrader, print the scores"
	@echo "make test             run the test suite (installs everything first)"
	@echo "make build            rebuild notebooks/ (student versions) from source/ with nbgrader"
	@echo "make lab              open JupyterLab on the student notebooks (no instructor panels)"
	@echo "make formgrader       open the instructor view: formgrader on the course, its exchange and gradebook"
	@echo "make prepare-offline  fetch data and weights into data/cache for a classroom without internet"
	@echo "make bench            measure speed and memory, write BENCHMARKS.md and benchmarks/results.json"
	@echo "make install          only create/update the virtual environment (USE_ACTIVE_ENV=1: check the active one)"
	@echo "make sandbox-tools    install bubblewrap (the grading sandbox) when root with apt-get"

$(STAMP): pyproject.toml $(CONSTRAINTS) tools/install.py
	@$(PYTHON) tools/install.py --venv $(VENV) $(INSTALL)

install: $(STAMP)

# Grading runs every kernel in a bubblewrap sandbox: install it where we may (root with apt-get).
sandbox-tools:
	@command -v bwrap >/dev/null || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null && \
	  echo "+ apt-get install bubblewrap" && apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq bubblewrap >/dev/null; } || \
	  echo "bubblewrap is missing: grading will refuse to start (apt-get install bubblewrap)"

demo: $(STAMP) sandbox-tools
	$(PY) -m autograder.demo

test: $(STAMP) sandbox-tools
	bash tests/quiz/run_ipywidgets7.sh   # the quiz logic with ipywidgets 7.7 (what Colab ships)
	$(PY) -m pytest $(PYTEST_ARGS)

build: $(STAMP)
	$(PY) -m autograder.build

check-build: $(STAMP)
	$(PY) -m autograder.build --check

# Students' and instructors' JupyterLab, each with its own Jupyter config (autograder/lab.py).
lab: $(STAMP)
	$(PY) -m autograder.lab student

formgrader: $(STAMP)
	$(PY) -m autograder.lab instructor

bench: $(STAMP)
	$(PY) -m benchmarks.run

prepare-offline: $(STAMP)
	$(PY) -m tlcourse.prepare_offline

clean:
	rm -rf build .pytest_cache
