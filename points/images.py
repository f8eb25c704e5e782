"""Validating uploaded illustrations with Pillow (issue 4, item 8).

Only real PNG, JPEG and WebP files are accepted, judged by their content, not
their name: SVG (which can carry script), truncated files and decompression
bombs are refused with a clear message. Accepted images are re-encoded, which
drops EXIF and other metadata (camera, GPS), and their size is recorded.
"""

import io
import warnings
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from PIL import Image, UnidentifiedImageError

FORMATS = {"PNG": "png", "JPEG": "jpg", "WEBP": "webp"}
MAX_BYTES = 5 * 1024 * 1024
MAX_PIXELS = 25_000_000  # e.g. 5000 x 5000
# Pillow warns above this many pixels (we turn the warning into an error) and refuses
# twice as many outright; Django's own ImageField check then fails cleanly too.
Image.MAX_IMAGE_PIXELS = MAX_PIXELS


def image_clean(upload):
    """Return a re-encoded ContentFile for a valid upload, or raise ValidationError."""
    if upload.size > MAX_BYTES:
        raise ValidationError(
            f"The file is {upload.size / 1024 / 1024:.1f} MB; the limit is {MAX_BYTES // 1024 // 1024} MB."
        )
    data = upload.read()
    if data.lstrip()[:5].lower() in {b"<?xml", b"<svg "} or b"<svg" in data[:1024].lower():
        raise ValidationError("SVG files cannot be uploaded (they can contain scripts). Use PNG, JPEG or WebP.")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                if image.format not in FORMATS:
                    raise ValidationError(f"{image.format} images are not accepted. Use PNG, JPEG or WebP.")
                width, height = image.size
                if width * height > MAX_PIXELS:
                    raise ValidationError(
                        f"The image is {width} x {height} pixels; the limit is {MAX_PIXELS:,} pixels in all."
                    )
                image.load()  # decodes everything: a truncated file fails here
                fmt = image.format
                clean = image.convert("RGBA" if image.mode in {"RGBA", "LA", "P", "PA"} and fmt != "JPEG" else "RGB")
    except ValidationError:
        raise
    except (UnidentifiedImageError, Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ValidationError("This file is not an image we can read, or it is far too large when decoded.") from exc
    except (OSError, SyntaxError, ValueError) as exc:
        raise ValidationError(f"The image is damaged or incomplete ({exc}). Export it again and retry.") from exc
    out = io.BytesIO()
    clean.save(out, format=fmt, **({"quality": 90} if fmt == "JPEG" else {}))  # no exif= → metadata dropped
    name = f"{Path(upload.name).stem[:60] or 'illustration'}.{FORMATS[fmt]}"
    return ContentFile(out.getvalue(), name=name)
