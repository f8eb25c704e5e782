"""Uploaded illustrations, served under MEDIA_URL from the default storage (MEDIA_ROOT) in
every profile, as WhiteNoise serves static files (issue 12, item 7).

``media_files`` sits right after WhiteNoise in the middleware, so the answer gets the same
headers as a static file (the site's CSP, ``nosniff``, CORP, X-Frame-Options) and nothing
else runs: no session, no database, no page cache, no gzip (a PNG does not shrink).

Only what an upload can be is served: a name that is a plain relative path (no ``..``, no
hidden files, no control characters, no backslash, at most 255 characters), a file that
exists in the storage, and an image Pillow reads as PNG, JPEG or WebP (the formats
``points.images`` accepts); the content type comes from that format, never from the name.
Anything else is a 404, and there is no directory listing. Names never change content
(the storage adds a suffix instead of overwriting), so the files are cached for a year;
ETag and Last-Modified answer revalidation with a 304, and a single byte range gets a 206.
"""

import hashlib
import re
import warnings

from django.conf import settings
from django.core.exceptions import SuspiciousFileOperation
from django.core.files.storage import default_storage
from django.http import FileResponse, HttpResponse, HttpResponseNotAllowed, HttpResponseNotFound
from django.utils.cache import get_conditional_response
from django.utils.http import http_date
from PIL import Image, UnidentifiedImageError

from .images import FORMATS

CONTENT_TYPES = {"PNG": "image/png", "JPEG": "image/jpeg", "WEBP": "image/webp"}
assert set(CONTENT_TYPES) == set(FORMATS)  # noqa: S101  (every accepted upload can be served)
MAX_NAME = 255
CACHE_CONTROL = "public, max-age=31536000, immutable"
RANGE_RE = re.compile(r"^bytes=(\d*)-(\d*)$")
ODD = re.compile(r"[\x00-\x1f\x7f\\]")


def media_prefix():
    """The path uploads are served under ("/media/"), or None when MEDIA_URL is another site."""
    url = settings.MEDIA_URL or ""
    if "://" in url or url.startswith("//") or url.strip("/") == "":
        return None
    return "/" + url.strip("/") + "/"


def media_files(get_response):
    """Answer requests under MEDIA_URL from the storage; pass every other request on."""
    prefix = media_prefix()

    def middleware(request):
        if prefix and request.path_info.startswith(prefix):
            return media_response(request, request.path_info[len(prefix) :])
        return get_response(request)

    return middleware


def name_ok(name):
    """A name an upload can have: relative, no dot segments or hidden files, nothing odd."""
    if not name or len(name) > MAX_NAME or ODD.search(name):
        return False
    return all(part and not part.startswith(".") for part in name.split("/"))


def image_type(fh):
    """The content type of the image in ``fh`` as Pillow reads it, or None if it is not one we serve."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image = Image.open(fh)
            kind = CONTENT_TYPES.get(image.format)
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError, SyntaxError, ValueError):
        return None
    fh.seek(0)
    return kind


def _byte_range(request, size, etag):
    """(start, end) of a single satisfiable range asked for, "bad" for an unsatisfiable one,
    or None to send the whole file."""
    asked = request.headers.get("Range", "")
    if not asked or request.headers.get("If-Range", etag) != etag:
        return None
    match = RANGE_RE.match(asked.strip())
    if not match or match.groups() == ("", ""):
        return None  # several ranges or another unit: the whole file is a valid answer
    first, last = match.groups()
    if first == "":  # the last N bytes
        start, end = max(size - int(last), 0), size - 1
    else:
        start, end = int(first), min(int(last), size - 1) if last else size - 1
    if start >= size or start > end:
        return "bad"
    return start, end


def _shown(name):
    """Only a file a live illustration uses is served: an upload waiting for review stays private."""
    from .models import Illustration

    return Illustration.objects.filter(image=name).exists()


def media_response(request, name):
    if request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET", "HEAD"])
    if not name_ok(name):
        return HttpResponseNotFound("Not found\n", content_type="text/plain")
    if not _shown(name):  # a proposed or rejected upload is not public (points/review.py)
        return HttpResponseNotFound("Not found\n", content_type="text/plain")
    storage = default_storage
    try:
        if not storage.exists(name):
            return HttpResponseNotFound("Not found\n", content_type="text/plain")
        size = storage.size(name)
        modified = storage.get_modified_time(name)
        fh = storage.open(name, "rb")
    except (SuspiciousFileOperation, OSError, ValueError):
        return HttpResponseNotFound("Not found\n", content_type="text/plain")
    content_type = image_type(fh)
    if content_type is None:
        fh.close()
        return HttpResponseNotFound("Not found\n", content_type="text/plain")
    etag = '"' + hashlib.sha256(f"{name}|{size}|{modified.timestamp()}".encode()).hexdigest()[:20] + '"'
    last_modified = int(modified.timestamp())
    headers = {
        "Cache-Control": CACHE_CONTROL,
        "ETag": etag,
        "Last-Modified": http_date(last_modified),
        "X-Content-Type-Options": "nosniff",
        "Accept-Ranges": "bytes",
    }
    not_modified = get_conditional_response(request, etag=etag, last_modified=last_modified)
    if not_modified is not None:
        fh.close()
        for header, value in headers.items():
            not_modified.headers[header] = value
        return not_modified
    part = _byte_range(request, size, etag)
    if part == "bad":
        fh.close()
        return HttpResponse(status=416, headers={**headers, "Content-Range": f"bytes */{size}"})
    if request.method == "HEAD" or part is not None:
        if part is None:
            body, status = b"", 200
        else:
            start, end = part
            fh.seek(start)
            body = b"" if request.method == "HEAD" else fh.read(end - start + 1)
            status, headers["Content-Range"] = 206, f"bytes {start}-{end}/{size}"
        fh.close()
        length = size if part is None else part[1] - part[0] + 1
        response = HttpResponse(body, status=status, content_type=content_type, headers=headers)
        response.headers["Content-Length"] = str(length)
        return response
    response = FileResponse(fh, content_type=content_type, headers=headers)
    response.headers["Content-Length"] = str(size)
    return response
