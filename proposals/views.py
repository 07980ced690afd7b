"""The pages of proposals: the public form ("Foreslå et arrangement") and the proposer's
private page (by the signed link of the receipt), and the staff's queue per branch with the
decisions (take in, decline, pass on). The staff pages answer 404 for a proposal of a branch the
user may not handle, and 403 for a queue they may not see."""

from __future__ import annotations

import logging
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from events import roles
from events.models import Branch

from . import dispatch, guards, selectors, services
from .forms import DeclineForm, PassForm, ProposalForm, TakeInForm
from .models import Proposal

logger = logging.getLogger(__name__)
LOGIN_URL = reverse_lazy("pages:login")


# --- the public form -----------------------------------------------------------------------


def _form_context(form: ProposalForm, **extra) -> dict:
    return {
        "form": form,
        "privacy_url": settings.PRIVACY_URL,
        "retention_days": settings.PROPOSAL_RETENTION_DAYS,
        **extra,
    }


def _initial(request) -> dict[str, Any]:
    initial: dict[str, Any] = {guards.STAMP_FIELD: guards.form_stamp()}
    branch = Branch.objects.filter(slug=request.GET.get("bibliotek", "")).first()
    if branch is not None:
        initial["branch"] = branch.pk
    return initial


@never_cache
def propose(request):
    """GET: the empty form, stamped with the time it was shown. POST: the spam guards, then
    the proposal; a refusal keeps everything typed and says why."""
    if request.method != "POST":
        return render(
            request,
            "proposals/propose.html",
            _form_context(ProposalForm(initial=_initial(request))),
        )
    form = ProposalForm(request.POST)
    if guards.rate_limited(request):
        form.add_error(
            None,
            _(
                "Many proposals have been sent from your network address in a short time. "
                "Please try again later; nothing you typed is lost."
            ),
        )
        logger.info("proposals: refused by the rate limit")
        return render(request, "proposals/propose.html", _form_context(form), status=429)
    if form.is_valid():
        try:
            proposal = _submit(request, form)
        except ValidationError as exc:
            for name, errors in exc.message_dict.items():
                form.add_error(name if name in form.fields else None, errors)
        else:
            guards.rate_limited(request, increment=True)
            dispatch.receipt_request(proposal.pk)
            return redirect(reverse("proposals:thanks"))
    if form.refused:
        logger.info("proposals: refused by the %s guard", form.refused)
    return render(
        request, "proposals/propose.html", _form_context(_restamped(request, form)), status=400
    )


def _restamped(request, form: ProposalForm) -> ProposalForm:
    """A refused form keeps its stamp when it was valid (a person who was too quick may send it
    again at once), else gets a new one; everything typed is kept."""
    if guards.stamp_age(request.POST.get(guards.STAMP_FIELD, "")) is None:
        data = request.POST.copy()
        data[guards.STAMP_FIELD] = guards.form_stamp()
        form.data = data
    return form


def _submit(request, form: ProposalForm) -> Proposal:
    data = form.cleaned_data
    return services.proposal_submit(
        title=data["title"],
        description=data["description"],
        proposer_kind=data["proposer_kind"],
        name=data["name"],
        branch=data["branch"],
        email=data["email"],
        phone=data["phone"],
        preferred_dates=data["preferred_dates"],
        flexible=data["flexible"],
        audiences=list(data["audiences"]),
        needs_room=data["needs_room"],
        needs_equipment=data["needs_equipment"],
        needs_promotion=data["needs_promotion"],
        language=get_language() or "da",
    )


def thanks(request):
    return render(request, "proposals/thanks.html", {})


@never_cache
def follow(request, token: str):
    """The proposer's page: the state of their proposal, by the link in the receipt."""
    proposal = services.proposal_from_token(token)
    if proposal is None:
        raise Http404
    event = proposal.event if proposal.event is not None and proposal.event.is_public else None
    return render(request, "proposals/follow.html", {"proposal": proposal, "event": event})


# --- the staff's queue ---------------------------------------------------------------------


