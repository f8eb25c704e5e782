"""Nothing an editor can save breaks a public page, and staff-side odd input is a 4xx, not a
500 (issue 12, item 4 and the staff-side "Small" repros). The random version of the same
promise is tests/test_admin_fuzz.py."""

import json

import pytest
from django.contrib.staticfiles.storage import ManifestStaticFilesStorage
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils.functional import empty

from points import figures, guards, views
from points.loading import ContentError, guide_load
from points.models import Alias, Condition, Discrepancy, Illustration, Meridian, Point, Region, Source

from .admin_forms import admin_form_data

pytestmark = pytest.mark.django_db

PAGES_OF_LI11 = ["/regions/arm/", "/sources/", "/points/li11/", "/search/?q=li11"]


@pytest.fixture
def staff(admin_user, one_person_site):
    """A superuser on a one-person site: saves apply at once (what is valid, not who approves:
    tests/test_four_eyes.py)."""
    client = Client()
    client.force_login(admin_user)
    return client


def change_url(obj):
    return f"/admin/points/{obj._meta.model_name}/{obj.pk}/change/"


def post_change(client, obj, **changes):
    url = change_url(obj)
    data = admin_form_data(client, url)
    data.update(changes, change_reason="Testing what the form accepts")
    return client.post(url, data)


# Codes read as codes


@pytest.mark.parametrize("code", ["LI11/X", "LI11 X", "LI 11?", "UB23", "LI21", "LI0", "XX11", "LI11<b>", "#LI11"])
def test_a_code_that_is_not_a_who_code_is_refused_by_the_form(staff, client, code):
    point = Point.objects.get(code="LI11")
    response = post_change(staff, point, code=code)
    assert response.status_code == 200 and "Not a WHO point code" in response.content.decode()
    assert Point.objects.get(pk=point.pk).code == "LI11"
    for path in PAGES_OF_LI11:
        assert client.get(path).status_code == 200, path


@pytest.mark.parametrize(("typed", "stored"), [("li11", "LI11"), ("Li-11", "LI11"), ("LI011", "LI11")])
def test_a_code_typed_in_another_case_or_spacing_is_stored_in_its_who_spelling(staff, client, typed, stored):
    point = Point.objects.get(code="LI11")
    assert post_change(staff, point, code=typed).status_code == 302
    point.refresh_from_db()
    assert (point.code, point.slug) == (stored, "li11")
    assert client.get("/points/li11/").status_code == 200


def test_the_code_must_agree_with_the_meridian_and_number(staff):
    point = Point.objects.get(code="LI11")
    response = post_change(staff, point, code="ST11")
    html = response.content.decode()
    assert response.status_code == 200 and "ST11 is a point of ST, not of LI" in html
    assert "The number of ST11 is 11" not in html  # the number agrees
    response = post_change(staff, point, code="LI10")
    assert response.status_code == 200 and "The number of LI10 is 10." in response.content.decode()
    assert Point.objects.get(pk=point.pk).code == "LI11"


def test_a_code_differing_only_in_case_from_another_is_a_form_error(staff):
    point = Point.objects.get(code="LI4")
    response = post_change(staff, point, code="li11", number="11")  # LI11 exists
    assert response.status_code == 200, "a database error would have been a 500"
    assert "already" in response.content.decode()
    assert Point.objects.get(pk=point.pk).code == "LI4"


def test_the_database_refuses_a_code_differing_only_in_case():
    from django.db import IntegrityError, transaction

    point = Point.objects.get(code="LI4")
    with pytest.raises(IntegrityError), transaction.atomic():
        Point.objects.filter(pk=point.pk).update(code="li11")


def test_the_loader_refuses_a_code_that_is_not_one(fixtures_copy):
    item = json.loads((fixtures_copy / "points" / "li11.json").read_text())
    item.update(code="LI99", aliases=[])  # LI has 20 points; a code the database does not have yet
    (fixtures_copy / "points" / "li99.json").write_text(json.dumps(item))
    with pytest.raises(ContentError, match="Not a WHO point code"):
        guide_load(fixtures_dir=fixtures_copy)
    assert not Point.objects.filter(code__startswith="LI9").exists()


def test_a_meridian_code_must_be_one_that_point_codes_use(staff):
    meridian = Meridian.objects.get(code="LI")
    response = post_change(staff, meridian, code="L/I")
    assert response.status_code == 200 and "Not a meridian" in response.content.decode()
    response = post_change(staff, meridian, code="ST")  # a known one, but LI11 is written with LI
    assert response.status_code == 200
    assert Meridian.objects.get(pk=meridian.pk).code == "LI"


# Anything an address or element id is built from


@pytest.mark.parametrize("slug", ["Arm", "arm_", "arm--lower", "a" * 41, "ärm"])
def test_a_region_slug_must_be_a_plain_lower_case_slug_a_page_answers_to(staff, client, slug):
    region = Region.objects.get(slug="arm")
    response = post_change(staff, region, slug=slug)
    assert response.status_code == 200 and 'class="errorlist' in response.content.decode()
    assert Region.objects.get(pk=region.pk).slug == "arm"


