"""The foreign keys to Branch point at org.Branch, where the model moved.

State only: the table is members_branch before and after, so no SQL runs (org/migrations/0001).
"""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('org', '0001_initial'),
        ('study', '0003_contributions'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name='interestgroup',
                    name='branch',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='interest_groups', to='org.branch', verbose_name='branch'),
                ),
                migrations.AlterField(
                    model_name='meetingfrequency',
                    name='branch',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='meeting_frequencies', to='org.branch', verbose_name='branch'),
                ),
                migrations.AlterField(
                    model_name='studyactivity',
                    name='branches',
                    field=models.ManyToManyField(related_name='study_activities', to='org.branch', verbose_name='branches taking part'),
                ),
                migrations.AlterField(
                    model_name='studyactivity',
                    name='organiser',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='organised_study_activities', to='org.branch', verbose_name='organising branch'),
                ),
                migrations.AlterField(
                    model_name='studyplan',
                    name='branch',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='study_plans', to='org.branch', verbose_name='branch'),
                ),
            ],
        ),
    ]
