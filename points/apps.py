from django.apps import AppConfig


class PointsConfig(AppConfig):
    name = "points"
    verbose_name = "Guide content"

    def ready(self):
        # Every content change makes a history record: that is the one place that
        # knows "the content changed", so the page cache version follows it.
        from simple_history.signals import post_create_historical_record

        from .caching import content_changed

        post_create_historical_record.connect(content_changed, dispatch_uid="acuguide-content-version")
