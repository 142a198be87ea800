"""Pagination whose cost does not grow with the table (README, "Performance")."""

from django.core.paginator import Paginator
from django.utils.functional import cached_property


class BoundedPaginator(Paginator):
    """Counts at most `limit` rows: `SELECT COUNT(*) FROM (SELECT id ... LIMIT limit+1)`, a bounded
    index scan, instead of counting every one of a trust's ten years of incidents on each page.
    Pages past the limit are not offered; `truncated` says there are more, so the page can ask for
    a narrower filter. The deepest OFFSET is bounded by the same limit."""

    def __init__(self, object_list, per_page, *, limit: int = 10_000, **kwargs):
        super().__init__(object_list, per_page, **kwargs)
        self.limit = limit

    @cached_property
    def _found(self) -> int:
        # Without ordering or annotations the count is an index-only scan of the filter's rows.
        return self.object_list.order_by().values("pk")[: self.limit + 1].count()

    @cached_property
    def count(self) -> int:
        return min(self._found, self.limit)

    @property
    def truncated(self) -> bool:
        return self._found > self.limit
