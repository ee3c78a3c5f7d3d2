"""Loads a branch's archive into a database that does not hold it yet (`manage.py import_branch`).

All or nothing: the archive is checked first (checksums, row counts, the migration state, rows
that already exist), then every row is saved in one transaction with its primary key, the
branch's scope is counted again, sequences are moved past the loaded keys and the files are
written; any failure rolls the rows back and removes the files written so far.
"""

import hashlib
import json
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from auditlog.context import disable_auditlog
from django.core import serializers
from django.core.exceptions import SuspiciousOperation, ValidationError
from django.core.files.base import ContentFile
from django.core.management.color import no_style
from django.core.serializers.base import DeserializationError
from django.db import DatabaseError, connection, transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from accounts.models import User
from org.models import Branch, Bureau
from study.models import StudyMaterial

from .archive import FORMAT, FORMAT_VERSION, MANIFEST_NAME, data_apps, data_name, media_name, migration_state
from .scope import PARTS, SHARED_LABELS, select

CHUNK = 500


class RestoreError(Exception):
    """The archive cannot be imported here; nothing was changed. The message is translated."""


@dataclass
class Archive:
    manifest: dict
    rows: dict[str, list[dict]]
    files: dict[str, bytes] = field(default_factory=dict)


def branch_import(*, path: Path) -> dict:
    """Imports the archive at `path`; returns its manifest. RestoreError (nothing changed) if it cannot."""
    archive = archive_read(path)
    _check_migrations(archive.manifest)
    _check_absent(archive)
    written: list[str] = []
    try:
        with transaction.atomic(), disable_auditlog():
            _load(archive)
            _check_scope(archive.manifest)
            _reset_sequences()
            _write_files(archive, written)
    except (DatabaseError, DeserializationError, ValidationError, SuspiciousOperation) as error:
        _remove(written)
        raise RestoreError(_("The archive could not be loaded: %(error)s") % {"error": error}) from error
    except BaseException:
        _remove(written)
        raise
    return archive.manifest


def archive_read(path: Path) -> Archive:
    """The archive's manifest, rows and files, checked against the manifest's checksums and counts."""
    try:
        with zipfile.ZipFile(path) as zipped:
            manifest = _manifest(zipped)
            contents = {name: _member(zipped, name, digest) for name, digest in manifest["files"].items()}
    except (OSError, zipfile.BadZipFile, KeyError) as error:
        raise RestoreError(_("%(path)s is not a readable zip archive.") % {"path": path}) from error
    rows = {}
    for part in PARTS:
        try:
            rows[part.label] = json.loads(contents[data_name(part.label)])
        except (KeyError, ValueError) as error:
            reason = _("the rows of %(model)s are missing or unreadable") % {"model": part.label}
            raise _malformed(reason) from error
        try:
            _check_rows(part.label, rows[part.label], manifest)
        except (KeyError, TypeError, AttributeError) as error:
            raise _malformed(_("its contents are not laid out as expected")) from error
    files = {name: content for name, content in contents.items() if name.startswith("media/")}
    return Archive(manifest=manifest, rows=rows, files=files)


def _malformed(reason: str) -> RestoreError:
    return RestoreError(_("The archive is damaged or not a branch backup: %(reason)s.") % {"reason": reason})


def _manifest(zipped: zipfile.ZipFile) -> dict:
    try:
        manifest = json.loads(zipped.read(MANIFEST_NAME))
    except (KeyError, ValueError) as error:
        raise _malformed(_("it has no readable manifest")) from error
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise _malformed(_("the manifest is not a branch backup's"))
    if manifest.get("format_version") != FORMAT_VERSION:
        raise RestoreError(
            _("The archive has format version %(found)s; this portal reads version %(expected)s.")
            % {"found": manifest.get("format_version"), "expected": FORMAT_VERSION}
        )
    for key in ("branch", "migrations", "counts", "files", "foreign_organisers"):
        if not isinstance(manifest.get(key), dict):
            raise _malformed(_("the manifest has no %(key)s") % {"key": key})
    branch = manifest["branch"]
    if not isinstance(branch.get("id"), int) or not isinstance(branch.get("bureau"), dict):
        raise _malformed(_("the manifest has no %(key)s") % {"key": "branch"})
    return manifest


def _member(zipped: zipfile.ZipFile, name: str, digest: str) -> bytes:
    content = zipped.read(name)
    if hashlib.sha256(content).hexdigest() != digest:
        raise _malformed(_("%(name)s does not match its checksum") % {"name": name})
    return content


def _check_rows(label: str, rows: list, manifest: dict) -> None:
    if not isinstance(rows, list) or len(rows) != manifest["counts"].get(label):
        raise _malformed(_("the number of %(model)s rows differs from the manifest") % {"model": label})
    if any(not isinstance(row, dict) or row.get("model", "").lower() != label.lower() for row in rows):
        raise _malformed(_("the rows of %(model)s include rows of another model") % {"model": label})
    if any(not isinstance(row.get("pk"), int) or not isinstance(row.get("fields"), dict) for row in rows):
        raise _malformed(_("its contents are not laid out as expected"))
    if label == "study.StudyMaterial":
        names = {row["fields"].get("file") for row in rows} - {"", None}
        stored = names - set(manifest.get("missing_files", []))
        absent = {media_name(name) for name in stored} - set(manifest["files"])
        unsafe = [n for n in names if PurePosixPath(n).is_absolute() or ".." in PurePosixPath(n).parts]
        if absent or unsafe:
            raise _malformed(_("a study material's file is missing or has an unsafe name"))


