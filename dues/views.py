"""The dues pages: the committee's ledger (or a member's own dues), the forms that write to it, the panel."""

from types import SimpleNamespace

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.current_branch import current_branch
from accounts.permissions import capability_required, has_capability
from lib import spreadsheets
from lib.form_errors import add_service_error
from members.models import Member

from . import exports, narrative, selectors, services
from .filters import ExpenditureFilter, PaymentFilter
from .forms import ExpenditureForm, PaymentForm, RateForm, WorkPlanItemForm, choices_from
from .models import Expenditure
from .money import month_count
from .report import annual_report, chart_data


def ledger(request):
    """The committee's ledger for those who read it; a member's own dues for a member; else 403."""
    if has_capability(request.user, "view_dues_ledger"):
        branch = _ledger_branch(request, request.GET.get("branch"))
        return render(request, "dues/ledger.html", _ledger_context(request, branch))
    if has_capability(request.user, "view_own_dues"):
        member = selectors.own_member_get(request.user)
        standing = selectors.member_dues(member=member, upto=timezone.localdate())
        years = [timezone.localdate().year - 1, timezone.localdate().year]
        context = {"member": member, "standing": standing, "report_years": years}
        return render(request, "dues/own_dues.html", context)
    raise PermissionDenied


def _ledger_branch(request, asked):
    """The ledger asked for (?branch=), else the one of the branch the user works for; 404 outside theirs."""
    current = current_branch(request, "view_dues_ledger")
    return selectors.ledger_branch_get(request.user, asked, current=current)


def _render_ledger(request, branch, bound: dict):
    """The ledger again, with a form's errors."""
    return render(request, "dues/ledger.html", _ledger_context(request, branch, bound))


def _ledger_context(request, branch, bound: dict | None = None) -> dict:
    today = timezone.localdate()
    data = request.GET.copy()
    # Read once, used for the years, the account, the standings and the forms' member choices.
    payment_rows = selectors.payment_rows(branch_ids=[branch.pk])
    spending = selectors.expenditure_totals(branch=branch)
    members = selectors.branch_members(branch=branch)
    years = selectors.ledger_years(today=today, payments=payment_rows, spending=spending)
    if data.get("year") not in {str(y) for y in years}:
        data["year"] = str(today.year)
    year = int(data["year"])
    spent_before, spent_in_year = selectors.split_spending(spending, year)
    payments = PaymentFilter(data, queryset=selectors.payment_list(branch=branch), branch=branch, years=years)
    choices_from(payments.form.fields["member"], members)
    spending_filter = ExpenditureFilter(data, queryset=selectors.expenditure_list(branch=branch), years=years)
    counted = [m for m in members if selectors.counted_in_standings(m, today)]
    standings = selectors.standings_in_branches(
        branch_ids=[branch.pk], upto=today, members=counted, payments=payment_rows
    )
    context = {
        "branch": branch,
        "branches": selectors.ledger_branches(request.user),
        "year": year,
        "today": today,
        "payment_filter": payments,
        "payments": selectors.payment_lines(payments.qs),
        "expenditure_filter": spending_filter,
        "expenditures": list(spending_filter.qs),
        "account": selectors.year_account_from(
            year=year, payments=payment_rows, spent_before=spent_before, spent_in_year=spent_in_year
        ),
        "arrears": selectors.owing(standings),
        "standings": standings,
        "without_rate": selectors.members_without_rate(standings),
        "can_edit": has_capability(request.user, "edit_dues", branch),
    }
    context["payments_total"] = sum((p.amount for p in context["payments"]), 0)
    context["expenditures_total"] = sum((e.amount for e in context["expenditures"]), 0)
    if context["can_edit"]:
        pending = selectors.celebrations_to_take_up(branch=branch)
        chosen = next((c for c in pending if str(c.pk) == request.GET.get("celebration")), None)
        context["celebrations_to_take_up"] = pending
        # The page carries only the forms it opens with; the others come when opened (ledger_form),
        # or, without JavaScript, with the page again (?form=).
        if (opened := request.GET.get("form")) in LEDGER_FORMS:
            context[f"{opened}_form"] = _blank_form(opened, branch, members)
        if chosen:
            context["expenditure_form"] = _blank_form("expenditure", branch, members, gifts_of=chosen)
        context.update(bound or {})
    return context


