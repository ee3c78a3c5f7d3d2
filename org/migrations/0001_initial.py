"""Bureau and Branch move here from members, in the migration state only.

Their tables keep their names (members_bureau, members_branch), so this migration runs no SQL on a
database that has them: members.0001 created them, and members.0007 drops the old models from the
state once every foreign key points here. The content types follow the models, so that the admin's
permissions and the audit log's entries stay attached to them.
"""

import django.db.models.deletion
from django.db import migrations, models

MOVED = ("bureau", "branch")


def content_types_to_org(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    db = schema_editor.connection.alias
    for model in MOVED:
        # A fresh database has no content types yet; they are created after migrate.
        if not ContentType.objects.using(db).filter(app_label="org", model=model).exists():
            ContentType.objects.using(db).filter(app_label="members", model=model).update(app_label="org")


def content_types_to_members(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    db = schema_editor.connection.alias
    for model in MOVED:
        if not ContentType.objects.using(db).filter(app_label="members", model=model).exists():
            ContentType.objects.using(db).filter(app_label="org", model=model).update(app_label="members")


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("members", "0006_member_needs_call"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="Bureau",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("name", models.CharField(max_length=100, unique=True, verbose_name="name")),
                    ],
                    options={
                        "verbose_name": "bureau",
                        "verbose_name_plural": "bureaus",
                        "db_table": "members_bureau",
                        "ordering": ["name"],
                    },
                ),
                migrations.CreateModel(
                    name="Branch",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("name", models.CharField(max_length=100, verbose_name="name")),
                        ("bureau", models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="branches", to="org.bureau", verbose_name="bureau")),
                    ],
                    options={
                        "verbose_name": "branch",
                        "verbose_name_plural": "branches",
                        "db_table": "members_branch",
                        "ordering": ["bureau__name", "name"],
                        "constraints": [
                            models.UniqueConstraint(fields=("bureau", "name"), name="unique_branch_name_in_bureau"),
                        ],
                    },
                ),
            ],
        ),
        migrations.RunPython(content_types_to_org, content_types_to_members),
    ]