def _check_migrations(manifest: dict) -> None:
    """Refuses an archive made under other migrations: its rows would not fit these tables."""
    expected = manifest["migrations"]
    here = migration_state(set(expected) | data_apps())
    differing = sorted(app for app in here if here[app] != expected.get(app))
    if differing:
        raise RestoreError(
            _(
                "The archive was made with other database migrations (%(apps)s). Import it into a "
                "database migrated to the same state, or export it again from an up-to-date portal."
            )
            % {"apps": ", ".join(differing)}
        )


def _check_absent(archive: Archive) -> None:
    """Refuses when the branch, any primary key or any user name of the archive already exists here."""
    branch = archive.manifest["branch"]
    if (
        Branch.objects.filter(pk=branch["id"]).exists()
        or Branch.objects.filter(name=branch["name"], bureau__name=branch["bureau"]["name"]).exists()
    ):
        raise RestoreError(
            _("Branch %(name)s is already in this database: import it into a database without it.")
            % {"name": branch["name"]}
        )
    _check_bureau(archive.rows["org.Bureau"])
    taken = {}
    for part in PARTS:
        if part.label in SHARED_LABELS:
            continue
        keys = [row["pk"] for row in archive.rows[part.label]]
        manager = part.model._default_manager
        count = sum(manager.filter(pk__in=keys[i : i + CHUNK]).count() for i in range(0, len(keys), CHUNK))
        if count:
            taken[part.label] = count
    usernames = [row["fields"].get("username") for row in archive.rows["accounts.User"]]
    if taken or _users_named(usernames):
        listed = ", ".join(f"{label} ({count})" for label, count in taken.items()) or _("user names")
        raise RestoreError(
            _("Rows of the archive already exist in this database: %(rows)s. Import into an empty database.")
            % {"rows": listed}
        )


def _users_named(usernames: list[str]) -> bool:
    return any(
        User.objects.filter(username__in=usernames[i : i + CHUNK]).exists()
        for i in range(0, len(usernames), CHUNK)
    )


def _check_bureau(rows: list[dict]) -> None:
    """The branch's bureau may exist already (another branch of it was imported), but only as itself."""
    for row in rows:
        name = row["fields"].get("name")
        same_id = Bureau.objects.filter(pk=row["pk"]).first()
        same_name = Bureau.objects.filter(name=name).first()
        if (same_id or same_name) and not (same_id and same_id == same_name):
            raise RestoreError(
                _("Bureau %(name)s exists here with another id or name: the archive does not fit here.")
                % {"name": name}
            )


def _load(archive: Archive) -> None:
    branch_id = archive.manifest["branch"]["id"]
    for part in PARTS:
        rows = archive.rows[part.label]
        if part.label in SHARED_LABELS:
            rows = _new_shared(part, rows)
        if part.label == "study.StudyActivity":
            _place_organisers(rows, archive.manifest["foreign_organisers"], branch_id)
        for deserialized in serializers.deserialize("python", rows):
            deserialized.save()
    connection.check_constraints(table_names=[part.model._meta.db_table for part in PARTS])


def _new_shared(part, rows: list[dict]) -> list[dict]:
    """The shared rows this database lacks; those it has (same id or same name) are kept as they are."""
    manager = part.model._default_manager
    return [
        row for row in rows if not manager.filter(Q(pk=row["pk"]) | Q(name=row["fields"]["name"])).exists()
    ]


def _place_organisers(rows: list[dict], organisers: dict, branch_id: int) -> None:
    """A joint activity organised by another branch keeps it when that branch is here, else takes this one."""
    for row in rows:
        organiser = organisers.get(str(row["pk"]))
        if organiser is None:
            continue
        present = Branch.objects.filter(
            pk=organiser["id"], name=organiser["name"], bureau__name=organiser["bureau"]
        ).exists()
        row["fields"]["organiser"] = organiser["id"] if present else branch_id


def _check_scope(manifest: dict) -> None:
    """Counts the branch's rows again: an archive whose rows are not all of its branch is refused."""
    branch_id = manifest["branch"]["id"]
    for part in PARTS:
        if part.by_path and select(part, branch_id).count() != manifest["counts"][part.label]:
            raise RestoreError(
                _("The archive's rows of %(model)s do not all belong to branch %(name)s.")
                % {"model": part.label, "name": manifest["branch"]["name"]}
            )


def _reset_sequences() -> None:
    """Moves PostgreSQL's sequences past the loaded keys, so the next new row does not collide."""
    statements = connection.ops.sequence_reset_sql(no_style(), [part.model for part in PARTS])
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


def _write_files(archive: Archive, written: list[str]) -> None:
    storage = StudyMaterial._meta.get_field("file").storage
    for archived_name, content in archive.files.items():
        name = archived_name.removeprefix("media/")
        if storage.exists(name):
            with storage.open(name, "rb") as existing:
                if existing.read() == content:
                    continue
            raise RestoreError(_("A different file %(name)s is already stored here.") % {"name": name})
        saved = storage.save(name, ContentFile(content))
        written.append(saved)
        if saved != name:
            raise RestoreError(_("The file %(name)s could not be stored under its name.") % {"name": name})


def _remove(names: list[str]) -> None:
    storage = StudyMaterial._meta.get_field("file").storage
    for name in names:
        storage.delete(name)
