"""What an uploaded study material really is, judged by its content, never by its name."""

import zipfile
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

MAX_UPLOAD_BYTES = 20 * 1024 * 1024


@dataclass(frozen=True)
class FileType:
    extension: str
    content_type: str
    is_image: bool = False


PDF = FileType(".pdf", "application/pdf")
JPEG = FileType(".jpg", "image/jpeg", is_image=True)
PNG = FileType(".png", "image/png", is_image=True)
# Office Open XML files are zip archives; the folder inside says which application made them.
OFFICE = {
    "word/": FileType(".docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    "xl/": FileType(".xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "ppt/": FileType(".pptx", "application/vnd.openxmlformats-officedocument.presentationml.presentation"),
}
CONTENT_TYPES = {t.extension: t.content_type for t in [PDF, JPEG, PNG, *OFFICE.values()]}


def sniff(upload) -> FileType | None:
    """The type the file's bytes show (PDF, JPEG, PNG, DOCX, XLSX, PPTX), or None."""
    upload.seek(0)
    head = upload.read(8)
    upload.seek(0)
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head.startswith(b"PK\x03\x04"):
        return _office_type(upload)
    return None


def _office_type(upload) -> FileType | None:
    try:
        with zipfile.ZipFile(upload) as archive:
            names = archive.namelist()
    except zipfile.BadZipFile:
        return None
    finally:
        upload.seek(0)
    if "[Content_Types].xml" not in names:
        return None
    for folder, file_type in OFFICE.items():
        if any(name.startswith(folder) for name in names):
            return file_type
    return None


def check_upload(upload, *, image_only: bool = False) -> FileType:
    """The file's type if it is allowed and at most 20 MB; ValidationError otherwise."""
    if upload.size > MAX_UPLOAD_BYTES:
        raise ValidationError(_("The file is larger than 20 MB."), code="too_large")
    file_type = sniff(upload)
    if file_type is None:
        raise ValidationError(
            _("Only PDF, Word (docx), Excel (xlsx), PowerPoint (pptx), JPEG and PNG files can be uploaded."),
            code="file_type",
        )
    if image_only and not file_type.is_image:
        raise ValidationError(_("A photo must be a JPEG or PNG picture."), code="not_image")
    return file_type
