from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from accounts.current_branch import current_branch
from accounts.permissions import capability_required, has_capability
from lib.form_errors import add_service_error
from lib.paging import page_of
from members.selectors import member_get_for_user, reader_member
from org.models import Branch

from . import audience, calls, outbox, selectors, services, texts
from .delivery import messages_retry_failed
from .filters import NoticeFilter
from .forms import NoticeForm, ReminderSettingsForm
from .models import Notice, NoticeTemplate, ReminderSettings


def _sending_branch(request) -> Branch:
    """The branch the user sends notices for: the one they work for (the header's switcher)."""
    branch = current_branch(request, "send_notices")
    if branch is None:
        raise PermissionDenied
    return branch


@capability_required("view_study")
def notice_list(request):
    return render(request, "notifications/notice_list.html", _list_context(request))


def _list_context(request) -> dict:
    notices = selectors.notice_list(user=request.user)
    notice_filter = NoticeFilter(request.GET, queryset=notices, request=request)
    # An impossible filter (e.g. another bureau's branch) shows nothing rather than everything.
    found = notice_filter.qs if notice_filter.is_valid() else notices.none()
    page = page_of(found, request)
    return {"notices": page.object_list, "page": page, "filter": notice_filter}


@capability_required("send_notices")
def notice_new(request):
    branch = _sending_branch(request)
    initial = {"audience": Notice.Audience.BRANCH, "send_sms": True}
    template = _template_from_query(request)
    if template:
        initial.update(
            template=template, category=template.category, title=template.title, body=template.body
        )
    form = NoticeForm(request.POST or None, branch=branch, initial=initial)
    if request.method == "POST" and form.is_valid():
        send = request.POST.get("action") == "send"
        try:
            result = services.notice_submit(
                actor=request.user, branch=branch, send=send, **_notice_fields(form)
            )
            _report_saved(request, result)
            return redirect(result.notice)
        except ValidationError as error:
            add_service_error(form, error)
    return render(request, "notifications/notice_form.html", {"form": form, "branch": branch})


def _template_from_query(request) -> NoticeTemplate | None:
    """The template chosen with ?template= (the htmx reload); anything but a template's id means none."""
    try:
        return NoticeForm.base_fields["template"].clean(request.GET.get("template"))
    except ValidationError:
        return None


def _notice_fields(form: NoticeForm) -> dict:
    data = dict(form.cleaned_data)
    data.pop("template", None)
    return data


def _report_saved(request, result: services.NoticeResult) -> None:
    if result.notice.status == Notice.Status.DRAFT:
        messages.success(request, _("The draft has been saved."))
    else:
        _report_sent(request, result)


def _report_sent(request, result: services.NoticeResult) -> None:
    messages.success(request, _sent_message(result.notice))
    if result.without_phone:
        names = "、".join(result.without_phone)
        messages.warning(
            request, _("No SMS for want of a usable mobile number: %(names)s.") % {"names": names}
        )
    if result.opted_out:
        names = "、".join(result.opted_out)
        messages.info(request, _("No SMS, as they asked: %(names)s.") % {"names": names})
    if result.calls_added:
        count = result.calls_added
        messages.info(
            request,
            ngettext(
                "%(count)d member is on the group leaders' phone lists, with the text to read out.",
                "%(count)d members are on the group leaders' phone lists, with the text to read out.",
                count,
            )
            % {"count": count},
        )


def _sent_message(notice: Notice) -> str:
    if notice.status == Notice.Status.SCHEDULED:
        when = timezone.localtime(notice.scheduled_for).strftime("%Y-%m-%d %H:%M")
        return _("The notice will be sent at %(when)s.") % {"when": when}
    return _("%(issue)s has been sent.") % {"issue": notice.issue_label}


@capability_required("send_notices")
@require_POST
def notice_preview(request):
    """The compose page's live preview: each recipient's SMS with its length, and who cannot get one."""
    branch = _sending_branch(request)
    form = NoticeForm(request.POST, branch=branch)
    form.is_valid()
    notice = form.notice()
    data = form.cleaned_data
    preview = selectors.notice_preview(notice, groups=data.get("groups"), members=data.get("members"))
    context = {
        "preview": preview,
        "plan": preview.plan,
        "unsent": _unsent_explanation(form, notice, preview.plan),
        "sign_name": texts.sms_text(""),
        # Over the provider's 500 characters: said here while the text is being written.
        "too_long": [e.message for e in form.errors.as_data().get("body", []) if e.code == "sms_too_long"],
    }
    return render(request, "notifications/_preview.html", context)


