"""Staff and management log in here (and out); the admin has its own login page.

Failed logins are counted and refused by django-axes (calendar_service/settings.py, AXES_*). A
refused login re-renders the form; ``LoginForm`` makes its error say that the
username is locked out from this address for a while, instead of "wrong password".
"""

from __future__ import annotations

from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.urls import reverse, reverse_lazy

from calendar_service.middleware_limits import lockout_message


class LoginForm(AuthenticationForm):
    """When axes refused the login (or this failure reached the limit), the form's error is the
    lockout message (code ``locked_out``) instead of "wrong password"."""

    def get_invalid_login_error(self):
        if getattr(self.request, "axes_locked_out", False):
            return ValidationError(lockout_message(), code="locked_out")
        return super().get_invalid_login_error()

    @property
    def locked_out(self) -> bool:
        return self.has_error(NON_FIELD_ERRORS, code="locked_out")


class AdminLoginForm(LoginForm, AdminAuthenticationForm):
    """The admin's login form (staff members only), with the lockout message."""


class LoginView(auth_views.LoginView):
    template_name = "pages/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def get_default_redirect_url(self):
        return reverse("pages:dashboard")


class ApiLoginView(auth_views.LoginView):
    """The browsable API's session login (/api/auth/login/), DRF's template with our form."""

    template_name = "rest_framework/login.html"
    authentication_form = LoginForm


class LogoutView(auth_views.LogoutView):
    # Lazy (the URLconf is not loaded yet); resolve_url takes it, the stubs only allow str.
    next_page = reverse_lazy("pages:calendar")  # type: ignore[assignment]
