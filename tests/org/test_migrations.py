"""Bureau and Branch moved from members to org without touching a table (issue 19).

A database migrated before the move must come through `migrate` unchanged: every migration of the
move changes the migration state only, and the tables keep their names.
"""

from importlib import import_module
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.loader import MigrationLoader

from org.models import Branch, Bureau

MOVE = [
    ("org", "0001_initial"),
    ("accounts", "0004_branch_moved_to_org"),
    ("dues", "0003_branch_moved_to_org"),
    ("notifications", "0010_branch_moved_to_org"),
    ("study", "0004_branch_moved_to_org"),
    ("visits", "0006_branch_moved_to_org"),
    ("members", "0007_branch_moved_to_org"),
]


@pytest.mark.django_db
def test_the_move_runs_no_sql():
    loader = MigrationLoader(connection)
    state = loader.project_state(MOVE, at_end=False)
    statements = []
    for key in MOVE:
        with connection.schema_editor(collect_sql=True) as editor:
            state = loader.graph.nodes[key].apply(state, editor, collect_sql=True)
        statements += [line for line in editor.collected_sql if not line.startswith("--")]
    assert statements == []


def test_the_tables_keep_their_names():
    assert (Bureau._meta.db_table, Branch._meta.db_table) == ("members_bureau", "members_branch")


@pytest.mark.django_db
def test_the_content_types_follow_the_models_keeping_their_ids():
    """The admin's permissions and the audit log point at content types by id: those stay."""
    moved = import_module("org.migrations.0001_initial")
    ContentType.objects.filter(app_label="org").delete()
    old = {m: ContentType.objects.create(app_label="members", model=m).pk for m in ("bureau", "branch")}
    moved.content_types_to_org(apps, SimpleNamespace(connection=connection))
    ContentType.objects.clear_cache()
    assert ContentType.objects.get_for_model(Bureau).pk == old["bureau"]
    assert ContentType.objects.get_for_model(Branch).pk == old["branch"]
