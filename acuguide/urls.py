from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("", include("points.urls")),
]

handler404 = "points.views.not_found"
handler500 = "points.views.server_error"
