from django import template

from ..models import Revision

register = template.Library()


@register.inclusion_tag("admin/includes/pending_reviews.html", takes_context=True)
def pending_reviews(context):
    """The admin index's line: how many proposed changes wait for a reviewer."""
    user = context["request"].user
    if not user.has_perm("points.view_revision"):
        return {"count": 0}
    return {"count": Revision.objects.pending().count(), "reviewer": user.has_perm("points.review_revision")}
