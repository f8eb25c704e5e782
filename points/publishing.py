"""Review and publish: a point goes public only when its location and any
pregnancy caution are cited (issue 4, items 4 and 5)."""

import datetime

from django.db import transaction
from django.db.models import F

from .models import Point, Status


class PublishError(ValueError):
    pass


def point_publish_problems(point):
    """What stops ``point`` from being published, in words an editor understands."""
    claims = set(point.citations.values_list("claim", flat=True))
    problems = []
    if "location" not in claims:
        problems.append(f"{point.code} has no citation for its location")
    if point.pregnancy_caution != Point.Pregnancy.NONE and "pregnancy" not in claims:
        problems.append(f"{point.code} has a pregnancy caution without a citation")
    return problems


@transaction.atomic
def point_publish(*, point, reviewer, reason="Published after review"):
    """Publish ``point`` and stamp today's review date; raise PublishError if it is not ready."""
    problems = point_publish_problems(point)
    if problems:
        raise PublishError("; ".join(problems))
    point.status = Status.PUBLISHED
    point.last_reviewed = datetime.date.today()
    point._change_reason = reason
    point._history_user = reviewer
    Point.objects.filter(pk=point.pk).update(version=F("version") + 1)
    point.version += 1
    point.save()
    return point
