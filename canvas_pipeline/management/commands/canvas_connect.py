"""Link an LTI platform registration to a Canvas root account (idempotent)."""

from django.core.management.base import BaseCommand, CommandError

from canvas_pipeline.services.setup import events_url, installation_connect, platform_get
from smartnotes.errors import ApplicationError


class Command(BaseCommand):
    help = (
        "Link an LTI platform to a Canvas root account and print the Live Events URL to "
        "paste into Canvas Data Services."
    )

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("--platform", required=True, help="LTI platform name")
        parser.add_argument("--root-account-uuid", required=True)
        parser.add_argument("--root-account-lti-guid")
        parser.add_argument("--api-url", help="Canvas address, e.g. https://canvas.example.edu")
        parser.add_argument(
            "--api-token", help="admin-provided Canvas API token (stored encrypted)"
        )
        parser.add_argument("--live-events-jwks-url")
        parser.add_argument(
            "--allow-unsigned",
            action="store_true",
            default=None,
            help="accept unsigned events, only on the secret events URL",
        )
        parser.add_argument("--oauth-client-id", help="Canvas API developer key id")
        parser.add_argument("--oauth-client-secret", help="Canvas API developer key secret")

    def handle(self, *args, **options):  # type: ignore[no-untyped-def]
        try:
            installation = installation_connect(
                platform=platform_get(options["platform"]),
                root_account_uuid=options["root_account_uuid"],
                root_account_lti_guid=options["root_account_lti_guid"],
                api_url=options["api_url"],
                api_token=options["api_token"],
                live_events_jwks_url=options["live_events_jwks_url"],
                allow_unsigned=options["allow_unsigned"],
                oauth_client_id=options["oauth_client_id"],
                oauth_client_secret=options["oauth_client_secret"],
            )
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(f"Linked {installation}.")
        self.stdout.write(f"Live Events URL: {events_url(installation)}")
