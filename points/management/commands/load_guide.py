from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from points.loading import ContentError, guide_load


class Command(BaseCommand):
    help = (
        "Load the guide content shipped in fixtures/: adds what is missing, never changes existing records "
        "and never re-adds a record an editor deleted (docs/content-format.md)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--fixtures", default=settings.GUIDE_FIXTURES_DIR, help="Folder to load from.")

    def handle(self, *args, **options):
        try:
            report = guide_load(fixtures_dir=options["fixtures"])
        except ContentError as exc:
            raise CommandError(f"Guide content not loaded: {exc}") from exc
        for line in report.lines():
            self.stdout.write(f"  {line}")
        if report.total_created:
            self.stdout.write(self.style.SUCCESS(f"Guide content loaded: {report.total_created} records added."))
        else:
            self.stdout.write(self.style.SUCCESS("Guide content already up to date: nothing to add."))
