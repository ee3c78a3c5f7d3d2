"""The compose form: template, text, audience, channels, time."""

from django import forms
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lib.fields import BoundedModelMultipleChoiceField
from members.models import CareCategory, ContactGroup, Member

from . import texts
from .models import Notice, NoticeTemplate


class NoticeForm(forms.ModelForm):
    template = forms.ModelChoiceField(
        NoticeTemplate.objects.all(),
        required=False,
        label=_("Start from a template"),
        empty_label=_("(write from scratch)"),
    )
    care_categories = forms.MultipleChoiceField(
        choices=CareCategory.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label=_("Care categories"),
    )

    class Meta:
        model = Notice
        fields = [
            "category",
            "title",
            "body",
            "audience",
            "groups",
            "care_categories",
            "members",
            "send_sms",
            "send_branch_wechat",
            "send_committee_wechat",
            "scheduled_for",
        ]
        widgets = {
            "body": forms.Textarea(attrs={"rows": 5}),
            "audience": forms.RadioSelect,
            "groups": forms.CheckboxSelectMultiple,
            "members": forms.CheckboxSelectMultiple,
            "scheduled_for": forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        }
        error_messages = {"body": {"required": _("Write the text of the notice.")}}
        field_classes = dict.fromkeys(["groups", "members"], BoundedModelMultipleChoiceField)

    def __init__(self, *args, branch, **kwargs):
        super().__init__(*args, **kwargs)
        self.branch = branch
        # Choosing a template reloads the form with its title and text (htmx, see notice_new).
        self.fields["template"].widget.attrs.update(
            {
                "hx-get": reverse("notifications:new"),
                "hx-target": "#compose",
                "hx-select": "#compose",
                "hx-swap": "outerHTML",
            }
        )
        self.fields["template"].help_text = _("Choosing a template replaces the title and the text.")
        sms_limit = _("As an SMS it may come to %(limit)s characters, the signature %(sign)s included.")
        sms_limit %= {"limit": texts.SMS_LIMIT, "sign": texts.sms_text("") or "【…】"}
        self.fields["body"].help_text = f"{self.fields['body'].help_text} {sms_limit}"
        self.fields["groups"].queryset = ContactGroup.objects.filter(branch=branch)
        self.fields["members"].queryset = (
            Member.objects.in_branch(branch)
            .active()
            .select_related("contact_group")
            .order_by("contact_group__number", "name_pinyin")
        )
        self.fields["members"].help_text = _(
            "Tick each member, or a whole contact group; search by name or pinyin."
        )
        self.order_fields(["template"])

    def members_by_group(self) -> list[tuple[ContactGroup | None, list]]:
        """The member checkboxes under their contact group (members in none last), for the picker."""
        groups: dict[ContactGroup | None, list] = {}
        for box in self["members"]:
            groups.setdefault(box.data["value"].instance.contact_group, []).append(box)
        return sorted(groups.items(), key=lambda item: item[0] is None)

    def clean_body(self) -> str:
        body = self.cleaned_data["body"]
        if len(body) > texts.BODY_LIMIT:
            raise forms.ValidationError(
                _(
                    "Keep the text within %(limit)s characters; it has %(length)s. A longer text is split "
                    "into too many SMS parts."
                ),
                code="too_long",
                params={"limit": texts.BODY_LIMIT, "length": len(body)},
            )
        unknown = texts.unknown_placeholders(body)
        if unknown:
            names = "、".join(f"{{{name}}}" for name in unknown)
            raise forms.ValidationError(
                _("Unknown placeholders: %(names)s. Use {姓名} or {支部}."),
                code="placeholder",
                params={"names": names},
            )
        return body

    def clean_scheduled_for(self):
        moment = self.cleaned_data["scheduled_for"]
        if moment and moment < timezone.now():
            raise forms.ValidationError(_("Choose a time in the future, or leave it empty."), code="past")
        return moment

    def clean(self):
        data = super().clean()
        audience = data.get("audience")
        needed = {
            Notice.Audience.GROUPS: ("groups", _("Choose at least one contact group.")),
            Notice.Audience.CARE: ("care_categories", _("Choose at least one care category.")),
            Notice.Audience.MEMBERS: ("members", _("Choose at least one member.")),
        }
        if audience in needed:
            name, message = needed[audience]
            if not data.get(name):
                self.add_error(name, message)
        body = data.get("body")
        if body and data.get("send_sms"):
            too_long = texts.sms_too_long(body, branch=self.branch)
            if too_long:
                self.add_error("body", forms.ValidationError(too_long, code="sms_too_long"))
        if not (data.get("send_sms") or data.get("send_branch_wechat") or data.get("send_committee_wechat")):
            raise forms.ValidationError(_("Choose at least one way to send the notice."), code="no_channel")
        return data

    def notice(self) -> Notice:
        """An unsaved notice from what is valid so far, for the preview."""
        data = getattr(self, "cleaned_data", {})
        return Notice(
            branch=self.branch,
            title=data.get("title", ""),
            body=data.get("body") or self.data.get("body", ""),
            audience=data.get("audience") or Notice.Audience.BRANCH,
            care_categories=data.get("care_categories", []),
            send_sms=data.get("send_sms", False),
            send_branch_wechat=data.get("send_branch_wechat", False),
            send_committee_wechat=data.get("send_committee_wechat", False),
        )


class ReminderSettingsForm(forms.Form):
    birthday_greeting = forms.BooleanField(required=False, label=_("Birthday greeting on the day"))
    study_day_before = forms.BooleanField(required=False, label=_("Study day reminder the day before"))
    visit_digest = forms.BooleanField(required=False, label=_("Monday digest of visits for group leaders"))
    concern_escalation = forms.BooleanField(
        required=False, label=_("Unanswered concern escalated to the secretary")
    )
    personal_link = forms.BooleanField(
        required=False,
        label=_("A personal link in each notice SMS"),
        help_text=_(
            "It opens that notice and the member's study schedule without a password, for 30 days, "
            "and nothing else. It makes each SMS about 60 characters longer."
        ),
    )
