"""export_branch / import_branch: a branch survives the round trip, and a bad import changes nothing."""

import hashlib
import io
import json
import zipfile
from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ImproperlyConfigured
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import connection

from accounts.models import BranchRole, User
from dues.models import Payment
from members.demo import BRANCH_NAME, NEIGHBOUR_BRANCH_NAME
from members.models import Member
from notifications.models import Notice
from org.models import Branch
from study.models import StudyActivity, StudyMaterial
from study.services import material_add
from tests.factories import MemberFactory
from tooling.backup import scope
from visits.models import Visit

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.4\n% a study material for the round trip\n%%EOF\n"


@pytest.fixture
def demo_branch():
    """The demo branch with every kind of row, plus a study material with a file."""
    call_command("seed_demo", stdout=io.StringIO())
    branch = Branch.objects.get(name=BRANCH_NAME)
    activity = StudyActivity.objects.filter(organiser=branch).first()
    secretary = User.objects.get(username="secretary")
    upload = SimpleUploadedFile("讲稿.pdf", PDF, content_type="application/pdf")
    material_add(actor=secretary, activity=activity, kind="file", title="学习讲稿", file=upload)
    return branch


def export(branch, path) -> dict:
    call_command("export_branch", branch=branch.name, output=path, stdout=io.StringIO())
    return read(path)


def read(path) -> dict[str, object]:
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def rows(contents: dict, label: str) -> list[dict]:
    return json.loads(contents[f"data/{label}.json"])


def empty_database() -> None:
    """What a fresh, migrated database holds: nothing but what migrations write."""
    ContentType.objects.clear_cache()
    # PostgreSQL will not truncate tables with foreign-key checks still pending in the test's transaction.
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        call_command("flush", interactive=False, verbosity=0)
        if connection.vendor == "postgresql":
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
    ContentType.objects.clear_cache()


def table_counts() -> dict[str, int]:
    return {part.label: part.model._default_manager.count() for part in scope.PARTS}


def comparable(contents: dict) -> dict:
    """Every row of the archive by model and key, many-to-many values as sets (their order is free)."""
    result = {}
    for name, content in contents.items():
        if name.startswith("data/"):
            result[name] = {
                row["pk"]: {
                    key: sorted(map(str, value)) if isinstance(value, list) else value
                    for key, value in row["fields"].items()
                }
                for row in json.loads(content)
            }
    return result


def rewrite(source, target, *, edit, checksums: bool) -> None:
    """A copy of the archive with `edit(name, content) -> content` applied; checksums redone if asked."""
    contents = {name: edit(name, content) for name, content in read(source).items()}
    if checksums:
        manifest = json.loads(contents["manifest.json"])
        for name in manifest["files"]:
            manifest["files"][name] = hashlib.sha256(contents[name]).hexdigest()
        contents["manifest.json"] = json.dumps(manifest).encode()
    with zipfile.ZipFile(target, "w") as archive:
        for name, content in contents.items():
            archive.writestr(name, content)


def test_every_model_of_the_portal_is_covered_by_backups():
    scope.check_coverage()


def test_a_model_left_out_of_backups_fails_loudly(monkeypatch):
    monkeypatch.setattr(scope, "PARTS", [p for p in scope.PARTS if p.label != "visits.ConcernEvent"])
    with pytest.raises(ImproperlyConfigured, match="visits.ConcernEvent"):
        scope.check_coverage()


def visit_values(visit) -> tuple:
    visitors = set(visit.visitors.values_list("pk", flat=True))
    return visit.member_id, visit.date, visit.kind, visit.notes, visitors


def test_round_trip_restores_every_row_file_and_password(demo_branch, tmp_path, client):
    before = export(demo_branch, tmp_path / "branch.zip")
    member = Member.objects.select_related("health").get(branch=demo_branch, name="周桂兰")
    health = (member.health.condition, member.health.mobility, member.health.note)
    visit = Visit.objects.filter(member__branch=demo_branch).order_by("pk").last()
    visited = visit_values(visit)
    payment = Payment.objects.filter(branch=demo_branch).order_by("pk").last()
    notice = Notice.objects.filter(branch=demo_branch, number__isnull=False).order_by("pk").last()
    material = StudyMaterial.objects.exclude(file="").get()
    material.file.storage.delete(material.file.name)
    empty_database()
    assert table_counts()["members.Member"] == 0

    call_command("import_branch", tmp_path / "branch.zip", stdout=io.StringIO())

    branch = Branch.objects.get(pk=demo_branch.pk)
    after = export(branch, tmp_path / "again.zip")
    assert json.loads(after["manifest.json"])["counts"] == json.loads(before["manifest.json"])["counts"]
    after_rows, before_rows = comparable(after), comparable(before)
    for name, model_rows in before_rows.items():
        assert after_rows[name] == model_rows, name
    member = Member.objects.select_related("health").get(pk=member.pk)
    assert (member.health.condition, member.health.mobility, member.health.note) == health
    assert visit_values(Visit.objects.get(pk=visit.pk)) == visited
    assert Payment.objects.get(pk=payment.pk).amount == payment.amount > Decimal("0")
    assert Notice.objects.get(pk=notice.pk).number == notice.number
    restored = StudyMaterial.objects.get(pk=material.pk)
    with restored.file.open("rb") as handle:
        assert handle.read() == PDF
    response = client.post("/accounts/login/", {"username": "secretary", "password": "demo-pass-2026"})
    assert response.status_code == 302 and response["Location"] == "/"


