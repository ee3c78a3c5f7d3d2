"""The foreign keys to Branch point at org.Branch, where the model moved.

State only: the table is members_branch before and after, so no SQL runs (org/migrations/0001).
"""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('org', '0001_initial'),
        ('visits', '0005_escalation_occasion'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name='birthdaycelebration',
                    name='branch',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='celebrations', to='org.branch', verbose_name='branch'),
                ),
                migrations.AlterField(
                    model_name='visitpolicy',
                    name='branch',
                    field=models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='visit_policy', to='org.branch', verbose_name='branch'),
                ),
            ],
        ),
    ]
