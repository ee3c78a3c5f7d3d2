"""Writes to accounts: each a named function, atomic, raising translated errors."""

import secrets

from django.contrib.auth import update_session_auth_hash
from django.db import transaction

from .models import BranchRole, User


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


@transaction.atomic
def secretary_create(*, branch, username: str, full_name: str = "") -> tuple[User, str]:
    """A new user holding the secretary role of `branch`, with a random one-time password that they
    must replace at their first login. Returns the user and that password."""
    password = secrets.token_urlsafe(9)
    user = User(username=username, last_name=full_name, must_change_password=True)
    user.set_password(password)
    user.full_clean(exclude=["password"])
    user.save()
    BranchRole.objects.create(user=user, branch=branch, role=BranchRole.Role.SECRETARY)
    return user, password
