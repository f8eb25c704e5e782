from django.apps import AppConfig


class PointsConfig(AppConfig):
    name = "points"
    verbose_name = "Guide content"

    def ready(self):
        # Every content change makes a history record: that is the one place that
        # knows "the content changed", so the page cache version follows it.
        from django.db.models.signals import post_migrate
        from simple_history.signals import post_create_historical_record

        from .caching import content_changed

        post_create_historical_record.connect(content_changed, dispatch_uid="acuguide-content-version")
        # A migrate may change what pages render: a new version, never one used before.
        post_migrate.connect(_migrated, sender=self, dispatch_uid="acuguide-content-version-migrate")
        # sign-in refuses an over-long username in the form (points/signin.py)
        from django.contrib import admin

        from .signin import SignInForm

        admin.site.login_form = SignInForm

        # Reader reports in the admin (their own module: the content admin does not import it).
        from . import admin_reports  # noqa: F401


def _migrated(using, plan=None, **kwargs):
    from django.db import connections, transaction

    from .caching import content_changed
    from .models import ContentVersion

    # only when migrations ran, and not after migrating the app away
    if plan and ContentVersion._meta.db_table in connections[using].introspection.table_names():
        with transaction.atomic(using=using):
            content_changed()
