"""The foreign keys to Branch point at org.Branch, where the model moved.

State only: the table is members_branch before and after, so no SQL runs (org/migrations/0001).
"""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('dues', '0002_expenditure_celebration'),
        ('org', '0001_initial'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name='duesrate',
                    name='branch',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='dues_rates', to='org.branch', verbose_name='branch'),
                ),
                migrations.AlterField(
                    model_name='expenditure',
                    name='branch',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='dues_expenditures', to='org.branch', verbose_name='branch'),
                ),
                migrations.AlterField(
                    model_name='payment',
                    name='branch',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='dues_payments', to='org.branch', verbose_name='branch'),
                ),
                migrations.AlterField(
                    model_name='workplanitem',
                    name='branch',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='work_plan_items', to='org.branch', verbose_name='branch'),
                ),
            ],
        ),
    ]
