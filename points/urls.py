from django.urls import path

from . import report_views, views

app_name = "points"

urlpatterns = [
    path("", views.home, name="home"),
    path("regions/<str:slug>/", views.region_detail, name="region"),
    path("points/<str:code>/", views.point_detail, name="point"),
    path("points/<str:code>/sheet/", views.point_sheet, name="point_sheet"),
    path("points/<str:code>/report/", report_views.point_report, name="point_report"),
    path("points/<str:code>/report/thanks/", report_views.point_report_thanks, name="point_report_thanks"),
    path("conditions/", views.condition_list, name="conditions"),
    path("conditions/<str:slug>/sheet/", views.condition_sheet, name="condition_sheet"),
    path("sheet/", views.custom_sheet, name="custom_sheet"),
    path("sheet/tray/", views.sheet_tray, name="sheet_tray"),
    path("conditions/<str:slug>/", views.condition_detail, name="condition"),
    path("search/", views.search_view, name="search"),
    path("how-to-press/", views.how_to_press, name="how_to_press"),
    path("safety/", views.safety, name="safety"),
    path("sources/", views.sources, name="sources"),
    path("healthz", views.healthz, name="healthz"),
    path("healthz/live", views.alive, name="alive"),
]
