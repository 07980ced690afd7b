# The one image of the stack: web (gunicorn), worker and beat (Celery) and the migrate job.
# Build: docker compose build (docker-compose.yml). See docs/deployment.md.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PYTHONPATH=/app \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_SETTINGS_MODULE=calendar_service.settings

WORKDIR /app

# Debian's Pango (and a font) for WeasyPrint, which renders the status reports' PDF on the
# server (tasks/exports.py report_pdf).
RUN apt-get update \
    && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*

# Dependencies first, read from pyproject.toml (the one list), so this layer is rebuilt only
# when the dependencies change. All of them ship wheels: no compiler in the image.
COPY pyproject.toml ./
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" \
        > /tmp/requirements.txt \
    && pip install --no-compile -r /tmp/requirements.txt \
    && rm /tmp/requirements.txt

# An unprivileged user; the code stays owned by root and read-only for it.
RUN groupadd --system --gid 10001 calendar \
    && useradd --system --uid 10001 --gid calendar --no-create-home --home-dir /app \
        --shell /usr/sbin/nologin calendar

COPY . .

# Compiled translations and static files (hashed names, gzip) are part of the image. Settings
# refuse to load without a SECRET_KEY when DEBUG is off: this placeholder exists only for these
# two build commands and is not in the image's environment (no secret has a default).
RUN SECRET_KEY=image-build-only-placeholder DATABASE_URL=sqlite:////tmp/build.sqlite3 \
        python manage.py compile_translations \
    && SECRET_KEY=image-build-only-placeholder DATABASE_URL=sqlite:////tmp/build.sqlite3 \
        python manage.py collectstatic --noinput --verbosity 0 \
    && rm -f /tmp/build.sqlite3 \
    && mkdir -p var/media \
    && chown calendar:calendar var var/media

USER calendar:calendar
EXPOSE 8000

# The web service; docker-compose.yml gives worker, beat and migrate their own commands.
CMD ["gunicorn", "--config", "calendar_service/gunicorn.conf.py", "calendar_service.wsgi:application"]
