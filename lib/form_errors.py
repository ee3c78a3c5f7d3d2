"""How a service's refusal reaches the form that asked for it: one way for every view."""

from django.core.exceptions import ValidationError


def add_service_error(form, error: ValidationError) -> None:
    """The service's errors beside their fields, those of fields the form lacks above it.

    Django's own `form.add_error(None, error)` raises ValueError (a 500) for an error naming a field
    the form does not have, e.g. a model field the service checks but the form does not show.
    """
    for field, errors in getattr(error, "error_dict", {None: error}).items():
        form.add_error(field if field in form.fields else None, errors)
