"""Compile every ``locale/*/LC_MESSAGES/*.po`` of the project to ``.mo`` with polib.

Django's ``compilemessages`` needs GNU gettext's ``msgfmt``; this needs only Python, so it runs
in the slim image (Dockerfile) and on a laptop (``dev.py``) alike.
"""

from __future__ import annotations

from pathlib import Path

import polib
from django.conf import settings
from django.core.management.base import BaseCommand

SKIP = {".venv", "node_modules", ".git", "var"}


def po_files(root: Path) -> list[Path]:
    return sorted(
        po
        for po in root.glob("**/locale/*/LC_MESSAGES/*.po")
        if not SKIP.intersection(po.relative_to(root).parts)
    )


class Command(BaseCommand):
    help = "Compile the project's .po translation catalogues to .mo (polib, no gettext needed)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--force", action="store_true", help="Compile even when the .mo file is newer."
        )

    def handle(self, *args, force: bool = False, **options):
        root = Path(settings.BASE_DIR)
        compiled = 0
        for po in po_files(root):
            mo = po.with_suffix(".mo")
            if force or not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime:
                polib.pofile(str(po)).save_as_mofile(str(mo))
                compiled += 1
                self.stdout.write(f"compiled {mo.relative_to(root)}")
        self.stdout.write(self.style.SUCCESS(f"{compiled} catalogue(s) compiled"))
