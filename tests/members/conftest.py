import pytest
from django.core.cache import cache


@pytest.fixture
def page_cache(settings):
    """A real cache, so that page bodies are kept (the tests' settings have a DummyCache)."""
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    cache.clear()
