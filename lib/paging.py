"""Paging for the portal's long lists (members, concerns, notices)."""

from django.core.paginator import Paginator
from django.utils.functional import cached_property

PAGE_SIZE = 50


class RowCountPaginator(Paginator):
    """Counts the filtered rows alone: the page's joins, annotations, preloads and order only cost
    on the rows shown, not on a COUNT over the whole list."""

    @cached_property
    def count(self) -> int:
        return self.object_list.order_by().values("pk").count()


def page_of(rows, request):
    """The requested page (the last one for a page past the end, the first for junk) of `rows`."""
    return RowCountPaginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
