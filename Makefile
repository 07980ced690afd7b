# Shortcuts for the two README commands and the usual checks.
PY ?= python3.11

.PHONY: serve test lint typecheck bench

serve:
	$(PY) dev.py serve

test:
	$(PY) dev.py test

lint:
	.venv/bin/ruff check .

typecheck:
	.venv/bin/mypy calendar_service events feeds tasks

bench:
	.venv/bin/python -m bench
