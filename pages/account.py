"""Staff and management log in here (and out); the admin has its own login page."""

from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.urls import reverse, reverse_lazy


class LoginView(auth_views.LoginView):
    template_name = "pages/login.html"
    redirect_authenticated_user = True

    def get_default_redirect_url(self):
        return reverse("pages:dashboard")


class LogoutView(auth_views.LogoutView):
    # Lazy (the URLconf is not loaded yet); resolve_url takes it, the stubs only allow str.
    next_page = reverse_lazy("pages:calendar")  # type: ignore[assignment]