def _gifts_expenditure(celebration) -> dict:
    """The expenditure form filled in with a celebration's gifts, for the secretary to name the approver."""
    note = _("Gifts for the collective birthday celebration (%(day)s, %(place)s)") % {
        "day": date_format(celebration.date, "MONTH_DAY_FORMAT"),
        "place": celebration.place,
    }
    return {
        "spent_on": celebration.date,
        "amount": celebration.gifts_total,
        "purpose": Expenditure.Purpose.ACTIVITIES,
        "note": note[:200],
        "celebration": celebration.pk,
    }


LEDGER_FORMS = ("payment", "expenditure", "rate")


def _blank_form(name: str, branch, members: list[Member], gifts_of=None):
    """The ledger's payment, expenditure or rate form, blank (or filled in with a celebration's gifts)."""
    today = timezone.localdate()
    month = today.replace(day=1)
    if name == "expenditure":
        initial = _gifts_expenditure(gifts_of) if gifts_of else {"spent_on": today}
        return ExpenditureForm(approvers=selectors.committee_users(branch), branch=branch, initial=initial)
    if name == "payment":
        form = PaymentForm(
            branch=branch, initial={"paid_on": today, "first_month": month, "last_month": month}
        )
    else:
        form = RateForm(branch=branch, initial={"valid_from": month})
    choices_from(form.fields["member"], [m for m in members if m.status == Member.Status.ACTIVE])
    return form


@capability_required("edit_dues")
def ledger_form(request, name: str):
    """One of the ledger's folded forms, fetched when its <details> is first opened (htmx)."""
    branch = _ledger_branch(request, request.GET.get("branch"))
    if not has_capability(request.user, "edit_dues", branch):
        raise PermissionDenied
    form = _blank_form(name, branch, selectors.branch_members(branch=branch))
    return render(request, f"dues/ledger.html#{name}-form", {"branch": branch, f"{name}_form": form})


def _editable_branch(request):
    branch = _ledger_branch(request, request.POST.get("branch"))
    if not has_capability(request.user, "edit_dues", branch):
        raise PermissionDenied
    return branch


def _call(form, service, **kwargs):
    """Runs the service; its ValidationError lands on the form's fields (or above them). None on failure."""
    try:
        return service(**kwargs)
    except ValidationError as error:
        add_service_error(form, error)
        return None


def _back_to_ledger(branch, year: int):
    return redirect(reverse("dues:ledger") + "?" + urlencode({"branch": branch.pk, "year": year}))


@require_POST
@capability_required("edit_dues")
def payment_create(request):
    branch = _editable_branch(request)
    form = PaymentForm(request.POST, branch=branch)
    payment = form.is_valid() and _call(
        form, services.payment_record, actor=request.user, **form.cleaned_data
    )
    if not payment:
        messages.error(request, _("The payment was not recorded: please correct the form."))
        return _render_ledger(request, branch, {"payment_form": form})
    messages.success(
        request,
        _("Payment recorded: receipt %(receipt)s, %(member)s, %(amount)s yuan.")
        % {"receipt": payment.receipt, "member": payment.member, "amount": payment.amount},
    )
    return _back_to_ledger(branch, payment.paid_on.year)


@require_POST
@capability_required("edit_dues")
def expenditure_create(request):
    branch = _editable_branch(request)
    form = ExpenditureForm(request.POST, approvers=selectors.committee_users(branch), branch=branch)
    spent = form.is_valid() and _call(
        form, services.expenditure_record, actor=request.user, branch=branch, **form.cleaned_data
    )
    if not spent:
        messages.error(request, _("The expenditure was not recorded: please correct the form."))
        return _render_ledger(request, branch, {"expenditure_form": form})
    messages.success(request, _("Expenditure recorded: %(spent)s.") % {"spent": spent})
    return _back_to_ledger(branch, spent.spent_on.year)