def _unsent_explanation(form: NoticeForm, notice: Notice, plan: outbox.Plan) -> str:
    """Why sending would be refused, once channels and audience are chosen (the form says what is missing)."""
    unfinished = {"audience", "groups", "care_categories", "members"} & set(form.errors)
    if not notice.channels or unfinished or not plan.unsent_reason:
        return ""
    return audience.unsent_explanation(plan.unsent_reason, notice)


def notice_detail(request, pk: int):
    notice = selectors.notice_get_for_user(request.user, pk)
    committee = has_capability(request.user, "send_notices", notice.branch_id)
    context = {"notice": notice, "committee": committee}
    if committee:
        context["messages_sent"] = selectors.notice_messages(notice)
        context["call_counts"] = selectors.notice_call_counts(notice)
        context["calls_open"] = selectors.notice_calls_open(notice)
    else:  # a member reads it as their SMS did, never the template with its {姓名}
        context["item"] = selectors.notice_as_sent(notice, reader_member(request.user))
    if committee and notice.unsent_reason and notice.status == Notice.Status.DRAFT:
        context["unsent"] = audience.unsent_explanation(notice.unsent_reason, notice)
    return render(request, "notifications/notice_detail.html", context)


@capability_required("send_notices")
@require_POST
def notice_send(request, pk: int):
    notice = selectors.notice_get_for_user(request.user, pk)
    try:
        _report_sent(request, services.notice_send(actor=request.user, notice=notice))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect(notice)


@capability_required("send_notices")
@require_POST
def notice_unschedule(request, pk: int):
    notice = selectors.notice_get_for_user(request.user, pk)
    try:
        services.notice_cancel_schedule(actor=request.user, notice=notice)
        messages.success(request, _("The notice is a draft again; it has no number yet."))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect(notice)


@capability_required("send_notices")
@require_POST
def notice_retry(request, pk: int):
    notice = selectors.notice_get_for_user(request.user, pk)
    if not has_capability(request.user, "send_notices", notice.branch_id):
        raise PermissionDenied
    count = messages_retry_failed(notice=notice)
    messages.success(request, _("%(count)d failed messages will be sent again.") % {"count": count})
    return redirect(notice)


def member_panel(request, member_id: int):
    """The section of notices and reminders the member received, alone."""
    return HttpResponse(member_section(request, member_get_for_user(request.user, member_id)))


def member_section(request, member) -> str:
    """Notices and reminders a member the user may see received (branch_portal.views.member_sections)."""
    received = selectors.member_messages(member)
    context = {"member": member, "received": received}
    return render_to_string("notifications/member_panel.html", context, request)


@capability_required("send_notices")
def reminder_settings(request):
    branch = _sending_branch(request)
    current = ReminderSettings.objects.filter(branch=branch).first() or ReminderSettings(branch=branch)
    initial = {name: getattr(current, name) for name in services.SWITCHES}
    form = ReminderSettingsForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        services.reminder_settings_update(actor=request.user, branch=branch, **form.cleaned_data)
        messages.success(request, _("The reminder settings have been saved."))
        return redirect("notifications:reminders")
    return render(request, "notifications/reminder_settings.html", {"form": form, "branch": branch})


@capability_required("view_study")
def call_list(request):
    """The user's phone list: members an SMS cannot reach, the numbers to try, the text to read out."""
    page = page_of(selectors.call_list(user=request.user), request)
    return render(request, "notifications/call_list.html", {"calls": page.object_list, "page": page})


@capability_required("view_study")
@require_POST
def call_mark(request, pk: int):
    """One tap on a call: reached in person, through family, or not yet; htmx swaps the call's card."""
    call = selectors.call_get_for_user(request.user, pk)
    error = ""
    try:
        call = calls.call_mark(actor=request.user, call=call, mark=request.POST.get("mark", ""))
    except ValidationError as refused:
        error = " ".join(refused.messages)
    if request.htmx:
        return render(request, "notifications/call_list.html#call", {"call": call, "error": error})
    if error:
        messages.error(request, error)
    return redirect("notifications:calls")
