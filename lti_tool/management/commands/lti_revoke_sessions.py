"""python manage.py lti_revoke_sessions (--launch UUID | --platform ID [--sub SUB] | --all)"""

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from lti_tool.models import Launch, LtiUser, Platform
from lti_tool.services import launch_revoke, launches_revoke


class Command(BaseCommand):
    help = (
        "End LTI sessions now: the launch tokens of one launch, of a platform (or one of "
        "its users, by id_token sub), or of every launch. Users launch again from Canvas."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--launch", help="A launch's public id (UUID).")
        parser.add_argument("--platform", type=int, help="A platform (registration) id.")
        parser.add_argument("--sub", help="With --platform: only this user's launches.")
        parser.add_argument("--all", action="store_true", help="Every launch.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["launch"]:
            launch = Launch.objects.filter(public_id=options["launch"]).first()
            if launch is None:
                raise CommandError(f"No launch {options['launch']}.")
            launch_revoke(launch=launch)
            self.stdout.write(f"Revoked launch {launch.public_id}.")
            return
        if options["platform"] is not None:
            platform = Platform.objects.filter(pk=options["platform"]).first()
            if platform is None:
                raise CommandError(f"No platform {options['platform']}.")
            user = None
            if options["sub"]:
                user = LtiUser.objects.filter(platform=platform, sub=options["sub"]).first()
                if user is None:
                    raise CommandError(f"No user {options['sub']!r} on platform {platform.pk}.")
            count = launches_revoke(platform=platform, user=user)
        elif options["all"]:
            count = launches_revoke()
        else:
            raise CommandError("Name --launch, --platform (optionally with --sub) or --all.")
        self.stdout.write(f"Revoked {count} launch(es).")
