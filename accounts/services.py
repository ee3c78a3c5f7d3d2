"""Writes to accounts: each a named function, atomic, raising translated errors."""

from django.contrib.auth import update_session_auth_hash
from django.db import transaction

from .models import User


@transaction.atomic
def user_set_password(*, request, user: User, password: str) -> User:
    """Sets a new password the user chose, clears the forced change and keeps them logged in."""
    user.set_password(password)
    user.must_change_password = False
    user.save(update_fields=["password", "must_change_password"])
    update_session_auth_hash(request, user)
    return user


def user_set_text_size(*, user: User, text_size: str) -> User:
    """Remembers the user's text size (standard, large, extra large)."""
    user.text_size = text_size
    user.full_clean(exclude=["password", "username", "phone"])
    user.save(update_fields=["text_size"])
    return user
