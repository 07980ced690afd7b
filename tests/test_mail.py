"""Mail goes through Django's e-mail framework to the SMTP server that EMAIL_URL names."""

import os
import subprocess
import sys

import environ
from django.core.mail import send_mail


def test_a_mail_reaches_a_real_smtp_server_and_reads_back(smtp_server):
    sent = send_mail("Emne æøå", "Brødtekst <b>", None, ["staff@example.org"])

    assert sent == 1
    [received] = smtp_server.messages
    assert received.envelope_to == ["staff@example.org"]
    assert received.message["Subject"] == "Emne æøå"
    assert received.text.strip() == "Brødtekst <b>"
    assert "noreply@roskildebib.dk" in received.message["From"]


def test_email_url_is_read_as_django_environ_documents_it():
    config = environ.Env.email_url_config("smtp+tls://user:pw@mail.example.org:587")

    assert config["EMAIL_BACKEND"] == "django.core.mail.backends.smtp.EmailBackend"
    assert (config["EMAIL_HOST"], config["EMAIL_PORT"], config["EMAIL_USE_TLS"]) == (
        "mail.example.org",
        587,
        True,
    )


def test_the_default_is_the_console_backend():
    """Without EMAIL_URL the project's settings print mails, so `dev.py serve` needs no server."""
    env = {k: v for k, v in os.environ.items() if k not in ("EMAIL_URL", "DJANGO_SETTINGS_MODULE")}
    env.update(SECRET_KEY="x", DJANGO_SETTINGS_MODULE="calendar_service.settings")
    code = "from django.conf import settings; print(settings.EMAIL_BACKEND)"
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    ).stdout

    assert out.strip().splitlines()[-1] == "django.core.mail.backends.console.EmailBackend"