@require_POST
@capability_required("edit_dues")
def rate_set(request):
    branch = _editable_branch(request)
    form = RateForm(request.POST, branch=branch)
    rate = form.is_valid() and _call(form, services.dues_rate_set, actor=request.user, **form.cleaned_data)
    if not rate:
        messages.error(request, _("The rate was not saved: please correct the form."))
        return _render_ledger(request, branch, {"rate_form": form})
    messages.success(
        request,
        _("From %(month)s %(member)s pays %(dues)s yuan a month.")
        % {"month": f"{rate.valid_from:%Y-%m}", "member": rate.member, "dues": rate.monthly_dues},
    )
    return _back_to_ledger(branch, timezone.localdate().year)


@capability_required("edit_dues")
def payment_owed(request):
    """The dues owed for the member and months chosen so far, shown under the payment form (htmx)."""
    branch = _ledger_branch(request, request.GET.get("branch"))
    if not has_capability(request.user, "edit_dues", branch):
        raise PermissionDenied
    fields = PaymentForm(branch=branch).fields
    context = {}
    try:
        member = fields["member"].clean(request.GET.get("payment-member"))
        first = fields["first_month"].clean(request.GET.get("payment-first_month"))
        last = fields["last_month"].clean(request.GET.get("payment-last_month"))
        if first and last and last >= first:
            context["owed"] = selectors.dues_owed(member=member, first_month=first, last_month=last)
            context["months"] = month_count(first, last)
    except ValidationError as error:
        context["problem"] = error.messages[0] if request.GET.get("payment-member") else None
    return render(request, "dues/_owed.html", context)


def member_panel(request, member_id: int):
    """The member's dues section alone; 204 for users who see no dues."""
    if not (
        has_capability(request.user, "view_dues_ledger") or has_capability(request.user, "view_own_dues")
    ):
        return HttpResponse(status=204)
    return HttpResponse(member_section(request, selectors.member_for_dues_get(request.user, member_id)))


def member_section(request, member: Member) -> str:
    """The dues section of a member the user may see (branch_portal.views.member_sections); "" unless
    the user reads the member's branch's ledger or is the member."""
    user = request.user
    own = member.user_id == user.pk and has_capability(user, "view_own_dues", member.branch_id)
    if not (own or has_capability(user, "view_dues_ledger", member.branch_id)):
        return ""
    standing = selectors.member_dues(member=member, upto=timezone.localdate())
    return render_to_string("dues/member_panel.html", {"member": member, "standing": standing}, request)


# The annual report in two versions: the one read to all members (arrears as counts and sums) and
# the committee's copy, which names who owes. The version is fixed by the URL, never by a parameter.
READ_TO_ALL, COMMITTEE_COPY = "read_annual_report", "view_dues_ledger"


def _report_for(request, year: int, capability: str):
    """The report of `year` for a branch where the user holds the capability; 404 outside them or
    outside the years reported."""
    current = current_branch(request, capability)
    branch = selectors.branch_get(request.user, request.GET.get("branch"), capability, current=current)
    if not 2000 <= year <= timezone.localdate().year:
        raise Http404
    return annual_report(branch=branch, year=year, today=timezone.localdate())


def _report_page(request, year: int, capability: str):
    report = _report_for(request, year, capability)
    user = request.user
    context = {
        "year": year,
        "report": report,
        "branch": report.branch,
        "work": report.work,
        "account": report.account,
        "story": narrative.story(report, names=capability == COMMITTEE_COPY),
        "committee_copy": capability == COMMITTEE_COPY,
        "reads_committee_copy": has_capability(user, COMMITTEE_COPY, report.branch),
        "plans_study": has_capability(user, "manage_study", report.branch),
        "charts": chart_data(report),
        "can_edit": has_capability(user, "edit_dues", report.branch),
        "plan_form": WorkPlanItemForm(),
        "today": timezone.localdate(),
    }
    return render(request, "dues/report.html", context)


