from django.shortcuts import render

from accounts.permissions import capability_required

from . import selectors


@capability_required("view_roster")
def member_list(request):
    members = selectors.member_list(user=request.user).active()[:50]
    return render(request, "members/member_list.html", {"members": members})


def member_detail(request, pk: int):
    member = selectors.member_get_for_user(request.user, pk)
    return render(request, "members/member_detail.html", {"member": member})


def contact_map(request):
    return render(request, "members/contact_map.html", {})
