"""python manage.py lti_rotate_keys [--retire-after-days N]"""

from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand

from lti_tool.keys import tool_key_rotate, tool_keys_retire


class Command(BaseCommand):
    help = (
        "Make a new tool signing key. The previous key stays in /lti/jwks/ until retired; "
        "--retire-after-days N retires published keys older than N days (default 7)."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--retire-after-days", type=int, default=7)
        parser.add_argument(
            "--retire-only", action="store_true", help="Only retire old keys; no new key."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not options["retire_only"]:
            key = tool_key_rotate()
            self.stdout.write(f"New active key {key.kid}.")
        retired = tool_keys_retire(older_than=timedelta(days=options["retire_after_days"]))
        self.stdout.write(
            f"Retired {retired} key(s) published more than "
            f"{options['retire_after_days']} day(s) ago."
        )
