"""Photos of an activity or meeting: resized, upright, EXIF and GPS stripped; bad uploads refused."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from study.models import StudyMaterial
from study.uploads import MAX_UPLOAD_BYTES

GPS_IFD = 0x8825
ORIENTATION = 0x0112


def _jpeg_with_gps(width=3000, height=2000) -> bytes:
    exif = Image.Exif()
    exif[0x010F] = "HUAWEI"  # Make
    exif[ORIENTATION] = 6  # the phone was held sideways: rotate 90° to show it upright
    exif.get_ifd(GPS_IFD).update({1: "N", 2: (39.0, 54.0, 27.0), 3: "E", 4: (116.0, 23.0, 17.0)})
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (200, 30, 30)).save(buffer, format="JPEG", exif=exif)
    return buffer.getvalue()


def _upload(client, activity, content, name="合影.jpg"):
    return client.post(
        reverse("study:material_add", args=[activity.pk]),
        {"kind": "photo", "title": "重阳节合影", "file": SimpleUploadedFile(name, content)},
    )


def test_an_uploaded_jpeg_loses_its_exif_and_gps_and_is_resized_upright(client, secretary, activity):
    original = Image.open(io.BytesIO(_jpeg_with_gps()))
    assert original.getexif().get_ifd(GPS_IFD)  # the test's photo does carry a position
    client.force_login(secretary)

    assert _upload(client, activity, _jpeg_with_gps()).status_code == 302

    stored = StudyMaterial.objects.get()
    with stored.file.open("rb") as handle:
        content = handle.read()
    photo = Image.open(io.BytesIO(content))
    assert photo.format == "JPEG"
    assert photo.size == (1067, 1600)  # turned upright, then at most 1600 px
    assert not photo.getexif()
    assert b"Exif" not in content[:4096] and b"HUAWEI" not in content
    assert stored.size == len(content)


def test_a_file_that_is_not_a_picture_is_refused_in_chinese(client, secretary, activity):
    client.force_login(secretary)

    response = _upload(client, activity, b"%PDF-1.4\n%%EOF\n", name="合影.jpg")

    assert response.status_code == 200
    assert "照片须为 JPEG 或 PNG 图片" in response.content.decode()
    assert not StudyMaterial.objects.exists()


def test_a_broken_picture_is_refused(client, secretary, activity):
    client.force_login(secretary)

    response = _upload(client, activity, b"\xff\xd8\xff\xe0" + b"\x00" * 200)

    assert response.status_code == 200
    assert "无法作为图片读取" in response.content.decode()
    assert not StudyMaterial.objects.exists()


def test_a_30_mb_photo_is_refused_with_a_clear_message(client, secretary, activity):
    client.force_login(secretary)
    content = _jpeg_with_gps(200, 200)
    huge = content + b"\x00" * (30 * 1024 * 1024 - len(content))
    assert len(huge) > MAX_UPLOAD_BYTES

    response = _upload(client, activity, huge)

    assert response.status_code == 200
    assert "文件超过 20 MB" in response.content.decode()
    assert not StudyMaterial.objects.exists()


@pytest.mark.parametrize("mode", ["RGBA", "P"])
def test_a_png_stays_a_png(secretary, activity, mode):
    from study import services

    buffer = io.BytesIO()
    Image.new(mode, (2400, 600)).save(buffer, format="PNG")
    material = services.material_add(
        actor=secretary,
        activity=activity,
        kind="photo",
        title="截图",
        file=SimpleUploadedFile("a.png", buffer.getvalue()),
    )
    with material.file.open("rb") as handle:
        photo = Image.open(io.BytesIO(handle.read()))
    assert (photo.format, photo.size) == ("PNG", (1600, 400))
