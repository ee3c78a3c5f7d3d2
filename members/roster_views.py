"""Roster pages: upload → preview → confirm, the blank template and the export (edit_members).

Between the preview and the confirmation the upload waits under MEDIA_ROOT/imports/ with a
random name; only the uploader's session knows the token, so another user, an old link or an
edited token finds nothing and is asked to upload again.
"""

import datetime
import secrets
import time
from io import BytesIO
from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.http import FileResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.current_branch import current_branch
from accounts.permissions import branch_ids, capability_required
from lib import spreadsheets
from org.models import Branch

from . import roster
from .models import ContactGroup
from .roster.forms import RosterUploadForm

SESSION_KEY = "roster_uploads"
UPLOAD_TTL = datetime.timedelta(hours=1)
PREVIEW_ROWS = 20
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@capability_required("edit_members")
def roster_import(request):
    branches = _branches(request.user)
    current = current_branch(request, "edit_members")  # the branch chosen in the header, preselected
    form = RosterUploadForm(
        request.POST or None, request.FILES or None, branches=branches, initial={"branch": current}
    )
    if request.method == "POST" and form.is_valid():
        token = _upload_keep(request, form.cleaned_data["file"], form.cleaned_data["branch"])
        return redirect("members:import_preview", token=token)
    groups = list(ContactGroup.objects.filter(branch=branches[0])) if len(branches) == 1 else []
    context = {"form": form, "branches": branches, "guide": roster.column_guide(groups)}
    return render(request, "members/roster_import.html", context)


@capability_required("edit_members")
def roster_import_preview(request, token: str):
    upload = _upload_get(request, token)
    if upload is None:
        return _upload_expired(request)
    path, branch, filename = upload
    with path.open("rb") as file:
        result = roster.roster_import(actor=request.user, branch=branch, file=file, dry_run=True)
    return _preview(request, result, branch=branch, filename=filename, token=token)


@require_POST
@capability_required("edit_members")
def roster_import_confirm(request, token: str):
    upload = _upload_get(request, token)
    if upload is None:
        return _upload_expired(request)
    path, branch, filename = upload
    with path.open("rb") as file:
        result = roster.roster_import(actor=request.user, branch=branch, file=file, dry_run=False)
    if not result.applied:
        messages.error(request, _("Nothing was saved: the file has problems."))
        return _preview(request, result, branch=branch, filename=filename, token=token)
    _upload_forget(request, token)
    messages.success(
        request,
        _("Roster imported into %(branch)s: %(created)d added, %(updated)d updated, %(unchanged)d unchanged.")
        % {
            "branch": branch,
            "created": len(result.to_create),
            "updated": len(result.to_update),
            "unchanged": len(result.unchanged),
        },
    )
    return redirect("members:list")


@capability_required("edit_members")
def roster_import_template(request):
    branch = _branch_chosen(request)
    groups = list(ContactGroup.objects.filter(branch=branch)) if branch else []
    owner = branch.name if branch else _("Branch")
    return _xlsx(
        roster.template_workbook(groups), spreadsheets.download_name(owner, _("Roster template"), "xlsx")
    )


@capability_required("edit_members")
def roster_export(request):
    branch = _branch_chosen(request)
    if branch is None:
        context = {"branches": _branches(request.user)}
        return render(request, "members/roster_branch_choice.html", context)
    return _xlsx(roster.roster_workbook(branch), roster.export_filename(branch, _("roster")))


def _preview(request, result, *, branch, filename, token):
    context = {
        "result": result,
        "branch": branch,
        "filename": filename,
        "token": token,
        "errors": sorted(result.errors, key=lambda e: e.line or 0),
        "creates": result.to_create[:PREVIEW_ROWS],
        "updates": result.to_update[:PREVIEW_ROWS],
        "preview_rows": PREVIEW_ROWS,
        "to_save": len(result.to_create) + len(result.to_update),
    }
    return render(request, "members/roster_preview.html", context)


def _branches(user):
    return Branch.objects.filter(pk__in=branch_ids(user, "edit_members"))


def _branch_chosen(request) -> Branch | None:
    """The user's only branch, or the one named by ?branch= among those they may edit."""
    branches = _branches(request.user)
    if len(branches) == 1:
        return branches[0]
    return next((b for b in branches if str(b.pk) == request.GET.get("branch")), None)


def _xlsx(content: bytes, filename: str) -> FileResponse:
    return FileResponse(BytesIO(content), as_attachment=True, filename=filename, content_type=XLSX)


def _upload_dir() -> Path:
    folder = Path(settings.MEDIA_ROOT) / "imports"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _upload_keep(request, upload, branch: Branch) -> str:
    """Stores the upload under a random name and remembers it in the session; returns its token."""
    _upload_sweep()
    token = secrets.token_urlsafe(24)
    suffix = Path(upload.name).suffix.lower()
    with (_upload_dir() / f"{token}{suffix}").open("wb") as target:
        for chunk in upload.chunks():
            target.write(chunk)
    uploads = request.session.get(SESSION_KEY, {})
    uploads[token] = {"branch": branch.pk, "suffix": suffix, "name": upload.name, "at": time.time()}
    request.session[SESSION_KEY] = uploads
    return token


def _upload_get(request, token: str) -> tuple[Path, Branch, str] | None:
    """(path, branch, original name) of the session's upload, or None if unknown, stale or gone."""
    entry = request.session.get(SESSION_KEY, {}).get(token)
    if entry is None:
        return None
    path = _upload_dir() / f"{token}{entry['suffix']}"
    branch = next((b for b in _branches(request.user) if b.pk == entry["branch"]), None)
    if time.time() - entry["at"] > UPLOAD_TTL.total_seconds() or not path.exists() or branch is None:
        _upload_forget(request, token)
        return None
    return path, branch, entry["name"]


def _upload_forget(request, token: str) -> None:
    uploads = request.session.get(SESSION_KEY, {})
    entry = uploads.pop(token, None)
    request.session[SESSION_KEY] = uploads
    if entry is not None:
        (_upload_dir() / f"{token}{entry['suffix']}").unlink(missing_ok=True)


def _upload_sweep() -> None:
    """Removes uploads nobody confirmed (anyone's), once they are older than the time allowed."""
    limit = time.time() - UPLOAD_TTL.total_seconds()
    for path in _upload_dir().iterdir():
        if path.is_file() and path.stat().st_mtime < limit:
            path.unlink(missing_ok=True)


def _upload_expired(request):
    messages.error(request, _("This upload has expired or is not yours. Please upload the file again."))
    return redirect("members:import")
