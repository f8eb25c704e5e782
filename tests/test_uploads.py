"""Uploaded illustrations: only real PNG, JPEG and WebP; metadata stripped (issue 4, item 8)."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from points.models import Illustration, Placement, Point, Region

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("one_person_site")]


def image_bytes(fmt="PNG", size=(400, 300), mode="RGB", **save):
    buf = io.BytesIO()
    Image.new(mode, size, "white").save(buf, format=fmt, **save)
    return buf.getvalue()


def post(admin_client, upload, slug="uploaded"):
    data = {
        "region": Region.objects.get(slug="hand").pk, "slug": slug, "view": "photo of a hand",
        "image": upload, "static_path": "", "alt_text": "A photo of the back of a hand", "description": "",
        "credit": "Test", "licence": "CC BY 4.0", "order": 9,
    }  # fmt: skip
    return admin_client.post("/admin/points/illustration/add/", data)


def test_good_jpeg_is_re_encoded_without_exif_and_sized(admin_client):
    exif = Image.Exif()
    exif[0x010F] = "SecretCameraMaker"
    upload = SimpleUploadedFile("hand.jpg", image_bytes("JPEG", exif=exif.tobytes()), "image/jpeg")
    response = post(admin_client, upload)
    assert response.status_code == 302, response.context["adminform"].form.errors
    illustration = Illustration.objects.get(slug="uploaded")
    assert (illustration.width, illustration.height) == (400, 300)
    with illustration.image.open("rb") as fh:
        data = fh.read()
    assert b"SecretCameraMaker" not in data
    assert not Image.open(io.BytesIO(data)).getexif()


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("evil.svg", b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', "image"),
        ("evil.png", b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"/>', "image"),
        ("notes.png", b"just some text, not an image", "image"),
        ("cut.png", image_bytes("PNG", size=(600, 600), mode="RGB")[:300], "image"),
        ("anim.gif", image_bytes("GIF"), "GIF images are not accepted"),
        ("bomb.png", image_bytes("PNG", size=(6000, 6000), mode="1"), "image"),
    ],
)
def test_bad_uploads_are_refused_with_a_message(admin_client, name, content, message):
    response = post(admin_client, SimpleUploadedFile(name, content, "image/png"))
    assert response.status_code == 200
    errors = str(response.context["adminform"].form.errors)
    assert message in errors
    assert not Illustration.objects.filter(slug="uploaded").exists()


def test_oversized_file_is_refused(admin_client):
    noise = Image.frombytes("RGB", (1600, 1600), bytes(range(256)) * (1600 * 1600 * 3 // 256))
    buf = io.BytesIO()
    noise.save(buf, format="PNG", compress_level=0)
    assert len(buf.getvalue()) > 5 * 1024 * 1024
    response = post(admin_client, SimpleUploadedFile("big.png", buf.getvalue(), "image/png"))
    assert "the limit is 5 MB" in str(response.context["adminform"].form.errors)


def test_placement_on_an_uploaded_image_draws_a_marker(admin_client, client):
    post(admin_client, SimpleUploadedFile("hand.png", image_bytes("PNG"), "image/png"))
    illustration = Illustration.objects.get(slug="uploaded")
    Placement.objects.create(point=Point.objects.get(code="LI4"), illustration=illustration, x=25, y=50, side="right")
    html = client.get("/regions/hand/").content.decode()
    assert f'href="{illustration.image.url}"' in html
    assert 'cx="100.0" cy="150.0"' in html  # 25 % of 400, 50 % of 300


# Serving what was uploaded (issue 12, item 7): /media/... from the storage, in every profile


def uploaded(admin_client, fmt="PNG", name="hand.png", content_type="image/png"):
    response = post(admin_client, SimpleUploadedFile(name, image_bytes(fmt), content_type))
    assert response.status_code == 302, response.context["adminform"].form.errors
    return Illustration.objects.get(slug="uploaded")


@pytest.mark.parametrize(
    ("fmt", "name", "expected"),
    [("PNG", "hand.png", "image/png"), ("JPEG", "hand.jpg", "image/jpeg"), ("WEBP", "hand.webp", "image/webp")],
)
def test_an_uploaded_image_is_served_with_its_verified_type_and_headers(admin_client, client, fmt, name, expected):
    illustration = uploaded(admin_client, fmt, name, f"image/{fmt.lower()}")
    url = illustration.image.url
    assert url.startswith("/media/illustrations/")
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == expected
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "default-src 'none'" in response["Content-Security-Policy"]
    assert response["Cross-Origin-Resource-Policy"] == "same-origin"
    assert "max-age=31536000" in response["Cache-Control"]
    body = b"".join(response.streaming_content)
    assert int(response["Content-Length"]) == len(body)
    with illustration.image.open("rb") as fh:
        assert body == fh.read()
    assert Image.open(io.BytesIO(body)).size == (400, 300)


def test_head_conditional_and_range_requests(admin_client, client):
    url = uploaded(admin_client).image.url
    full = client.get(url)
    size = int(full["Content-Length"])
    head = client.head(url)
    assert head.status_code == 200 and head["Content-Type"] == "image/png"
    assert head["Content-Length"] == str(size) and head.content == b""
    assert client.get(url, headers={"If-None-Match": full["ETag"]}).status_code == 304
    part = client.get(url, headers={"Range": "bytes=0-7"})
    assert part.status_code == 206 and part.content == b"\x89PNG\r\n\x1a\n"
    assert part["Content-Range"] == f"bytes 0-7/{size}"
    assert client.get(url, headers={"Range": f"bytes={size}-"}).status_code == 416
    assert client.post(url).status_code == 405


def test_a_stored_file_that_is_not_an_image_we_accept_is_not_served(client):
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    html = default_storage.save("illustrations/page.png", ContentFile(b"<html><script>alert(1)</script></html>"))
    svg = default_storage.save("illustrations/art.svg", ContentFile(b'<svg xmlns="http://www.w3.org/2000/svg"/>'))
    gif = default_storage.save("illustrations/anim.gif", ContentFile(image_bytes("GIF")))
    figures = Illustration.objects.all()[:3]
    for figure, name in zip(figures, (html, svg, gif), strict=True):
        Illustration.objects.filter(pk=figure.pk).update(image=name)  # shown by a live figure, yet refused
        assert client.get(f"/media/{name}").status_code == 404, name


@pytest.mark.parametrize(
    "path",
    [
        "/media/illustrations/missing.png",
        "/media/",
        "/media/illustrations/",
        "/media/../acuguide/settings/base.py",
        "/media/illustrations/../../manage.py",
        "/media/%2e%2e/%2e%2e/etc/passwd",
        "/media/..%2fmanage.py",
        "/media/illustrations/%00.png",
        "/media/illustrations/a%00b.png",
        "/media/illustrations\\..\\..\\manage.py",
        "/media/.hidden.png",
        "/media//etc/passwd",
        "/media/" + "a" * 5000 + ".png",
        "/media/illustrations/%ff%fe.png",
    ],
)
def test_missing_files_traversal_and_odd_paths_are_404s(client, path):
    response = client.get(path)
    assert response.status_code == 404, path
    assert response["X-Content-Type-Options"] == "nosniff"


def test_traversal_to_a_real_image_outside_the_media_folder_is_refused(client, tmp_path, settings):
    from django.core.files.storage import default_storage

    (tmp_path / "media").mkdir()
    (tmp_path / "secret.png").write_bytes(image_bytes("PNG"))
    (tmp_path / "media" / "ok.png").write_bytes(image_bytes("PNG"))
    (tmp_path / "media" / "folder").mkdir()
    on_disk = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(tmp_path / "media")},
    }
    settings.STORAGES = {**settings.STORAGES, "default": on_disk}
    assert default_storage.path("ok.png") == str(tmp_path / "media" / "ok.png")
    Illustration.objects.filter(slug="back").update(image="ok.png")
    Illustration.objects.filter(slug="hand-back").update(image="../secret.png")
    assert client.get("/media/ok.png").status_code == 200
    assert client.get("/media/../secret.png").status_code == 404
    assert client.get("/media/%2e%2e/secret.png").status_code == 404
    assert client.get("/media/folder").status_code == 404  # a folder: no listing, no error
    assert client.get("/media/folder/").status_code == 404


def test_an_upload_waiting_for_review_is_not_served_until_it_is_approved(client, settings):
    """A proposed figure stays private: only a file a live illustration shows is served."""
    from django.contrib.auth.models import User
    from django.test import Client

    from points.models import Revision

    settings.ACUGUIDE_SECOND_REVIEWER = True
    editor = Client()
    editor.force_login(User.objects.create_superuser("uploader", "u@example.org", "pw-for-tests-only"))
    response = post(editor, SimpleUploadedFile("pending.png", image_bytes("PNG"), "image/png"), slug="pending")
    assert response.status_code == 302 and not Illustration.objects.filter(slug="pending").exists()
    revision = Revision.objects.get()
    name = revision.changes[0]["fields"]["image"]
    assert name.startswith("illustrations/pending") and client.get(f"/media/{name}").status_code == 404
    reviewer = Client()
    reviewer.force_login(User.objects.create_superuser("second", "s@example.org", "pw-for-tests-only"))
    assert reviewer.post(f"/admin/points/revision/{revision.pk}/change/", {"_approve": "1"}).status_code == 302
    assert client.get(Illustration.objects.get(slug="pending").image.url).status_code == 200