def test_the_longest_slug_allowed_is_the_longest_a_page_answers_to(staff, client):
    assert guards.SLUG_MAX_LENGTH == views.MAX_SLUG_LENGTH
    condition = Condition.objects.get(slug="sciatica")
    longest = "s" * guards.SLUG_MAX_LENGTH
    assert post_change(staff, condition, slug=longest).status_code == 302
    assert client.get(f"/conditions/{longest}/").status_code == 200
    assert client.get(f"/conditions/{longest}/sheet/").status_code == 200


def test_a_discrepancy_ref_and_a_source_key_are_what_anchors_are_made_of(staff, client):
    discrepancy = Discrepancy.objects.get(ref="E1")
    response = post_change(staff, discrepancy, ref="E1 <b>")
    assert response.status_code == 200 and "Write E and a number" in response.content.decode()
    source = Source.objects.get(key="deadman")
    response = post_change(staff, source, key="Deadman")
    assert response.status_code == 200 and "lower-case letters" in response.content.decode()


def test_an_article_key_that_is_not_numbered_gives_no_label_and_no_500(client):
    source = Source.objects.get(key="article-000-zh")
    assert source.label == ""  # was "Article 1" read from its last character, or a ValueError
    Source.objects.filter(pk=source.pk).update(key="article-00x", kind=Source.Kind.ARTICLE)
    assert client.get("/sources/").status_code == 200


# Aliases: uniqueness whatever the case


def test_an_alias_differing_only_in_case_from_another_points_is_a_form_error(staff):
    li4 = Point.objects.get(code="LI4")
    other = Alias.objects.filter(ambiguous=False).exclude(point=li4).first()
    url = change_url(li4)
    data = admin_form_data(staff, url)
    n = int(data["aliases-TOTAL_FORMS"])
    data.update(
        {
            "aliases-TOTAL_FORMS": n + 1,
            f"aliases-{n}-text": other.text.upper(),
            f"aliases-{n}-kind": "popular",
            "change_reason": "Another name",
        }
    )
    response = staff.post(url, data)
    assert response.status_code == 200, "a database error would have been a 500"
    assert "Another point already has this alias" in response.content.decode()
    assert not li4.aliases.filter(normalized=other.normalized).exists()


def test_the_same_alias_twice_on_one_point_is_a_form_error(staff):
    li4 = Point.objects.get(code="LI4")
    mine = li4.aliases.first()
    url = change_url(li4)
    data = admin_form_data(staff, url)
    n = int(data["aliases-TOTAL_FORMS"])
    data.update(
        {
            "aliases-TOTAL_FORMS": n + 2,
            f"aliases-{n}-text": mine.text.swapcase(),  # clashes with a saved row
            f"aliases-{n}-kind": "popular",
            f"aliases-{n + 1}-text": "Brand New Name",
            f"aliases-{n + 1}-kind": "popular",
            "change_reason": "Names",
        }
    )
    response = staff.post(url, data)
    assert response.status_code == 200 and "This point already has this alias" in response.content.decode()
    data.update({f"aliases-{n}-text": "brand-new name"})  # two new rows that are the same alias
    response = staff.post(url, data)
    assert response.status_code == 200 and "The same alias as" in response.content.decode()
    assert not li4.aliases.filter(normalized="brandnewname").exists()


# Figures: the path must exist, and a file that goes missing later is left out


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("illustrations/no-such-figure.svg", "There is no illustrations/no-such-figure.svg"),
        ("illustrations/../illustrations/back.svg", "Name a shipped SVG"),
        ("../README.md", "Name a shipped SVG"),
        ("css/site.css", "Name a shipped SVG"),
        ("favicon.svg", "Name a shipped SVG"),
        ("/etc/passwd", "Name a shipped SVG"),
        ("illustrations/Back.svg", "Name a shipped SVG"),
    ],
)
def test_a_figure_must_name_a_shipped_svg_that_is_there(staff, path, message):
    figure = Illustration.objects.get(slug="back")
    response = post_change(staff, figure, static_path=path)
    assert response.status_code == 200 and message in response.content.decode()
    assert Illustration.objects.get(pk=figure.pk).static_path == "illustrations/back.svg"


def test_a_figure_named_in_the_admin_gets_its_drawing_size(staff):
    figure = Illustration.objects.get(slug="back-neck")  # 500 x 420
    # drawn to a scale and measured from landmarks, another drawing would misplace its points
    response = post_change(staff, figure, static_path="illustrations/back.svg")
    assert response.status_code == 200 and "cun" in response.content.decode()
    # a figure nobody measured on: it takes the new drawing's size
    Illustration.objects.filter(pk=figure.pk).update(width=None, height=None, scale={})
    figure.placements.update(landmark="", dx=None, dy=None)
    figure.refresh_from_db()
    assert post_change(staff, figure, static_path="illustrations/back.svg", scale="{}").status_code == 302
    figure.refresh_from_db()
    assert (figure.width, figure.height) == (400, 800)  # the markers are placed in these units


