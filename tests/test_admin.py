"""Editors can reach every content model in the admin and find points by alias."""

import pytest

pytestmark = pytest.mark.django_db

# session, user, count, filtered count, page rows, and the filter sidebar lookups
ADMIN_CHANGELIST_QUERIES = 8


@pytest.mark.parametrize(
    "path",
    ["/admin/points/point/", "/admin/points/condition/", "/admin/points/source/", "/admin/points/discrepancy/",
     "/admin/points/point/?q=Hoku", "/admin/points/point/?q=UB47", "/admin/points/redflag/"],
)  # fmt: skip
def test_admin_lists(admin_client, path):
    assert admin_client.get(path).status_code == 200


def test_admin_search_by_alias(admin_client):
    html = admin_client.get("/admin/points/point/", {"q": "Sea of Vitality"}).content.decode()
    assert "BL23" in html and "BL52" in html and "LI4" not in html


def test_point_change_form_and_history(admin_client):
    from points.models import Point

    pk = Point.objects.get(code="BL40").pk
    assert admin_client.get(f"/admin/points/point/{pk}/change/").status_code == 200
    assert admin_client.get(f"/admin/points/point/{pk}/history/").status_code == 200


# queries per changelist: session, user, counts, rows and the filter sidebar lookups
CHANGELISTS = {
    "/admin/points/point/": ADMIN_CHANGELIST_QUERIES,
    "/admin/points/condition/": 5,
    "/admin/points/source/": 5,
    "/admin/points/discrepancy/": 5,
    "/admin/points/placement/": 6,
}


def test_changelist_queries_do_not_grow(admin_client, django_assert_num_queries):
    from points.synthetic import synthetic_points_create

    def measure():
        for path, expected in CHANGELISTS.items():
            admin_client.get(path)  # warm the session
            with django_assert_num_queries(expected):
                assert admin_client.get(path).status_code == 200

    measure()
    synthetic_points_create(copies=3)
    measure()
