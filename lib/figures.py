"""Single figures of other tables (a count, a sum) and short lists as columns of one query.

A page that shows many small figures reads them together: one query with a scalar subquery per
figure, instead of one aggregate query per figure.
"""

import json
from decimal import Decimal

from django.db import DEFAULT_DB_ALIAS
from django.db.models import (
    BooleanField,
    DecimalField,
    ExpressionWrapper,
    F,
    IntegerField,
    JSONField,
    Model,
    Q,
    QuerySet,
    Subquery,
)


class Count(Subquery):
    """The number of rows of a queryset, or of its distinct values of `fields` when given."""

    template = "(SELECT COUNT(*) FROM (%(subquery)s) figure)"
    output_field = IntegerField()

    def __init__(self, queryset: QuerySet, *fields: str) -> None:
        queryset = queryset.order_by()
        super().__init__(queryset.values(*fields).distinct() if fields else queryset.values("pk"))


class Counts(Subquery):
    """How many of a queryset's rows there are ("all") and how many meet each condition (a Q on its
    model), read in one pass over the rows: a dict of name → count. Several figures of one table
    (active members, those aged 80, those in care) cost one scan rather than one each."""

    output_field = JSONField()

    def __init__(self, queryset: QuerySet, **conditions: Q) -> None:
        self.names = list(conditions)
        flags = {
            f"c{i}": ExpressionWrapper(condition, output_field=BooleanField())
            for i, condition in enumerate(conditions.values())
        }
        super().__init__(queryset.order_by().values(**flags))

    def as_sql(self, compiler, connection, template=None, **extra_context):
        counts = [("all", "COUNT(*)")] + [
            (name, f"COUNT(*) FILTER (WHERE c{i})") for i, name in enumerate(self.names)
        ]
        build = "JSONB_BUILD_OBJECT" if connection.vendor == "postgresql" else "JSON_OBJECT"
        pairs = ", ".join(f"'{name}', {count}" for name, count in counts)
        template = f"(SELECT {build}({pairs}) FROM (%(subquery)s) figure)"
        return super().as_sql(compiler, connection, template=template, **extra_context)


class Sum(Subquery):
    """The sum of a decimal column over a queryset's rows, 0 when there are none."""

    output_field = DecimalField(max_digits=14, decimal_places=2)

    def __init__(self, queryset: QuerySet, column: str) -> None:
        # The derived table's column keeps the field's name, so the outer SUM can name it.
        self.template = f"(SELECT COALESCE(SUM({column}), 0) FROM (%(subquery)s) figure)"
        super().__init__(queryset.order_by().values(column))


class _ExactDecoder(json.JSONDecoder):
    """Numbers with a fraction stay Decimal: they are amounts of money."""

    def __init__(self, **kwargs) -> None:
        super().__init__(parse_float=Decimal, **kwargs)


class Rows(Subquery):
    """A queryset's rows as a list of lists of `fields` (JSON built by the database), in no order:
    a short list read in the same query as the figures. Dates come back as ISO strings."""

    output_field = JSONField(decoder=_ExactDecoder)

    def __init__(self, queryset: QuerySet, *fields: str) -> None:
        # Aliases of our own: a derived table's column takes its name from it, whatever the field path.
        aliased = {f"c{i}": F(field) for i, field in enumerate(fields)}
        self.columns = list(aliased)
        super().__init__(queryset.order_by().values(**aliased))

    def as_sql(self, compiler, connection, template=None, **extra_context):
        columns = ", ".join(self.columns)
        if connection.vendor == "postgresql":
            rows = f"COALESCE(JSONB_AGG(JSONB_BUILD_ARRAY({columns})), '[]')"
        else:
            rows = f"JSON_GROUP_ARRAY(JSON_ARRAY({columns}))"
        template = f"(SELECT {rows} FROM (%(subquery)s) figure)"
        return super().as_sql(compiler, connection, template=template, **extra_context)


def instances(model: type[Model], fields: tuple[str, ...], rows: list) -> list:
    """The rows of `Rows(queryset of model, *fields)` as the model's instances, as if queried with
    `only(*fields)`: `fields` are column names (`member_id`), converted from JSON (ISO dates)."""
    # from_db takes the values in the model's order of fields.
    read = [field for field in model._meta.concrete_fields if field.attname in fields]
    names = [field.attname for field in read]
    at = [fields.index(name) for name in names]
    return [
        model.from_db(DEFAULT_DB_ALIAS, names, [f.to_python(row[i]) for f, i in zip(read, at, strict=True)])
        for row in rows
    ]
