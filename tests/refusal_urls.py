"""The portal's URLs plus one view that fails, for the 500 page's test (tests/test_refusals.py)."""

from django.contrib.auth.decorators import login_not_required
from django.urls import path

from branch_portal.urls import urlpatterns as portal_urls


@login_not_required
def broken(request):
    raise RuntimeError("a bug")


urlpatterns = [*portal_urls, path("broken/", broken)]
