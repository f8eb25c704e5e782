from django import template

from ..models import Report, ReportStatus, Revision

register = template.Library()


@register.inclusion_tag("admin/includes/pending_reviews.html", takes_context=True)
def pending_reviews(context):
    """The admin index's line: how many proposed changes and new reader reports wait."""
    user = context["request"].user
    return {
        "count": Revision.objects.pending().count() if user.has_perm("points.view_revision") else 0,
        "reports": Report.objects.filter(status=ReportStatus.NEW).count() if user.has_perm("points.view_report") else 0,
        "reviewer": user.has_perm("points.review_revision"),
    }
