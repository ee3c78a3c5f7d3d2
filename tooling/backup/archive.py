"""Writes one branch's rows and uploaded files to a .zip archive (`manage.py export_branch`).

The archive holds `manifest.json`, one `data/<app>.<Model>.json` per part (Django's serializer
format, primary keys kept) and `media/<name>` for each study material's file.

A reference that leaves the branch is cut, never followed, so an archive holds no row of another
branch: a nullable reference to another branch's row or user becomes empty (counted in the
manifest's `cleared_references`), a many-to-many keeps only the exported rows. A joint study
activity is exported with this branch as its only participant and only this branch's attendance;
its organiser may be another branch, which the manifest names (`foreign_organisers`) so that
restore can keep it when that branch exists and use the imported branch otherwise.
"""

import datetime
import hashlib
import json
import os
import tempfile
import zipfile
from collections import Counter
from contextlib import contextmanager
from pathlib import Path

import django
from auditlog.models import LogEntry
from auditlog.registry import auditlog
from django.contrib.contenttypes.models import ContentType
from django.core import serializers
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.db.migrations.recorder import MigrationRecorder
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

import branch_portal
from org.models import Branch
from study.models import StudyMaterial

from .scope import HISTORY, PARTS, check_coverage, select

FORMAT = "branch_portal.branch_backup"
FORMAT_VERSION = 1
MANIFEST_NAME = "manifest.json"
# The joint activity's organiser: the one reference restore may point elsewhere.
ORGANISER = ("study.StudyActivity", "organiser")


class ExportError(Exception):
    """The branch cannot be exported as asked; the message is translated."""


def data_name(label: str) -> str:
    return f"data/{label}.json"


def media_name(file_name: str) -> str:
    return f"media/{file_name}"


def branch_find(name_or_id: str) -> Branch:
    """The branch with this id, or the only branch with this name; ExportError otherwise."""
    branches = Branch.objects.select_related("bureau")
    found = list(branches.filter(pk=int(name_or_id)) if name_or_id.isdigit() else [])
    found = found or list(branches.filter(name=name_or_id)[:2])
    if not found:
        raise ExportError(_("No branch has the name or id “%(branch)s”.") % {"branch": name_or_id})
    if len(found) > 1:
        raise ExportError(
            _("Several branches are named “%(branch)s”: give the branch's id.") % {"branch": name_or_id}
        )
    return found[0]


def migration_state(app_labels) -> dict[str, list[str]]:
    """The applied migrations of each app, sorted: an archive loads only where they are the same."""
    applied = MigrationRecorder(connection).applied_migrations()
    return {app: sorted(name for a, name in applied if a == app) for app in sorted(app_labels)}


def data_apps() -> set[str]:
    # auth and contenttypes: users' permissions and the history's content types travel by natural key.
    return {part.model._meta.app_label for part in PARTS} | {"auth", "contenttypes"}


def branch_export(*, branch: Branch, output: Path) -> dict:
    """Writes the branch's archive to `output` (replaced only once complete); returns the manifest."""
    check_coverage()
    with _snapshot():
        rows = _collect(branch)
        cleared, organisers = _cut_references(rows)
        manifest = _manifest(branch, rows, cleared=cleared, organisers=organisers)
        files = _files(rows["study.StudyMaterial"], manifest)
    _write(output, rows, files, manifest)
    return manifest


@contextmanager
def _snapshot():
    """One consistent view of the database while the rows are read."""
    outermost = not connection.in_atomic_block
    with transaction.atomic():
        # PostgreSQL reads each statement at its own moment unless told otherwise; this must come first.
        if outermost and connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        yield


def _collect(branch: Branch) -> dict[str, list[dict]]:
    """Every part's rows of the branch as serializer dicts."""
    rows: dict[str, list[dict]] = {}
    for part in PARTS:
        if part.lookup == HISTORY:
            rows[part.label] = _history(rows, branch.pk)
            continue
        user_ids = [row["pk"] for row in rows.get("accounts.User", [])]
        queryset = select(part, branch.pk, user_ids=user_ids)
        # Users carry their groups and permissions by natural key: their ids differ between databases.
        natural = part.label == "accounts.User"
        rows[part.label] = serializers.serialize("python", queryset, use_natural_foreign_keys=natural)
    return rows


