"""lib.choices: a model's get_FOO_display says what Django's own says, in each language."""

import pytest
from django.db import models
from django.utils import translation

from study.models import Attendance, StudyActivity
from visits.models import Concern, ConcernEvent


@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize(
    ("model", "name"),
    [
        (Concern, "state"),
        (Concern, "category"),
        (Concern, "raised_via"),
        (ConcernEvent, "to_state"),
        (StudyActivity, "kind"),
        (Attendance, "status"),
    ],
)
def test_display_is_djangos(language, model, name):
    field = model._meta.get_field(name)
    with translation.override(language):
        for value in [*dict(field.flatchoices), "not-a-choice", ""]:
            row = model(**{name: value})
            assert row._get_FIELD_display(field) == models.Model._get_FIELD_display(row, field)
            assert getattr(row, f"get_{name}_display")() == models.Model._get_FIELD_display(row, field)
