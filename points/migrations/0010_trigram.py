# pg_trgm for typo-tolerant search on PostgreSQL (a no-op on SQLite, where search uses
# a fuzzy-matching library instead; see points/search.py).
from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("points", "0009_safety_facts")]

    operations = [TrigramExtension()]
