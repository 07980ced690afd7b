"""Page-number pagination with a bounded page size; a bad size or page number is a 400."""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination


class BoundedPageNumberPagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    # Lazy, so the schema is translated per request; the DRF stubs only allow str.
    page_query_description = gettext_lazy("Page number, from 1.")  # type: ignore[assignment]
    page_size_query_description = gettext_lazy(  # type: ignore[assignment]
        "Results per page, from 1 to the maximum (default 50)."
    )

    @property
    def max_page_size(self) -> int:  # type: ignore[override]
        return settings.API_MAX_PAGE_SIZE

    def get_page_size(self, request) -> int:
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        if not raw.isascii() or not raw.isdigit() or not 1 <= int(raw) <= self.max_page_size:
            raise ValidationError(
                {
                    self.page_size_query_param: [
                        _("Give a whole number from 1 to %(max)d.") % {"max": self.max_page_size}
                    ]
                }
            )
        return int(raw)

    def paginate_queryset(self, queryset, request, view=None):
        raw = request.query_params.get(self.page_query_param)
        if raw is not None and (not raw.isascii() or not raw.isdigit() or int(raw) < 1):
            raise ValidationError({self.page_query_param: [_("Give a page number of 1 or more.")]})
        return super().paginate_queryset(queryset, request, view)

    def get_paginated_response_schema(self, schema):
        base = super().get_paginated_response_schema(schema)
        props = base["properties"]
        props["count"]["description"] = gettext_lazy("How many results there are in all.")
        props["next"]["description"] = gettext_lazy("URL of the next page; null on the last.")
        props["previous"]["description"] = gettext_lazy(
            "URL of the previous page; null on the first."
        )
        props["results"]["description"] = gettext_lazy("The results on this page.")
        return base
