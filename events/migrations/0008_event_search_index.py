"""A GIN index over the Danish full-text search vector of an event's own words (title,
description, place), on PostgreSQL only: ``selectors.event_search`` filters by the same
expression (``selectors.search_vector()``; a test checks that PostgreSQL uses the index). SQLite has no
text search; its fallback needs no index."""

from django.db import migrations

INDEX_NAME = "event_search_danish_gin"


def _index():
    from django.contrib.postgres.indexes import GinIndex
    from django.contrib.postgres.search import SearchVector

    vector = SearchVector("title", "description", "place", config="danish")
    return GinIndex(vector, name=INDEX_NAME)


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.add_index(apps.get_model("events", "Event"), _index())


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.remove_index(apps.get_model("events", "Event"), _index())


class Migration(migrations.Migration):
    dependencies = [("events", "0007_event_image")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
