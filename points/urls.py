from django.urls import path

from . import views

app_name = "points"

urlpatterns = [
    path("", views.home, name="home"),
    path("regions/<str:slug>/", views.region_detail, name="region"),
    path("points/<str:code>/", views.point_detail, name="point"),
    path("conditions/<str:slug>/", views.condition_detail, name="condition"),
    path("search/", views.search_view, name="search"),
    path("how-to-press/", views.how_to_press, name="how_to_press"),
    path("safety/", views.safety, name="safety"),
    path("sources/", views.sources, name="sources"),
]
