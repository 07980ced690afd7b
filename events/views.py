from django.http import HttpResponse
from django.shortcuts import get_object_or_404

from . import selectors
from .models import Event


def event_detail(request, pk: int):  # placeholder until the public pages land
    event = get_object_or_404(selectors.visible_events(user=request.user), pk=pk)
    return HttpResponse(event.title, content_type="text/plain; charset=utf-8")


__all__ = ["Event", "event_detail"]
