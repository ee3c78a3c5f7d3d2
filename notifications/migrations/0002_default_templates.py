"""The default notice templates, one or more per category, in the branch's own words."""

from django.db import migrations

from notifications.defaults import TEMPLATES


def create(apps, schema_editor):
    NoticeTemplate = apps.get_model("notifications", "NoticeTemplate")
    for category, name, title, body in TEMPLATES:
        NoticeTemplate.objects.get_or_create(name=name, defaults={"category": category, "title": title, "body": body})


def remove(apps, schema_editor):
    apps.get_model("notifications", "NoticeTemplate").objects.filter(name__in=[t[1] for t in TEMPLATES]).delete()


class Migration(migrations.Migration):
    dependencies = [("notifications", "0001_initial")]
    operations = [migrations.RunPython(create, remove)]
