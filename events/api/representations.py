"""Each object's API representation kept ready in the cache, as the feeds keep each event's
VEVENT pieces: a page of 50 events costs one cache round trip instead of 50 serializations.

What decides a representation is in its key, so that nothing has to be invalidated:

* the object and what it shows of its relations: for an object with ``updated_at`` (events,
  occurrences) its id, ``updated_at``, ``sequence`` and ``status``, which the services change
  with every write; for the others (branch, stop, room, track, audience, partner, which have no
  such stamp) the values of their fields, read from the rows the page loads anyway, so that a
  renamed branch is a new key at once;
* the request's language (names and labels are translated) and scheme and host (the links);
* the code: a digest of this module, the serializers and the link builder, and the names of
  the serializer's fields down through its nested serializers, so that a new field or a new
  way of rendering one is a new key with no version to remember.

Visibility is never the cache's business: the selectors decide which objects a request sees
(drafts only for their staff), and the cache only replaces the serialization of those. Fields
that depend on who asks (an occurrence's head count) are left out of the cached copy and
added per request (``cache_per_request``). A change is a new key, so it is visible on the next
request; the old copy ages out (``TIMEOUT``)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from django.core.cache import cache
from django.db import models
from django.utils.translation import get_language
from rest_framework import serializers
from rest_framework.fields import SkipField
from rest_framework.relations import PKOnlyObject

TIMEOUT = 6 * 60 * 60
_HERE = Path(__file__).resolve().parent
_CODE = hashlib.blake2b(
    b"".join(
        p.read_bytes()
        for p in (
            _HERE / "representations.py",
            _HERE / "serializers.py",
            _HERE.parent.parent / "feeds" / "links.py",
        )
        if p.exists()
    ),
    digest_size=8,
).hexdigest()
_SHAPES: dict[type, str] = {}


def _field_names(serializer: serializers.BaseSerializer) -> list[str]:
    """The serializer's field names, with those of its nested serializers."""
    if isinstance(serializer, serializers.ListSerializer):
        child = serializer.child
        return [
            "[",
            *(_field_names(child) if isinstance(child, serializers.BaseSerializer) else []),
            "]",
        ]
    names: list[str] = []
    for name, field in serializer.fields.items():  # type: ignore[attr-defined]
        names.append(name)
        if isinstance(field, serializers.BaseSerializer):
            names += ["(", *_field_names(field), ")"]
    return names


def _shape(serializer: serializers.Serializer) -> str:
    cls = type(serializer)
    if cls not in _SHAPES:
        names = ",".join(_field_names(serializer))
        _SHAPES[cls] = hashlib.blake2b(names.encode(), digest_size=8).hexdigest()
    return _SHAPES[cls]


def _stamp(obj: Any, memo: dict) -> Any:
    """What of ``obj`` a representation shows: see the module's docstring."""
    if obj is None:
        return None
    if isinstance(obj, models.Manager):
        return tuple(_stamp(o, memo) for o in obj.all())
    key = (type(obj), obj.pk)
    found = memo.get(key)
    if found is None:
        if hasattr(obj, "updated_at"):
            found = (
                obj.pk,
                obj.updated_at,
                getattr(obj, "sequence", None),
                getattr(obj, "status", None),
            )
        else:
            found = tuple(v for k, v in obj.__dict__.items() if not k.startswith("_"))
        memo[key] = found
    return found


def _related(obj: Any, path: str) -> Any:
    for part in path.split("."):
        obj = getattr(obj, part, None)
        if obj is None:
            return None
    return obj


class CachedRepresentation(serializers.Serializer):
    """A serializer whose output is kept in the cache per object (see the module docstring).
    ``cache_related``: attribute paths (dotted) of the related objects it shows;
    ``cache_per_request``: fields left out of the cached copy and computed per request."""

    cache_related: tuple[str, ...] = ()
    cache_per_request: tuple[str, ...] = ()

    def _context_key(self) -> str:
        request = self.context.get("request")
        where = f"{request.scheme}://{request.get_host()}" if request is not None else ""
        return f"{type(self).__name__}:{_CODE}:{_shape(self)}:{get_language()}:{where}"

    def cache_key(self, instance: Any, *, context_key: str, memo: dict) -> str:
        parts = (
            _stamp(instance, memo),
            *(_stamp(_related(instance, path), memo) for path in self.cache_related),
        )
        digest = hashlib.blake2b(repr(parts).encode(), digest_size=16).hexdigest()
        return f"api:repr:{context_key}:{instance.pk}:{digest}"

    def cached_part(self, instance: Any) -> dict[str, Any]:
        """DRF's ``Serializer.to_representation`` without the per-request fields."""
        ret: dict[str, Any] = {}
        for field in self._readable_fields:
            name = field.field_name or ""
            if name in self.cache_per_request:
                continue
            ret[name] = self._field_value(field, instance)
        return ret

    @staticmethod
    def _field_value(field: serializers.Field, instance: Any) -> Any:
        try:
            attribute = field.get_attribute(instance)
        except SkipField:
            return None
        check = attribute.pk if isinstance(attribute, PKOnlyObject) else attribute
        return None if check is None else field.to_representation(attribute)

    def finish(self, instance: Any, cached: dict[str, Any]) -> dict[str, Any]:
        """The cached part completed with the per-request fields (a copy: never the cached
        object itself)."""
        ret = dict(cached)
        for name in self.cache_per_request:
            ret[name] = self._field_value(self.fields[name], instance)
        return ret

    def to_representation(self, instance: Any) -> dict[str, Any]:
        return _represent(self, [instance])[0]

    @classmethod
    def many_init(cls, *args, **kwargs):
        """DRF's list serializer, made a ``CachedListSerializer`` (which adds no state)."""
        many = super().many_init(*args, **kwargs)
        if type(many) is serializers.ListSerializer:
            many.__class__ = CachedListSerializer
        return many


def _represent(child: CachedRepresentation, items: Iterable[Any]) -> list[dict[str, Any]]:
    """The representations of ``items``: read from the cache in one round trip, the missing
    ones serialized and stored in one more."""
    items = list(items)
    memo: dict = {}
    context_key = child._context_key()
    keys = [child.cache_key(obj, context_key=context_key, memo=memo) for obj in items]
    found = cache.get_many(keys) if keys else {}
    made: dict[str, dict[str, Any]] = {}
    out = []
    for obj, key in zip(items, keys, strict=True):
        part = found.get(key) or made.get(key)
        if part is None:
            part = made[key] = child.cached_part(obj)
        out.append(child.finish(obj, part))
    if made:
        cache.set_many(made, TIMEOUT)
    return out


class CachedListSerializer(serializers.ListSerializer):
    """A page of ``CachedRepresentation`` objects: one cache round trip for the page."""

    def to_representation(self, data):
        items = data.all() if isinstance(data, models.manager.BaseManager) else data
        return _represent(self.child, items)  # type: ignore[arg-type]
