# Two commands on a fresh machine:
#   make demo   install everything into .venv and analyse the example article
#   make test   run the test suite
PY ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: demo install test test-slow lint typecheck eval clean

$(BIN)/propscan: pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	# the CPU build of torch first: an unpinned torch would pull a multi-GB CUDA build
	$(BIN)/pip install --quiet torch==2.13.0
	$(BIN)/pip install --quiet -e '.[dev]'
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

typecheck: install
	$(BIN)/mypy src/propscan/__init__.py src/propscan/document.py src/propscan/scoring.py src/propscan/corpus_io.py src/propscan/analysis.py \
		src/propscan/schema.py src/propscan/server/schemas.py src/propscan/models/lexical.py src/propscan/models/tf_decode.py \
		src/propscan/models/transformer.py src/propscan/models/tf_fit.py

eval: install
	$(BIN)/python benchmarks/eval_dev.py --model default --check

clean:
	rm -rf $(VENV) build dist *.egg-info
