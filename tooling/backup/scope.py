"""Which rows belong to a branch: every model holding a branch's data, in the order they load.

`check_coverage()` fails when a model of the portal's apps is in neither `PARTS` nor `NOT_BRANCH_DATA`,
so a new model cannot silently be left out of backups (tests/test_backup.py calls it).
"""

from dataclasses import dataclass

from django.apps import apps
from django.core.exceptions import ImproperlyConfigured
from django.db.models import Exists, Model, OuterRef, QuerySet

from accounts.models import BranchRole, User
from members.models import Member

# The apps whose models hold the portal's data; third-party models are listed in PARTS by hand.
PORTAL_APPS = ("org", "accounts", "members", "notifications", "visits", "study", "dues")

# How a part is selected when it has no path to the branch.
PEOPLE = "people"  # users with a role in the branch or a link to one of its members
OF_PEOPLE = "of people"  # rows owned by those users
HISTORY = "history"  # django-auditlog entries of the exported objects
SHARED = "shared"  # rows every branch shares (notice templates): all of them


@dataclass(frozen=True)
class Part:
    label: str  # "app_label.ModelName"
    lookup: str  # a path to the branch's pk ("member__branch"), or one of the rules above

    @property
    def model(self) -> type[Model]:
        return apps.get_model(self.label)

    @property
    def by_path(self) -> bool:
        return self.lookup not in (PEOPLE, OF_PEOPLE, HISTORY, SHARED)


# Dependencies first: on import the rows are saved in this order.
PARTS = [
    Part("org.Bureau", "branches"),
    Part("accounts.User", PEOPLE),
    Part("org.Branch", "pk"),
    Part("accounts.BranchRole", "branch"),
    Part("members.ContactGroup", "branch"),
    Part("members.Member", "branch"),
    Part("members.HealthRecord", "member__branch"),
    Part("members.HealthRecordView", "member__branch"),
    Part("members.CarePeriod", "member__branch"),
    Part("members.FamilyProxy", "member__branch"),
    Part("notifications.NoticeTemplate", SHARED),
    Part("notifications.ReminderSettings", "branch"),
    Part("notifications.Notice", "branch"),
    Part("notifications.Message", "branch"),
    Part("notifications.Call", "branch"),
    Part("visits.VisitPolicy", "branch"),
    Part("visits.PlannedVisit", "member__branch"),
    Part("visits.Escalation", "planned__member__branch"),
    Part("visits.Visit", "member__branch"),
    Part("visits.Concern", "member__branch"),
    Part("visits.ConcernEvent", "concern__member__branch"),
    Part("visits.BirthdayCelebration", "branch"),
    Part("visits.CelebrationGift", "celebration__branch"),
    Part("study.InterestGroup", "branch"),
    Part("study.StudyPlan", "branch"),
    Part("study.StudyPlanMonth", "plan__branch"),
    # A joint activity is exported with this branch's side only: see archive.py.
    Part("study.StudyActivity", "branches"),
    Part("study.StudyMaterial", "activity__branches"),
    Part("study.AgendaItem", "activity__branches"),
    Part("study.Resolution", "activity__branches"),
    Part("study.MeetingFrequency", "branch"),
    Part("study.Contribution", "activity__branches"),
    Part("study.Attendance", "member__branch"),
    Part("study.CalendarToken", OF_PEOPLE),
    Part("dues.DuesRate", "branch"),
    Part("dues.Payment", "branch"),
    Part("dues.Expenditure", "branch"),
    Part("dues.WorkPlanItem", "branch"),
    Part("auditlog.LogEntry", HISTORY),
]

# Models of the portal's apps that hold no branch data, with the reason.
NOT_BRANCH_DATA: dict[str, str] = {
    "accounts.LoginCode": "SMS login codes live five minutes; a restored one would be useless",
    "accounts.LoginThrottle": "the last hour's counts of the SMS-code throttle, kept for no branch",
}

# Rows a target database may already hold; restore keeps the existing row instead of refusing.
SHARED_LABELS = ("org.Bureau", "notifications.NoticeTemplate")


def part_for(model: type[Model]) -> Part | None:
    label = model._meta.label
    return next((part for part in PARTS if part.label == label), None)


def check_coverage() -> None:
    """Raises ImproperlyConfigured naming each model of the portal's apps that backups do not cover."""
    covered = {part.label for part in PARTS} | set(NOT_BRANCH_DATA)
    missing = [
        model._meta.label
        for app_label in PORTAL_APPS
        for model in apps.get_app_config(app_label).get_models()
        if model._meta.label not in covered
    ]
    if missing:
        raise ImproperlyConfigured(
            f"Backups do not cover {', '.join(sorted(missing))}: add each to PARTS or NOT_BRANCH_DATA "
            "in tooling/backup/scope.py."
        )


def people(branch_id: int) -> QuerySet:
    """Users with a role in the branch or linked to one of its members."""
    return User.objects.filter(
        Exists(BranchRole.objects.filter(user=OuterRef("pk"), branch_id=branch_id))
        | Exists(Member.objects.filter(user=OuterRef("pk"), branch_id=branch_id))
    )


def select(part: Part, branch_id: int, *, user_ids=None) -> QuerySet:
    """The part's rows of the branch, for the rules that have a path or need only the branch.

    OF_PEOPLE needs the exported users' ids; HISTORY is selected in archive.py from the exported objects.
    """
    manager = part.model._default_manager
    if part.by_path:
        return manager.filter(**{part.lookup: branch_id}).order_by("pk")
    if part.lookup == PEOPLE:
        return people(branch_id).order_by("pk")
    if part.lookup == OF_PEOPLE:
        return manager.filter(user_id__in=user_ids).order_by("pk")
    if part.lookup == SHARED:
        return manager.order_by("pk")
    raise ValueError(f"{part.label} is selected from the exported objects, not by branch")
