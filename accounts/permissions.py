"""Who may do what, in one place: DESIGN.md's role table as capabilities.

A capability is held in a branch. A bureau role, held in any one branch of a
bureau, reads every branch of that bureau. Every view asks
`has_capability(user, cap, branch)` or scopes its queryset with
`branch_ids(user, cap)`; the same table is published as `rules` permissions
(`portal.<capability>`) so templates can write `{% if perms.portal.send_notices %}`.
"""

import functools
from collections.abc import Callable
from functools import wraps

import rules
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.db.models import CharField, Value

from org.models import Branch, Bureau

from .models import BranchRole, User

Role = BranchRole.Role
LEADERS = frozenset({Role.SECRETARY, Role.DEPUTY})
COMMITTEE = LEADERS | {Role.COMMITTEE}
CARERS = COMMITTEE | {Role.LIAISON}
EVERYONE = frozenset(Role)

CAPABILITY_ROLES: dict[str, frozenset[str]] = {
    "view_roster": CARERS | {Role.BUREAU},
    "edit_members": COMMITTEE,
    "manage_roles": LEADERS,
    "record_visits": CARERS,
    "manage_study": CARERS,
    "view_study": EVERYONE,
    # 三会一课: the committee records meetings and minutes; the bureau reads them (view_study).
    "record_meetings": COMMITTEE,
    "read_committee_minutes": CARERS | {Role.BUREAU},
    "send_notices": COMMITTEE,
    "view_dues_ledger": COMMITTEE | {Role.BUREAU},
    # The annual report as read to the all-member meeting: arrears as counts and sums, no names.
    # The committee's copy, which names who owes, needs view_dues_ledger.
    "read_annual_report": EVERYONE,
    "edit_dues": LEADERS,
    "view_own_dues": frozenset({Role.MEMBER, Role.PROXY}),
    "answer_escalations": frozenset({Role.BUREAU}),
}


def roles_by_branch(user) -> dict[int, frozenset[str]]:
    """Branch id → the user's roles there, bureau roles spread over the bureau; cached on the user."""
    _load_roles(user)
    return user._roles_by_branch


def branches_of(user, capability: str) -> list:
    """The Branch rows (bureau loaded) in which the user holds the capability, in the branches' order.

    They come with the roles (no query of their own), so a page showing them costs nothing more.
    """
    _load_roles(user)
    allowed = CAPABILITY_ROLES[capability]
    held = [user._branches[b] for b, roles in user._roles_by_branch.items() if roles & allowed]
    return sorted(held, key=lambda branch: (branch.bureau.name, branch.name))


def _load_roles(user) -> None:
    """Reads the user's roles and branches once per request (the user object lives for one request)."""
    if getattr(user, "_roles_by_branch", None) is not None:
        return
    roles: dict[int, set[str]] = {}
    branches: dict[int, Branch] = {}
    bureaus: dict[int, Bureau] = {}  # one each, shared by its branches
    if user.is_authenticated and user.is_active:
        for branch_id, role, name, bureau_id, bureau_name in _held_and_bureau_roles(user):
            roles.setdefault(branch_id, set()).add(role)
            if branch_id not in branches:
                # Rows as loaded from the database (from_db), so they behave like any queried Branch.
                branch = Branch.from_db("default", ["id", "bureau_id", "name"], [branch_id, bureau_id, name])
                if bureau_id not in bureaus:
                    bureaus[bureau_id] = Bureau.from_db("default", ["id", "name"], [bureau_id, bureau_name])
                branch.bureau = bureaus[bureau_id]
                branches[branch_id] = branch
    user._branches = branches
    user._roles_by_branch = {branch_id: frozenset(held) for branch_id, held in roles.items()}
    user._branch_ids = {}


def _held_and_bureau_roles(user) -> list[tuple]:
    """(branch id, role, branch name, bureau id, bureau name) the user holds, and the same with
    "bureau" for every branch of the bureaus where they hold the bureau role.

    One query (a UNION) on every request of every page, rather than one for the roles, one for
    the bureau's branches and one for the branches a page names. Its SQL is compiled once per
    process: building it with the ORM took as long as running it (~0.8 ms).
    """
    sql, params = _roles_sql()
    with connection.cursor() as cursor:
        cursor.execute(sql, [user.pk if param == _ANY_USER else param for param in params])
        return cursor.fetchall()


