"""The foreign keys to Branch point at org.Branch, where the model moved.

State only: the table is members_branch before and after, so no SQL runs (org/migrations/0001).
"""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0003_sms_login_codes_and_proxy_role'),
        ('org', '0001_initial'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name='branchrole',
                    name='branch',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='roles', to='org.branch', verbose_name='branch'),
                ),
            ],
        ),
    ]
