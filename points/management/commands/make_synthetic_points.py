from django.core.management.base import BaseCommand

from points.models import Status
from points.synthetic import synthetic_points_create


class Command(BaseCommand):
    help = "Copy every published point N times (for measuring how pages scale). Never run on a real site."

    def add_arguments(self, parser):
        parser.add_argument("--copies", type=int, default=99, help="Copies of each point (99 = 100x content).")
        parser.add_argument(
            "--published", action="store_true", help="Publish the copies (they then appear in every list)."
        )

    def handle(self, *args, copies, published, **options):
        status = Status.PUBLISHED if published else Status.DRAFT
        created = synthetic_points_create(copies=copies, status=status)
        self.stdout.write(self.style.SUCCESS(f"Created {created} synthetic points ({status})."))