_ANY_USER = -1  # stands for the user's id in the compiled SQL; no user has it


@functools.cache
def _roles_sql() -> tuple[str, tuple]:
    held = BranchRole.objects.filter(user_id=_ANY_USER).values_list(
        "branch_id", "role", "branch__name", "branch__bureau_id", "branch__bureau__name"
    )
    bureaus = BranchRole.objects.filter(user_id=_ANY_USER, role=Role.BUREAU).values("branch__bureau_id")
    spread = Branch.objects.filter(bureau_id__in=bureaus).values_list(
        "id", Value(Role.BUREAU.value, output_field=CharField()), "name", "bureau_id", "bureau__name"
    )
    return held.union(spread.order_by(), all=True).query.sql_with_params()


def stand_in(user_id: int, roles: dict[int, frozenset[str]]):
    """A user of that id holding exactly these roles (branch id → roles), no query: what a query built
    for every user of the same roles is compiled for (branch_portal.dashboard_figures)."""
    user = User(pk=user_id)
    user._branches = {}
    user._roles_by_branch = roles
    user._branch_ids = {}
    return user


def branch_ids(user, capability: str) -> list[int]:
    """Ids of the branches in which the user holds the capability."""
    return list(_held_ids(user, capability))


def _held_ids(user, capability: str) -> list[int]:
    # Once per capability and request: a bureau user holds roles in 200 branches, and a page asks
    # for the same capability a dozen times (the menu, the view, its selectors).
    _load_roles(user)
    if capability not in user._branch_ids:
        allowed = CAPABILITY_ROLES[capability]
        held = (b for b, roles in user._roles_by_branch.items() if roles & allowed)
        user._branch_ids[capability] = sorted(held)
    return user._branch_ids[capability]


def has_capability(user, capability: str, branch=None) -> bool:
    """True if the user holds the capability in `branch` (a Branch or its id), or in any branch."""
    if branch is None:
        return bool(_held_ids(user, capability))
    branch_id = getattr(branch, "pk", branch)
    return bool(roles_by_branch(user).get(branch_id, frozenset()) & CAPABILITY_ROLES[capability])


class SystemActor:
    """Who acts when no person does: the demo seed, a management command, a scheduled task. Services
    let it do what they allow (`authorise`) and record no person for it (`person`); no request has it."""

    pk = None

    def __repr__(self) -> str:
        return "SYSTEM"


SYSTEM = SystemActor()


def authorise(actor, capability: str, branch, message: str) -> None:
    """A service's check: PermissionDenied(message) unless the actor is SYSTEM or holds the capability
    in `branch` (a Branch or its id). No actor at all is refused."""
    if actor is SYSTEM:
        return
    if actor is None or not has_capability(actor, capability, branch):
        raise PermissionDenied(message)


def person(actor):
    """The user a service records as having acted (created_by, recorded_by, the history): None for SYSTEM."""
    return None if actor is SYSTEM else actor


def has_role(user, *roles: str) -> bool:
    return any(set(held) & set(roles) for held in roles_by_branch(user).values())


def capability_required(capability: str) -> Callable:
    """View decorator: 403 unless the user holds the capability in at least one branch."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not has_capability(request.user, capability):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def _branch_of(obj):
    if obj is None:
        return None
    return obj.pk if obj.__class__.__name__ == "Branch" else obj.branch_id


def _predicate(capability: str):
    @rules.predicate(name=f"holds_{capability}")
    def holds(user, obj=None) -> bool:
        return has_capability(user, capability, _branch_of(obj))

    return holds


for _capability in CAPABILITY_ROLES:
    rules.add_perm(f"portal.{_capability}", _predicate(_capability))


class AdminPermissionBackend(ModelBackend):
    """Django's ModelBackend (password login, the admin's model permissions), minus `portal.*`.

    Django asks every backend until one says yes: a `{% if perms.portal.x %}` that `rules` answers
    no would otherwise make ModelBackend read the user's and their groups' permissions (two queries).
    """

    def has_perm(self, user_obj, perm: str, obj=None) -> bool:
        return not perm.startswith("portal.") and super().has_perm(user_obj, perm, obj)