def staff_access(view):
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path(), str(LOGIN_URL))
        if not (roles.is_admin(request.user) or roles.branch_ids(request.user)):
            raise PermissionDenied(
                _("Only staff of a branch and administrators see the proposals.")
            )
        return view(request, *args, **kwargs)

    return wrapped


@staff_access
def queue_index(request):
    return render(
        request, "proposals/queue_index.html", {"entries": selectors.queue_branches(request.user)}
    )


@staff_access
def queue(request, slug: str):
    branch = get_object_or_404(Branch, slug=slug)
    if not roles.can_edit_branch(request.user, branch.pk):
        raise PermissionDenied(
            _("Only staff of %(branch)s and administrators see its proposals.")
            % {"branch": branch.name}
        )
    return render(
        request, "proposals/queue.html", {"branch": branch, **selectors.queue(branch=branch)}
    )


def _detail_context(proposal: Proposal, **forms) -> dict:
    context = {
        "proposal": proposal,
        "take_in_form": TakeInForm(branch=proposal.branch),
        "decline_form": DeclineForm(),
        "pass_form": PassForm(current=proposal.branch),
    }
    context.update(forms)
    return context


@staff_access
def detail(request, pk: int):
    proposal = selectors.proposal_for(user=request.user, pk=pk)
    return render(request, "proposals/detail.html", _detail_context(proposal))


def _refused(request, proposal: Proposal, name: str, form, exc: ValidationError):
    for field, errors in exc.message_dict.items():
        form.add_error(field if field in form.fields else None, errors)
    return render(
        request, "proposals/detail.html", _detail_context(proposal, **{name: form}), status=400
    )


@staff_access
@require_POST
def take_in(request, pk: int):
    proposal = selectors.proposal_for(user=request.user, pk=pk)
    form = TakeInForm(request.POST, branch=proposal.branch)
    if not form.is_valid():
        return render(
            request,
            "proposals/detail.html",
            _detail_context(proposal, take_in_form=form),
            status=400,
        )
    try:
        event = services.proposal_take_in(
            proposal=proposal,
            user=request.user,
            tracks=list(form.cleaned_data["tracks"]),
            start=form.cleaned_data["start"],
            end=form.cleaned_data["end"],
            stop=form.cleaned_data.get("stop"),
        )
    except ValidationError as exc:
        return _refused(request, proposal, "take_in_form", form, exc)
    messages.success(
        request,
        _(
            "“%(title)s” is now a draft event. Choose its room, check the text and publish it; "
            "the proposer is told when it is published."
        )
        % {"title": event.title},
    )
    return redirect(reverse("admin:events_event_change", args=[event.pk]))


@staff_access
@require_POST
def decline(request, pk: int):
    proposal = selectors.proposal_for(user=request.user, pk=pk)
    form = DeclineForm(request.POST)
    if not form.is_valid():
        return render(
            request,
            "proposals/detail.html",
            _detail_context(proposal, decline_form=form),
            status=400,
        )
    try:
        services.proposal_decline(
            proposal=proposal,
            user=request.user,
            reason=form.cleaned_data["reason"],
            tracks=list(form.cleaned_data["tracks"]),
        )
    except ValidationError as exc:
        return _refused(request, proposal, "decline_form", form, exc)
    dispatch.outcome_request(proposal.pk)
    messages.success(request, _("The proposal is declined; the proposer is sent your reason."))
    return redirect(reverse("proposals:queue", args=[proposal.branch.slug]))


@staff_access
@require_POST
def pass_on(request, pk: int):
    proposal = selectors.proposal_for(user=request.user, pk=pk)
    form = PassForm(request.POST, current=proposal.branch)
    if not form.is_valid():
        return render(
            request, "proposals/detail.html", _detail_context(proposal, pass_form=form), status=400
        )
    source = proposal.branch
    try:
        proposal = services.proposal_pass(
            proposal=proposal,
            user=request.user,
            branch=form.cleaned_data["branch"],
            note=form.cleaned_data["note"],
        )
    except ValidationError as exc:
        return _refused(request, proposal, "pass_form", form, exc)
    messages.success(
        request,
        _("The proposal is passed to %(branch)s.") % {"branch": proposal.branch.name},
    )
    return redirect(reverse("proposals:queue", args=[source.slug]))
