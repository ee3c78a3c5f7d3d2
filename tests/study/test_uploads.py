import io
import zipfile

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from docx import Document
from openpyxl import Workbook

from accounts.permissions import SYSTEM
from study import services
from study.models import StudyMaterial
from study.uploads import MAX_UPLOAD_BYTES, check_upload
from tests.surface import tiny_png

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 64


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def _docx() -> bytes:
    buffer = io.BytesIO()
    Document().save(buffer)
    return buffer.getvalue()


def _xlsx() -> bytes:
    buffer = io.BytesIO()
    Workbook().save(buffer)
    return buffer.getvalue()


def _zip(**files) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, body in files.items():
            archive.writestr(name.replace("__", "/"), body)
    return buffer.getvalue()


def _pptx() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("ppt/presentation.xml", "<p:presentation/>")
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("content", "extension"),
    [
        (PDF, ".pdf"),
        (PNG, ".png"),
        (JPEG, ".jpg"),
        (_docx(), ".docx"),
        (_xlsx(), ".xlsx"),
        (_pptx(), ".pptx"),
    ],
)
def test_allowed_files_are_recognised_by_content_whatever_their_name(content, extension):
    assert check_upload(SimpleUploadedFile("whatever.bin", content)).extension == extension


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("讲话.pdf", b"MZ\x90\x00 an executable"),
        ("photo.png", b"<html><script>alert(1)</script></html>"),
        ("notes.docx", _zip(readme__txt="not an office file")),
        ("broken.docx", b"PK\x03\x04 not really a zip"),
        ("empty.pdf", b""),
    ],
)
def test_files_whose_content_is_not_allowed_are_refused(name, content):
    with pytest.raises(ValidationError) as error:
        check_upload(SimpleUploadedFile(name, content))
    assert error.value.code == "file_type"


def test_file_over_20_mb_is_refused():
    big = SimpleUploadedFile("big.pdf", PDF + b"\x00" * (MAX_UPLOAD_BYTES - len(PDF) + 1))
    with pytest.raises(ValidationError) as error:
        check_upload(big)
    assert error.value.code == "too_large"
    assert (
        check_upload(SimpleUploadedFile("ok.pdf", PDF + b"\x00" * (MAX_UPLOAD_BYTES - len(PDF)))).extension
        == ".pdf"
    )


def test_photo_must_be_a_picture(secretary, activity):
    with pytest.raises(ValidationError):
        services.material_add(
            actor=secretary,
            activity=activity,
            kind="photo",
            title="合影",
            file=SimpleUploadedFile("a.jpg", PDF),
        )
    assert not StudyMaterial.objects.exists()


def test_upload_is_stored_under_media_root_with_a_random_name(client, secretary, activity, media):
    client.force_login(secretary)
    upload = SimpleUploadedFile("../../static/讲话.pdf", PDF, content_type="image/png")
    response = client.post(
        reverse("study:material_add", args=[activity.pk]), {"kind": "file", "title": "讲话稿", "file": upload}
    )
    assert response.status_code == 302
    material = StudyMaterial.objects.get()
    path = media / material.file.name
    assert path.read_bytes() == PDF
    assert path.is_relative_to(media) and not path.is_relative_to(settings.BASE_DIR / "static")
    assert material.file.name.startswith(f"study/{activity.pk}/") and material.file.name.endswith(".pdf")
    assert "讲话" not in material.file.name
    assert (material.content_type, material.size) == ("application/pdf", len(PDF))


def test_disguised_upload_is_refused_with_a_message_and_nothing_stored(client, secretary, activity, media):
    client.force_login(secretary)
    upload = SimpleUploadedFile("讲话.pdf", b"MZ\x90\x00", content_type="application/pdf")
    response = client.post(
        reverse("study:material_add", args=[activity.pk]), {"kind": "file", "title": "讲话稿", "file": upload}
    )
    assert response.status_code == 200
    assert response.context["material_form"].errors["file"]
    assert not StudyMaterial.objects.exists()
    assert not any(media.rglob("*.pdf"))


def test_link_material_needs_no_file(client, secretary, activity):
    client.force_login(secretary)
    response = client.post(
        reverse("study:material_add", args=[activity.pk]),
        {"kind": "link", "title": "共产党员网", "url": "https://www.12371.cn/"},
    )
    assert response.status_code == 302
    assert StudyMaterial.objects.get().url == "https://www.12371.cn/"


def test_members_of_the_branch_download_a_material_strangers_get_404(client, activity, own_member, stranger):
    material = services.material_add(
        actor=SYSTEM,
        activity=activity,
        kind="photo",
        title="合影",
        file=SimpleUploadedFile("x.png", tiny_png()),
    )
    url = reverse("study:material", args=[material.pk])
    client.force_login(own_member.user)
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content) == material.file.open("rb").read()
    client.force_login(stranger)
    assert client.get(url).status_code == 404
    client.logout()
    assert client.get(url).status_code == 302


def test_member_cannot_upload(client, own_member, activity):
    client.force_login(own_member.user)
    response = client.post(
        reverse("study:material_add", args=[activity.pk]),
        {"kind": "file", "title": "x", "file": SimpleUploadedFile("a.pdf", PDF)},
    )
    assert response.status_code == 403
    assert not StudyMaterial.objects.exists()
