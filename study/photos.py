"""Photos of an activity or meeting as the portal keeps them: re-encoded with Pillow, turned upright,
at most 1600 px on their longer side, and without EXIF (the camera, the time, the GPS position) or
any other metadata the phone wrote into the file."""

import io

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

MAX_SIDE = 1600
# A photo of a phone has some 50 million pixels at most; more is a "decompression bomb".
MAX_PIXELS = 60_000_000


def photo_clean(upload) -> ContentFile:
    """The picture re-encoded (JPEG stays JPEG, PNG stays PNG); ValidationError if it is not one."""
    upload.seek(0)
    try:
        with Image.open(upload) as original:
            if original.width * original.height > MAX_PIXELS:
                raise ValidationError(_("The photo has too many pixels."), code="too_many_pixels")
            kind = "PNG" if original.format == "PNG" else "JPEG"
            original.load()
            image = ImageOps.exif_transpose(original)  # upright, before the EXIF goes
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError, SyntaxError) as error:
        raise ValidationError(_("The photo could not be read as a picture."), code="not_image") from error
    image.thumbnail((MAX_SIDE, MAX_SIDE))
    if kind == "JPEG" and image.mode not in ("RGB", "L"):
        image = image.convert("RGB")
    image.info = {}  # nothing of the original's metadata is written back
    buffer = io.BytesIO()
    image.save(buffer, format=kind, **({"quality": 85, "optimize": True} if kind == "JPEG" else {}))
    return ContentFile(buffer.getvalue(), name="photo.jpg" if kind == "JPEG" else "photo.png")
