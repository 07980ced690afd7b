"""Proposals in the admin: for administrators only (read and correct). Branch staff work in
their queue (``proposals.views``), which shows each of them only their branches' proposals."""

from __future__ import annotations

from django.contrib import admin

from events import roles

from .models import Proposal


@admin.register(Proposal)
class ProposalAdmin(admin.ModelAdmin):
    list_display = ("title", "branch", "status", "created_at", "decided_at", "erased_at")
    list_filter = ("status", "branch")
    search_fields = ("title",)
    raw_id_fields = ("event",)
    readonly_fields = ("created_at", "receipt_sent_at", "outcome_sent_at", "erased_at")

    def has_module_permission(self, request) -> bool:
        return roles.is_admin(request.user)

    def has_view_permission(self, request, obj=None) -> bool:
        return roles.is_admin(request.user)

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return roles.is_admin(request.user)

    def has_delete_permission(self, request, obj=None) -> bool:
        return roles.is_admin(request.user)
