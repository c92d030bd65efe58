"""python manage.py lti_add_platform --name ... --issuer ... (idempotent)."""

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from lti_tool.canvas_config import tool_urls
from lti_tool.keys import tool_key_get_active
from lti_tool.services import PlatformRegistered, platform_register


class Command(BaseCommand):
    help = "Register (or update) an LTI 1.3 platform and print what to paste into the LMS."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--name", required=True)
        parser.add_argument("--issuer", required=True)
        parser.add_argument("--client-id", required=True)
        parser.add_argument("--deployment-id", default="")
        parser.add_argument("--auth-login-url", required=True)
        parser.add_argument("--auth-token-url", required=True)
        parser.add_argument("--key-set-url", required=True)
        parser.add_argument("--auth-audience", default="")
        parser.add_argument("--canvas-api-url", default="")
        parser.add_argument(
            "--auto-register-deployments",
            action="store_true",
            default=None,
            help="Accept new deployment ids from correctly signed launches of this client id.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            result = self._register(options)
        except ValidationError as exc:
            raise CommandError(
                "; ".join(f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items())
            ) from exc
        self._print(result)

    def _register(self, options: dict[str, Any]) -> PlatformRegistered:
        return platform_register(
            name=options["name"],
            issuer=options["issuer"],
            client_id=options["client_id"],
            deployment_id=options["deployment_id"],
            auth_login_url=options["auth_login_url"],
            auth_token_url=options["auth_token_url"],
            key_set_url=options["key_set_url"],
            auth_audience=options["auth_audience"],
            canvas_api_url=options["canvas_api_url"],
            auto_register_deployments=options["auto_register_deployments"],
        )

    def _print(self, result: PlatformRegistered) -> None:
        key = tool_key_get_active()
        urls = tool_urls()
        verb = "Registered" if result.created else "Updated"
        self.stdout.write(f"{verb} platform {result.platform} (id {result.platform.pk}).")
        if result.deployment:
            self.stdout.write(f"Deployment: {result.deployment.deployment_id}")
        self.stdout.write(
            "\nPaste into Canvas (Admin > Developer Keys > + LTI Key):\n"
            f"  Method: Enter URL   JSON URL: {urls['config']}\n"
            "  or enter the fields by hand:\n"
            f"  Redirect URIs / Target link URI: {urls['launch']}\n"
            f"  OpenID Connect initiation URL:   {urls['login']}\n"
            f"  Public JWK URL:                  {urls['jwks']}\n"
            f"  Signing key id (kid):            {key.kid}\n"
        )
