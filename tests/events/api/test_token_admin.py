"""Tokens for scripts are created and revoked by an administrator in the admin."""

import pytest
from django.test import Client
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db


def test_an_administrator_creates_and_revokes_a_token_in_the_admin(admin_user, staff_user, draft):
    admin = Client()
    admin.force_login(admin_user)
    created = admin.post("/admin/authtoken/tokenproxy/add/", {"user": staff_user.pk})
    assert created.status_code == 302
    token = Token.objects.get(user=staff_user)

    script = APIClient()
    script.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert script.get(f"/api/v1/events/{draft.pk}/").status_code == 200

    # the admin addresses a token by its user's id
    revoked = admin.post(f"/admin/authtoken/tokenproxy/{staff_user.pk}/delete/", {"post": "yes"})
    assert revoked.status_code == 302
    assert not Token.objects.filter(user=staff_user).exists()
    assert script.get(f"/api/v1/events/{draft.pk}/").status_code == 401
