"""Reader reports in the admin: Reviewers read, dismiss, or turn them into proposed revisions;
Editors may read them. Nobody adds or edits one here (readers send them through the public
form); the change page is read-only, with the reader's spot drawn beside the current marker.

Everything a reader wrote is shown as text: the list's excerpt and the change page's fields
go through the admin's escaping, and the figure through an autoescaped template.
"""

from django.contrib import admin, messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseNotAllowed, HttpResponseRedirect
from django.template.loader import render_to_string
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.text import Truncator

from .models import Placement, Report, ReportKind, ReportStatus
from .report_views import _main_figure, report_figure
from .reports import ReportError, report_dismiss, report_edit_url, report_moves_placement, report_to_revision

EXCERPT_CHARS = 80


class ReportStatusFilter(admin.SimpleListFilter):
    """New reports unless another status (or all) is chosen: the list is the reviewers' inbox."""

    title = "status"
    parameter_name = "status"
    ALL = "all"

    def lookups(self, request, model_admin):
        return [*ReportStatus.choices, (self.ALL, "All")]

    def value(self):
        value = super().value()
        return value if value in {*ReportStatus.values, self.ALL} else ReportStatus.NEW

    def choices(self, changelist):
        for lookup, title in self.lookup_choices:
            yield {
                "selected": self.value() == lookup,
                "query_string": changelist.get_query_string({self.parameter_name: lookup}),
                "display": title,
            }

    def queryset(self, request, queryset):
        value = self.value()
        return queryset if value == self.ALL else queryset.filter(status=value)


class ReportKindFilter(admin.SimpleListFilter):
    """The kinds; any other value (``?kind=%00`` included, which PostgreSQL refuses) is ignored."""

    title = "kind"
    parameter_name = "kind"

    def lookups(self, request, model_admin):
        return ReportKind.choices

    def queryset(self, request, queryset):
        value = self.value()
        return queryset.filter(kind=value) if value in ReportKind.values else queryset