def test_new_rows_after_import_take_fresh_keys(demo_branch, tmp_path):
    """On PostgreSQL the sequences restart after the flush: without a reset the next row would collide."""
    export(demo_branch, tmp_path / "branch.zip")
    highest = Member.objects.filter(branch=demo_branch).order_by("pk").last().pk
    empty_database()
    call_command("import_branch", tmp_path / "branch.zip", stdout=io.StringIO())

    added = MemberFactory(branch=Branch.objects.get(pk=demo_branch.pk))
    assert added.pk > highest
    role = BranchRole.objects.create(user=User.objects.create(username="newcomer"), branch=added.branch)
    assert role.pk and User.objects.filter(username="newcomer").exists()


def test_archive_of_a_branch_holds_no_row_of_another(demo_branch, tmp_path):
    neighbour = Branch.objects.get(name=NEIGHBOUR_BRANCH_NAME)
    contents = export(demo_branch, tmp_path / "branch.zip")

    assert [row["pk"] for row in rows(contents, "org.Branch")] == [demo_branch.pk]
    neighbours_members = set(Member.objects.filter(branch=neighbour).values_list("pk", flat=True))
    assert not {row["pk"] for row in rows(contents, "members.Member")} & neighbours_members
    assert all(row["fields"]["branch"] == demo_branch.pk for row in rows(contents, "accounts.BranchRole"))
    assert "secretary18" not in {row["fields"]["username"] for row in rows(contents, "accounts.User")}
    assert not {row["fields"]["member"] for row in rows(contents, "study.Attendance")} & neighbours_members
    joint = [row for row in rows(contents, "study.StudyActivity") if row["fields"]["kind"] == "joint"]
    assert joint and all(row["fields"]["branches"] == [demo_branch.pk] for row in joint)
    for label in ("notifications.Notice", "notifications.Message", "dues.Payment", "members.ContactGroup"):
        assert all(row["fields"]["branch"] == demo_branch.pk for row in rows(contents, label)), label


def test_a_joint_activity_organised_by_another_branch_comes_back_with_this_branch_as_organiser(
    demo_branch, tmp_path
):
    neighbour = Branch.objects.get(name=NEIGHBOUR_BRANCH_NAME)
    joint = StudyActivity.objects.get(kind="joint", organiser=demo_branch)
    manifest = json.loads(export(neighbour, tmp_path / "neighbour.zip")["manifest.json"])
    assert manifest["foreign_organisers"][str(joint.pk)]["name"] == BRANCH_NAME
    empty_database()

    call_command("import_branch", tmp_path / "neighbour.zip", stdout=io.StringIO())

    restored = StudyActivity.objects.get(pk=joint.pk)
    assert restored.organiser_id == neighbour.pk
    assert list(restored.branches.values_list("pk", flat=True)) == [neighbour.pk]
    assert {a.member.branch_id for a in restored.attendances.select_related("member")} == {neighbour.pk}


@pytest.fixture
def small_archive(own_member, tmp_path):
    """A branch with a few users and one member, exported, and the database then emptied."""
    path = tmp_path / "branch.zip"
    export(own_member.branch, path)
    empty_database()
    return path


def test_importing_twice_is_refused_and_changes_nothing(small_archive):
    call_command("import_branch", small_archive, stdout=io.StringIO())
    counts = table_counts()

    with pytest.raises(CommandError, match="本数据库中已有支部第16党支部"):
        call_command("import_branch", small_archive, stdout=io.StringIO())
    assert table_counts() == counts


