"""The benchmark's ceiling: /healthz/ping answers "ok" without touching the database."""

import pytest
from django.urls import reverse


@pytest.mark.django_db
def test_ping_answers_ok_to_anyone_without_a_query(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get(reverse("ping"))
    assert response.status_code == 200
    assert response.content == b"ok"


@pytest.mark.django_db
def test_ping_refuses_a_post(client):
    assert client.post(reverse("ping")).status_code == 405