class ReportAdmin(admin.ModelAdmin):
    list_display = ["created", "point_code", "kind", "excerpt", "tapped", "status"]
    list_display_links = ["created"]
    list_filter = [ReportStatusFilter, ReportKindFilter]
    list_select_related = ["point"]
    search_fields = ["point__code", "details"]
    date_hierarchy = "created"
    ordering = ["-created"]
    actions = ["turn_into_revisions", "dismiss_selected"]
    fields = ["point_link", "kind", "details", "tapped_spot", "created", "status", "handled_by", "handled", "next_step"]
    readonly_fields = fields
    change_form_template = "admin/points/report/change_form.html"

    class Media:
        css = {"all": ["points/report.css"]}

    # who may do what: points/roles.py gives Editors view_report, Reviewers change_report too

    def has_add_permission(self, request):
        return False  # readers send reports through the public form only

    def has_change_permission(self, request, obj=None):
        # the page is read-only for everyone; handling is the buttons and the actions
        return obj is None and super().has_change_permission(request)

    def has_handle_permission(self, request):
        return request.user.has_perm("points.change_report")

    # the list

    def get_changelist_instance(self, request):
        # a NUL anywhere in the filters (?kind__exact=%00): the admin's "bad filter" answer
        if any("\x00" in key + value for key, values in request.GET.lists() for value in values):
            raise IncorrectLookupParameters("NUL in the query")
        return super().get_changelist_instance(request)

    @admin.display(description="Point", ordering="point__order_key")
    def point_code(self, obj):
        return obj.point.code

    @admin.display(description="Details")
    def excerpt(self, obj):
        return Truncator(" ".join(obj.details.split())).chars(EXCERPT_CHARS) or "(none)"

    @admin.display(description="Spot on figure", boolean=True)
    def tapped(self, obj):
        return obj.x is not None

    # the read-only page

    @admin.display(description="Point")
    def point_link(self, obj):
        return format_html(
            '<a href="{}">{}</a> (<a href="{}">public page</a>)',
            reverse("admin:points_point_change", args=[obj.point_id]),
            str(obj.point),
            obj.point.get_absolute_url(),
        )

    @admin.display(description="Where the reader thinks it is")
    def tapped_spot(self, obj):
        point = obj.point
        placements = list(Placement.objects.filter(point=point).select_related("illustration"))
        if obj.has_tap:
            illustration = next((p.illustration for p in placements if p.pk == obj.placement_id), None)
        else:
            illustration = _main_figure(point, placements)
        if illustration is None:
            return "No figure shows this point."
        tap = (obj.x, obj.y) if obj.has_tap else None
        figure = report_figure(illustration, placements, tap=tap, display_px=384)
        return render_to_string("admin/points/report/figure.html", {"figure": figure, "point": point, "report": obj})

    @admin.display(description="Next step")
    def next_step(self, obj):
        if obj.status != ReportStatus.NEW:
            return "Handled."
        if report_moves_placement(obj):
            return "“Turn into a proposed revision” proposes moving the marker to the reader's spot."
        return format_html(
            '<a href="{}">Edit {} with this report as the reason</a>: the change is then reviewed as usual.',
            report_edit_url(obj),
            obj.point.code,
        )

    def render_change_form(self, request, context, *args, obj=None, **kwargs):
        context.update(
            {
                "can_handle": obj is not None
                and obj.status == ReportStatus.NEW
                and self.has_handle_permission(request),
                "moves_placement": obj is not None and report_moves_placement(obj),
                "edit_url": report_edit_url(obj) if obj is not None else "",
            }
        )
        return super().render_change_form(request, context, *args, obj=obj, **kwargs)

    # handling: buttons on the page (POST) and actions on the list

    def get_urls(self):
        prefix = f"{self.opts.app_label}_{self.opts.model_name}"
        view = self.admin_site.admin_view
        own = [
            path("<path:object_id>/revise/", view(self.revise_view), name=f"{prefix}_revise"),
            path("<path:object_id>/dismiss/", view(self.dismiss_view), name=f"{prefix}_dismiss"),
        ]
        return own + super().get_urls()

    def _handle(self, request, object_id, handle):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not self.has_handle_permission(request):
            raise PermissionDenied
        report = self.get_object(request, unquote(object_id))
        if report is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        try:
            message = handle(report)
        except ReportError as exc:
            self.message_user(request, f"{exc}.", level=messages.ERROR)
        else:
            self.message_user(request, message, level=messages.SUCCESS)
        return HttpResponseRedirect(reverse("admin:points_report_change", args=[report.pk]))

    def revise_view(self, request, object_id):
        def handle(report):
            report_to_revision(report=report, reviewer=request.user)
            return (
                f"Report {report.pk} is now a proposed revision moving {report.point.code} to the reader's spot; "
                "a second person reviews it before the public page changes."
            )

        return self._handle(request, object_id, handle)

    def dismiss_view(self, request, object_id):
        def handle(report):
            report_dismiss(report=report, reviewer=request.user)
            return f"Report {report.pk} dismissed."

        return self._handle(request, object_id, handle)

    @admin.action(description="Turn the selected reports into proposed revisions", permissions=["handle"])
    def turn_into_revisions(self, request, queryset):
        for report in queryset.select_related("point"):
            if report.status != ReportStatus.NEW:
                self.message_user(request, f"Report {report.pk} was already handled.", level=messages.WARNING)
            elif report_moves_placement(report):
                try:
                    report_to_revision(report=report, reviewer=request.user)
                except ReportError as exc:
                    self.message_user(request, f"{exc}.", level=messages.ERROR)
                else:
                    self.message_user(
                        request, f"Report {report.pk} is now a proposed revision of {report.point.code}.",
                        level=messages.SUCCESS,
                    )  # fmt: skip
            else:
                self.message_user(
                    request,
                    format_html(
                        'Report {} needs an edit: <a href="{}">edit {} with the report as the reason</a>.',
                        report.pk,
                        report_edit_url(report),
                        report.point.code,
                    ),
                    level=messages.INFO,
                )

    @admin.action(description="Dismiss the selected reports", permissions=["handle"])
    def dismiss_selected(self, request, queryset):
        dismissed = 0
        for report in queryset:
            try:
                report_dismiss(report=report, reviewer=request.user)
            except ReportError:
                continue
            dismissed += 1
        self.message_user(request, f"{dismissed} report{'s' if dismissed != 1 else ''} dismissed.")


admin.site.register(Report, ReportAdmin)