def _history(rows: dict[str, list[dict]], branch_id: int) -> list[dict]:
    """django-auditlog's entries about the exported objects, content types by natural key."""
    about = Q(pk__in=[])
    for part in PARTS:
        if not (rows.get(part.label) and auditlog.contains(part.model)):
            continue
        # A subquery where there is one: a branch's history may name more keys than SQLite takes.
        keys = select(part, branch_id).values("pk") if part.by_path else [r["pk"] for r in rows[part.label]]
        about |= Q(content_type=ContentType.objects.get_for_model(part.model), object_id__in=keys)
    entries = serializers.serialize("python", LogEntry.objects.filter(about).order_by("pk"))
    for entry in entries:
        content_type = ContentType.objects.get_for_id(entry["fields"]["content_type"])
        entry["fields"]["content_type"] = list(content_type.natural_key())
    return entries


def _cut_references(rows: dict[str, list[dict]]) -> tuple[Counter, dict]:
    """Empties references to rows outside the archive; returns what was cleared and foreign organisers."""
    exported = {label: {row["pk"] for row in part_rows} for label, part_rows in rows.items()}
    cleared: Counter = Counter()
    organisers: dict[str, dict] = {}
    for part in PARTS:
        for field in part.model._meta.get_fields():
            target = getattr(field.related_model, "_meta", None)
            if not field.concrete or target is None or target.label not in exported:
                continue
            inside = exported[target.label]
            key = f"{part.label}.{field.name}"
            for row in rows[part.label]:
                value = row["fields"].get(field.name)
                if field.many_to_many:
                    kept = [pk for pk in value if pk in inside]
                    cleared[key] += len(value) - len(kept)
                    row["fields"][field.name] = kept
                elif value is None or value in inside:
                    continue
                elif (part.label, field.name) == ORGANISER:
                    organisers[str(row["pk"])] = _branch_label(value)
                elif field.null:
                    row["fields"][field.name] = None
                    cleared[key] += 1
                else:
                    raise ExportError(
                        _("%(row)s #%(pk)s refers to %(target)s #%(value)s of another branch.")
                        % {"row": part.label, "pk": row["pk"], "target": target.label, "value": value}
                    )
    return +cleared, organisers


def _branch_label(branch_id: int) -> dict:
    branch = Branch.objects.select_related("bureau").get(pk=branch_id)
    return {"id": branch.pk, "name": branch.name, "bureau": branch.bureau.name}


def _manifest(branch: Branch, rows: dict[str, list[dict]], *, cleared: Counter, organisers: dict) -> dict:
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "branch": {
            "id": branch.pk,
            "name": branch.name,
            "bureau": {"id": branch.bureau_id, "name": branch.bureau.name},
        },
        "exported_at": timezone.now().isoformat(),
        "portal_version": getattr(branch_portal, "__version__", None),
        "django_version": django.get_version(),
        "database": connection.vendor,
        "migrations": migration_state(data_apps()),
        "counts": {label: len(part_rows) for label, part_rows in rows.items()},
        "cleared_references": dict(cleared),
        "foreign_organisers": organisers,
        "files": {},
        "missing_files": [],
    }


def _files(materials: list[dict], manifest: dict) -> dict[str, bytes]:
    """The bytes of each material's file; a file missing from storage is listed, not fatal."""
    storage = StudyMaterial._meta.get_field("file").storage
    files = {}
    for row in materials:
        name = row["fields"]["file"]
        if not name:
            continue
        try:
            with storage.open(name, "rb") as handle:
                files[media_name(name)] = handle.read()
        except FileNotFoundError:
            manifest["missing_files"].append(name)
    return files


def _write(output: Path, rows: dict[str, list[dict]], files: dict[str, bytes], manifest: dict) -> None:
    members = {data_name(label): _json(part_rows) for label, part_rows in rows.items()} | files
    manifest["files"] = {name: hashlib.sha256(content).hexdigest() for name, content in members.items()}
    output = Path(output)
    # Written beside the target and renamed: a failed export never leaves half an archive.
    handle, partial = tempfile.mkstemp(prefix=".export-", suffix=".zip", dir=output.parent or ".")
    try:
        with os.fdopen(handle, "wb") as stream, zipfile.ZipFile(stream, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr(MANIFEST_NAME, _json(manifest))
            for name, content in members.items():
                archive.writestr(name, content)
        os.replace(partial, output)
    except BaseException:
        Path(partial).unlink(missing_ok=True)
        raise


class _ExactEncoder(DjangoJSONEncoder):
    """Keeps microseconds, which DjangoJSONEncoder cuts to milliseconds: a backup must not round."""

    def default(self, o):
        if isinstance(o, datetime.datetime | datetime.time):
            text = o.isoformat()
            return text.removesuffix("+00:00") + "Z" if text.endswith("+00:00") else text
        return super().default(o)


def _json(value) -> bytes:
    return json.dumps(value, cls=_ExactEncoder, ensure_ascii=False, indent=1).encode()
