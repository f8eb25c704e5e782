from django.core.management.base import BaseCommand, CommandError

from points.roles import roles_sync


class Command(BaseCommand):
    help = "Create or update the Editors and Reviewers groups (safe to run again)."

    def handle(self, *args, **options):
        try:
            result = roles_sync()
        except LookupError as exc:
            raise CommandError(str(exc)) from exc
        for name, count in result.items():
            self.stdout.write(f"  {name}: {count} permissions")
        self.stdout.write(self.style.SUCCESS("Editor roles are up to date."))