@capability_required(READ_TO_ALL)
def report(request, year: int):
    """The annual report as read to the all-member meeting, printable on A4, with next year's plan."""
    return _report_page(request, year, READ_TO_ALL)


@capability_required(COMMITTEE_COPY)
def report_committee(request, year: int):
    """The committee's copy of the annual report: the same, naming the members who owe dues."""
    return _report_page(request, year, COMMITTEE_COPY)


def _report_file(request, year: int, capability: str, extension: str):
    report = _report_for(request, year, capability)
    names = capability == COMMITTEE_COPY
    write, content_type = {
        "docx": (exports.report_docx, exports.DOCX_TYPE),
        "xlsx": (exports.report_xlsx, exports.XLSX_TYPE),
    }[extension]
    kind = _("%(year)s annual report") % {"year": report.year}
    if names:
        kind = _("%(year)s annual report (committee copy)") % {"year": report.year}
    filename = spreadsheets.download_name(report.branch.name, kind, extension)
    return spreadsheets.download(write(report, names=names), filename, content_type)


@capability_required(READ_TO_ALL)
def report_docx(request, year: int):
    return _report_file(request, year, READ_TO_ALL, "docx")


@capability_required(READ_TO_ALL)
def report_xlsx(request, year: int):
    return _report_file(request, year, READ_TO_ALL, "xlsx")


@capability_required(COMMITTEE_COPY)
def report_committee_docx(request, year: int):
    return _report_file(request, year, COMMITTEE_COPY, "docx")


@capability_required(COMMITTEE_COPY)
def report_committee_xlsx(request, year: int):
    return _report_file(request, year, COMMITTEE_COPY, "xlsx")


def _plan_response(request, branch, report_year: int, plan_form=None):
    """The plan fragment for htmx, or back to the report."""
    if request.htmx:
        items = selectors.work_plan(branch=branch, year=report_year + 1)
        plan = SimpleNamespace(year=report_year, plan_year=report_year + 1, plan=items)
        context = {
            "report": plan,
            "branch": branch,
            "can_edit": True,
            "plan_form": plan_form or WorkPlanItemForm(),
        }
        return render(request, "dues/report.html#work-plan", context)
    url = reverse("dues:report", args=[report_year]) + "?" + urlencode({"branch": branch.pk})
    return redirect(url + "#work-plan")


@require_POST
@capability_required("edit_dues")
def plan_item_add(request, year: int):
    """Adds a point to the plan presented with the report of `year`, i.e. the plan for year + 1."""
    branch = _editable_branch(request)
    form = WorkPlanItemForm(request.POST)
    if form.is_valid():
        services.work_plan_item_add(actor=request.user, branch=branch, year=year + 1, **form.cleaned_data)
        form = None
    else:
        messages.error(request, _("The item was not added: please write it first."))
    return _plan_response(request, branch, year, form)


@require_POST
@capability_required("edit_dues")
def plan_item_update(request, pk: int):
    item = selectors.work_plan_item_get_for_editor(request.user, pk)
    form = WorkPlanItemForm(request.POST, instance=item)
    if form.is_valid():
        services.work_plan_item_update(actor=request.user, item=item, text=form.cleaned_data["text"])
    else:
        messages.error(request, _("The item was not saved: it cannot be empty."))
    return _plan_response(request, item.branch, item.year - 1)


@require_POST
@capability_required("edit_dues")
def plan_item_move(request, pk: int):
    item = selectors.work_plan_item_get_for_editor(request.user, pk)
    services.work_plan_item_move(actor=request.user, item=item, up=request.POST.get("direction") == "up")
    return _plan_response(request, item.branch, item.year - 1)


@require_POST
@capability_required("edit_dues")
def plan_item_delete(request, pk: int):
    item = selectors.work_plan_item_get_for_editor(request.user, pk)
    branch, year = item.branch, item.year - 1
    services.work_plan_item_delete(actor=request.user, item=item)
    return _plan_response(request, branch, year)
