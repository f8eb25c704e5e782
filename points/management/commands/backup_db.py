from django.core.management.base import BaseCommand, CommandError

from points.backup import BackupError, database_backup


class Command(BaseCommand):
    help = "Back up the database to a file (SQLite online backup, or pg_dump for PostgreSQL)."

    def add_arguments(self, parser):
        parser.add_argument("path", help="Where to write the backup.")

    def handle(self, *args, path, **options):
        try:
            database_backup(path=path)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(self.style.SUCCESS(f"Backed up to {path}"))
