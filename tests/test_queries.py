"""Queries per page are fixed and do not grow with the content (issue 2, item 9)."""

import pytest

from points.models import Point
from points.synthetic import synthetic_points_create

pytestmark = pytest.mark.django_db

# path -> number of SQL queries the page needs, whatever the size of the guide.
PAGES = {
    "/": 4,  # published counts by region and by condition, regions, conditions
    "/regions/back/": 4,  # region, points, figures, markers
    "/regions/foot/": 4,
    "/points/bl23/": 8,  # point + 6 prefetches (ways to reach included), markers with their figures
    "/points/bl23/?hx": 8,  # the htmx panel: the same, its close-up included
    "/conditions/sciatica/": 8,  # condition + 5 prefetches, markers with their figures, the red flags
    "/search/?q=bl23": 4,
    "/search/?q=sciatica": 4,
    "/search/?q=B47": 4,
    "/sources/": 6,  # sources, errors, conflicts and their sources, footnote sources cited by key, figures
    "/safety/": 3,  # points, the red flags, footnote sources cited by key
    "/how-to-press/": 2,  # points (by pressure), footnote sources cited by key
    # pregnancy mode: the same queries (points left out, alternatives named from the same rows)
    "/conditions/acute-low-back-pain/?pregnant=1": 8,
    "/points/li4/?pregnant=1": 8,
    "/regions/hand/?pregnant=1": 6,  # + the left-out points' pregnancy citations and alternatives
    "/how-to-press/?pregnant=1": 4,
}


def measure(client, django_assert_num_queries):
    for path, expected in PAGES.items():
        headers = {"HX-Request": "true"} if path.endswith("?hx") else {}
        with django_assert_num_queries(expected):
            response = client.get(path.removesuffix("?hx"), headers=headers)
        assert response.status_code == 200, path


def test_query_counts_are_constant_as_points_grow_tenfold(client, django_assert_num_queries, settings):
    settings.ACUGUIDE_PAGE_CACHE = False  # cold renders: what a page costs right after an edit
    before = Point.objects.count()
    measure(client, django_assert_num_queries)
    synthetic_points_create(copies=9)
    assert Point.objects.count() >= 10 * before
    measure(client, django_assert_num_queries)
