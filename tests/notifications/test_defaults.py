import pytest

from notifications.defaults import TEMPLATES, notice_templates_ensure
from notifications.models import NoticeTemplate

pytestmark = pytest.mark.django_db


def test_missing_default_templates_come_back_and_edited_ones_stay():
    NoticeTemplate.objects.all().delete()
    NoticeTemplate.objects.create(category="weather", name="天气提醒", title="改过的标题", body="改过的正文")
    notice_templates_ensure()
    assert NoticeTemplate.objects.count() == len(TEMPLATES)
    assert NoticeTemplate.objects.get(name="天气提醒").title == "改过的标题"