@pytest.mark.parametrize("clash", ["same user name", "same key"])
def test_rows_that_already_exist_are_refused(small_archive, clash):
    archived = rows(read(small_archive), "accounts.User")[0]
    if clash == "same key":
        User.objects.create(pk=archived["pk"], username="someone-else")
    else:
        User.objects.create(username=archived["fields"]["username"])
    with pytest.raises(CommandError, match="请导入到空数据库"):
        call_command("import_branch", small_archive, stdout=io.StringIO())
    assert table_counts()["members.Member"] == 0


def _change_member_name(name, content):
    if name != "data/members.Member.json":
        return content
    return content.replace("周桂兰".encode(), "李四".encode())


def _add_member_of_another_branch(name, content):
    if name != "data/members.Member.json":
        return content
    members = json.loads(content)
    stranger = json.loads(json.dumps(members[0]))
    stranger["pk"], stranger["fields"]["branch"] = 9999, 9999
    return json.dumps([*members, stranger]).encode()


def _claim_other_migrations(name, content):
    if name != "manifest.json":
        return content
    manifest = json.loads(content)
    manifest["migrations"]["members"] = ["0001_initial"]
    return json.dumps(manifest).encode()


def _drop_fields(name, content):
    if name != "data/members.Member.json":
        return content
    return json.dumps([{"model": "members.member", "pk": row["pk"]} for row in json.loads(content)]).encode()


@pytest.mark.parametrize(
    ("edit", "checksums", "message"),
    [
        (_change_member_name, False, "与其校验和不符"),
        (_add_member_of_another_branch, False, "与其校验和不符"),
        # With its checksums redone, a row too many no longer matches the manifest's counts.
        (_add_member_of_another_branch, True, "members.Member 的行数与清单不符"),
        (_claim_other_migrations, False, r"迁移状态不同（members）"),
        (lambda name, content: b"{" if name == "manifest.json" else content, False, "没有可读取的清单"),
        (_drop_fields, True, "内容的结构与预期不符"),
        (lambda name, content: content, False, None),
    ],
    ids=[
        "tampered",
        "row added",
        "row added and summed",
        "other migrations",
        "bad manifest",
        "rows without fields",
        "intact",
    ],
)
def test_a_tampered_or_malformed_archive_is_refused_and_changes_nothing(
    small_archive, tmp_path, edit, checksums, message
):
    changed = tmp_path / "changed.zip"
    rewrite(small_archive, changed, edit=edit, checksums=checksums)
    if message is None:  # the control: rewriting alone spoils nothing
        call_command("import_branch", changed, stdout=io.StringIO())
        assert Member.objects.get().name == "周桂兰"
        return
    counts = table_counts()
    with pytest.raises(CommandError, match=message):
        call_command("import_branch", changed, stdout=io.StringIO())
    assert table_counts() == counts


def test_rows_outside_the_branch_are_refused_after_loading_and_rolled_back(small_archive, tmp_path):
    """A row of another branch that fits the counts is caught by counting the branch again, then undone."""

    def swap_branch(name, content):
        if name != "data/members.Member.json":
            return content
        members = json.loads(content)
        members[0]["fields"]["branch"] = 9999
        return json.dumps(members).encode()

    def add_that_branch(name, content):
        if name != "data/org.Branch.json":
            return content
        branches = json.loads(content)
        other = json.loads(json.dumps(branches[0]))
        other["pk"], other["fields"]["name"] = 9999, "第99党支部"
        return json.dumps([*branches, other]).encode()

    changed = tmp_path / "changed.zip"
    rewrite(small_archive, changed, edit=lambda n, c: add_that_branch(n, swap_branch(n, c)), checksums=True)
    manifest_edit = tmp_path / "counted.zip"

    def recount(name, content):
        if name != "manifest.json":
            return content
        manifest = json.loads(content)
        manifest["counts"]["org.Branch"] = 2
        return json.dumps(manifest).encode()

    rewrite(changed, manifest_edit, edit=recount, checksums=False)
    counts = table_counts()
    with pytest.raises(CommandError, match="并非都属于支部"):
        call_command("import_branch", manifest_edit, stdout=io.StringIO())
    assert table_counts() == counts


def test_not_a_zip_is_refused(tmp_path):
    path = tmp_path / "notes.zip"
    path.write_text("not an archive")
    with pytest.raises(CommandError, match="不是可读取的 zip 备份包"):
        call_command("import_branch", path, stdout=io.StringIO())


def test_unknown_branch_is_refused(branch, tmp_path):
    with pytest.raises(CommandError, match="没有名称或编号为“第1党支部”的支部"):
        call_command("export_branch", branch="第1党支部", output=tmp_path / "x.zip", stdout=io.StringIO())
    assert not (tmp_path / "x.zip").exists()
