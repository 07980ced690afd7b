import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "calendar_service.settings")
application = get_wsgi_application()

# Import the views, fill the URL resolvers and compile the busiest templates now, once: with
# gunicorn's preload_app this runs in the arbiter, and every worker forked from it starts warm.
from calendar_service.warmup import warm_up  # noqa: E402

warm_up()
