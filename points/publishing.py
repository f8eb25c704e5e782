"""Review and publish: a point goes public only when its location and any
pregnancy caution are cited (issue 4, items 4 and 5). The rule itself is applied
by ``points.review.changes_apply`` on every path that can publish."""

from .models import Point


class PublishError(ValueError):
    pass


def point_publish_problems(point, claims=None):
    """What stops ``point`` from being published, in words an editor understands.

    ``claims`` are the citation claims it will have (default: the ones it has now)."""
    if claims is None:
        claims = set(point.citations.values_list("claim", flat=True))
    problems = []
    if "location" not in claims:
        problems.append(f"{point.code} has no citation for its location")
    if point.pregnancy_caution != Point.Pregnancy.NONE and "pregnancy" not in claims:
        problems.append(f"{point.code} has a pregnancy caution without a citation")
    return problems


def point_publish(*, point, reviewer, reason="Published after review"):
    """Publish ``point`` and stamp today's review date; raise PublishError if it is not ready."""
    from .review import ContentError, changes_apply

    problems = point_publish_problems(point)
    if problems:
        raise PublishError("; ".join(problems))
    op = {"op": "change", "model": "point", "pk": point.pk, "version": point.version, "fields": {"status": "published"}}
    try:
        (published,) = changes_apply(changes=[op], user=reviewer, reason=reason)
    except ContentError as exc:
        raise PublishError(exc.message.rstrip(".")) from None
    return published
