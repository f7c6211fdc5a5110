# Two commands on a fresh machine:
#   make demo   install everything into .venv and analyse the example article
#   make test   run the test suite
PY ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: demo install test test-slow lint typecheck eval lock check-core-install clean

# The app installs the exact, tested versions of requirements.lock (made by `make lock` from
# pyproject.toml's ranges, for .[dev,server,corpus,spacy]); the library itself only declares ranges.
$(BIN)/propscan: pyproject.toml requirements.lock
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	# the CPU build of torch first: an unpinned torch would pull a multi-GB CUDA build
	$(BIN)/pip install --quiet torch==2.13.0
	$(BIN)/pip install --quiet -r requirements.lock
	$(BIN)/pip install --quiet --no-deps -e .
	touch $(BIN)/propscan

install: $(BIN)/propscan

demo: install
	$(BIN)/propscan analyze examples/article_demo.txt --format text

test: install
	$(BIN)/python -m pytest

test-slow: install
	$(BIN)/python -m pytest -m slow

lint: install
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/lint-imports   # layer rules and no import cycles ([tool.importlinter] in pyproject.toml)

typecheck: install
	$(BIN)/mypy src/propscan/__init__.py src/propscan/defaults.py src/propscan/document.py src/propscan/io src/propscan/text \
		src/propscan/eval src/propscan/schema src/propscan/models src/propscan/analysis \
		src/propscan/server/__init__.py src/propscan/server/app.py src/propscan/server/queue.py src/propscan/server/deps.py \
		src/propscan/server/settings.py src/propscan/server/errors.py src/propscan/server/payloads.py src/propscan/server/routes/api.py

eval: install
	$(BIN)/python benchmarks/eval_dev.py --model default --check

# Re-resolve requirements.lock within pyproject.toml's ranges with uv. Pins already in the file are
# kept unless a range excludes them; `make lock UPGRADE=1` moves every pin to the newest allowed.
# torch resolves to the CPU build (TORCH_WHEELS: a folder or page of CPU wheels).
TORCH_WHEELS ?= $(if $(wildcard /opt/wheels/torch-*),/opt/wheels,https://download.pytorch.org/whl/cpu/torch/)
lock: install
	$(BIN)/pip install --quiet 'uv>=0.5,<1'
	$(BIN)/uv pip compile pyproject.toml --extra dev --extra server --extra corpus --extra spacy \
		--python-version 3.11 --find-links $(TORCH_WHEELS) $(if $(UPGRADE),--upgrade,) \
		--custom-compile-command "make lock" -o requirements.lock

# The library alone (no extras) into a fresh venv that already has other numpy/pandas versions (CI runs it).
check-core-install:
	bash .ci/core_install_check.sh

clean:
	rm -rf $(VENV) build dist *.egg-info
