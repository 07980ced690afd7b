# Shortcuts for the two README commands and the usual checks (lint: ruff and the import layers
# declared in pyproject.toml).
PY ?= python3.11

.PHONY: serve test lint typecheck bench messages

serve:
	$(PY) dev.py serve

test:
	$(PY) dev.py test

lint:
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .
	.venv/bin/lint-imports --no-cache

typecheck:
	.venv/bin/mypy calendar_service events feeds tasks proposals pages demo dplcms

bench:
	.venv/bin/python -m bench

# Collect the translatable strings into locale/da/LC_MESSAGES/django.po (GNU gettext needed);
# then translate what came back empty or fuzzy. tests/pages/test_translations.py checks it.
messages:
	DEBUG=true .venv/bin/python manage.py makemessages -l da --no-obsolete --ignore 'tests/*' --ignore 'bench/*'
