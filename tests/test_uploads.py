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
