"""Single figures of other tables (a count, a sum) as columns of one query.

A page that shows many small figures reads them together: one query with a scalar subquery per
figure, instead of one aggregate query per figure.
"""

from django.db.models import DecimalField, IntegerField, QuerySet, Subquery


class Count(Subquery):
    """The number of rows of a queryset."""

    template = "(SELECT COUNT(*) FROM (%(subquery)s) figure)"
    output_field = IntegerField()

    def __init__(self, queryset: QuerySet) -> None:
        super().__init__(queryset.order_by().values("pk"))


class Sum(Subquery):
    """The sum of a decimal column over a queryset's rows, 0 when there are none."""

    output_field = DecimalField(max_digits=14, decimal_places=2)

    def __init__(self, queryset: QuerySet, column: str) -> None:
        # The derived table's column keeps the field's name, so the outer SUM can name it.
        self.template = f"(SELECT COALESCE(SUM({column}), 0) FROM (%(subquery)s) figure)"
        super().__init__(queryset.order_by().values(column))
