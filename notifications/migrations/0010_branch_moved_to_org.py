"""The foreign keys to Branch point at org.Branch, where the model moved.

State only: the table is members_branch before and after, so no SQL runs (org/migrations/0001).
"""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('notifications', '0009_message_voice_channel'),
        ('org', '0001_initial'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name='call',
                    name='branch',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='org.branch', verbose_name='branch'),
                ),
                migrations.AlterField(
                    model_name='message',
                    name='branch',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='org.branch', verbose_name='branch'),
                ),
                migrations.AlterField(
                    model_name='notice',
                    name='branch',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='notices', to='org.branch', verbose_name='branch'),
                ),
                migrations.AlterField(
                    model_name='noticecounter',
                    name='branch',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='org.branch'),
                ),
                migrations.AlterField(
                    model_name='remindersettings',
                    name='branch',
                    field=models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='reminder_settings', to='org.branch', verbose_name='branch'),
                ),
            ],
        ),
    ]
