"""Language selection: Danish first.

Public pages, feeds and the admin are Danish unless the visitor chose English with the
language switch (Django's language cookie). The browser's Accept-Language is not consulted
there, so a citizen with an English browser still lands on the Danish site, and a feed's body
never depends on who fetches it. The REST API does follow Accept-Language, so a script gets its
validation messages in the language it asks for.
"""

from django.middleware.locale import LocaleMiddleware

API_PREFIX = "/api/"


class DanishFirstLocaleMiddleware(LocaleMiddleware):
    def process_request(self, request):
        if not request.path_info.startswith(API_PREFIX):
            request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        super().process_request(request)
