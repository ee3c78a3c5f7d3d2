"""Bureau and Branch leave members for org (org/migrations/0001), in the migration state only.

Every foreign key to Branch points at org.Branch first (the other apps' *_branch_moved_to_org
migrations, on which this one depends); then the old models leave the state. Their tables stay,
now org's (db_table), so no SQL runs.
"""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("members", "0006_member_needs_call"),
        ("org", "0001_initial"),
        ("accounts", "0004_branch_moved_to_org"),
        ("dues", "0003_branch_moved_to_org"),
        ("notifications", "0010_branch_moved_to_org"),
        ("study", "0004_branch_moved_to_org"),
        ("visits", "0006_branch_moved_to_org"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="contactgroup",
                    name="branch",
                    field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="contact_groups", to="org.branch", verbose_name="branch"),
                ),
                migrations.AlterField(
                    model_name="member",
                    name="branch",
                    field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="members", to="org.branch", verbose_name="branch"),
                ),
                migrations.DeleteModel(name="Branch"),
                migrations.DeleteModel(name="Bureau"),
            ],
        ),
    ]