def test_the_loader_refuses_a_figure_path_outside_the_figures(fixtures_copy):
    Illustration.objects.filter(slug="back").delete()
    path = fixtures_copy / "illustrations" / "back.json"
    item = json.loads(path.read_text())
    item["static_path"] = "illustrations/../illustrations/back.svg"
    path.write_text(json.dumps(item))
    with pytest.raises(ContentError, match="Name a shipped SVG"):
        guide_load(fixtures_dir=fixtures_copy)


def test_svg_path_validator_reads_the_drawing(tmp_path, settings):
    broken = tmp_path / "illustrations"
    broken.mkdir()
    (broken / "broken.svg").write_text('<svg viewBox="0 0 10 10"><circle id="x" r="')
    (broken / "nobox.svg").write_text("<svg></svg>")
    settings.STATICFILES_DIRS = [*settings.STATICFILES_DIRS, tmp_path]
    with pytest.raises(ValidationError, match="not an SVG drawing"):
        guards.validate_shipped_svg("illustrations/broken.svg")
    with pytest.raises(ValidationError, match="no viewBox"):
        guards.validate_shipped_svg("illustrations/nobox.svg")


@pytest.fixture
def back_svg_not_collected(tmp_path, settings):
    """Production's manifest storage, with every shipped file collected but the back figure
    (a file that went missing after it was saved)."""
    from django.contrib.staticfiles import finders

    paths = {
        path: path
        for finder in finders.get_finders()
        for path, _ in finder.list([])
        if path != "illustrations/back.svg"
    }
    (tmp_path / "staticfiles.json").write_text(json.dumps({"paths": paths, "version": "1.1", "hash": "x"}))
    settings.STATIC_ROOT = tmp_path
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"},
    }
    from django.contrib.staticfiles.storage import staticfiles_storage

    staticfiles_storage._wrapped = ManifestStaticFilesStorage()  # the setting is read once
    figures._art_at.cache_clear()
    yield
    staticfiles_storage._wrapped = empty
    figures._art_at.cache_clear()


def test_a_figure_whose_file_went_missing_is_left_out_not_a_500(back_svg_not_collected, client):
    placed = Point.objects.filter(placements__illustration__slug="back").distinct()
    assert placed.exists()
    c = Client(raise_request_exception=False)
    page = c.get("/regions/back/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'id="fig-back"' not in html and 'id="fig-back-lower"' in html  # the others are still drawn
    for point in placed:
        for path in (f"/points/{point.slug}/", f"/points/{point.slug}/sheet/"):
            assert c.get(path).status_code == 200, path
        assert c.get(f"/points/{point.slug}/", headers={"HX-Request": "true"}).status_code == 200


# Staff-side odd input


@pytest.mark.parametrize(
    "path",
    [
        "/admin/points/point/?status__exact=%00",
        "/admin/points/point/?q=%00",
        "/admin/points/source/?kind__exact=a%00b",
        "/admin/autocomplete/?term=%00&app_label=points&model_name=citation&field_name=source",
        "/admin/autocomplete/?term=%00&app_label=points&model_name=point&field_name=reach_alternative",
        "/admin/points/point/?%00=1",
    ],
)
def test_nul_in_filters_and_autocomplete_is_a_400(staff, path):
    assert staff.get(path).status_code == 400


def test_nul_in_form_data_is_a_400(staff):
    point = Point.objects.get(code="LI4")
    response = post_change(staff, point, notes="a\x00b")
    assert response.status_code == 400
    assert Point.objects.get(pk=point.pk).notes != "a\x00b"


def test_the_point_autocomplete_answers(staff):
    response = staff.get("/admin/autocomplete/?term=bl&app_label=points&model_name=point&field_name=reach_alternative")
    assert response.status_code == 200 and response.json()["results"]


@pytest.mark.parametrize(
    "path",
    [
        "/admin/points/point/{pk}/history/abc/",
        "/admin/points/point/{pk}/history/1.5/",
        "/admin/points/point/{pk}/history/99999999999999999999999/",
        "/admin/points/point/abc/history/",
        "/admin/points/point/abc/history/1/",
        "/admin/points/source/abc/history/",
        "/admin/points/point/{pk}/history/%D9%A1/",
    ],
)
def test_bad_history_ids_are_a_404(staff, path):
    pk = Point.objects.get(code="LI4").pk
    assert staff.get(path.format(pk=pk)).status_code == 404


def test_good_history_ids_still_open(staff):
    point = Point.objects.get(code="LI4")
    version = point.history.first().history_id
    assert staff.get(f"/admin/points/point/{point.pk}/history/").status_code == 200
    assert staff.get(f"/admin/points/point/{point.pk}/history/{version}/").status_code == 200
