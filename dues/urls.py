from django.urls import path

from . import views

app_name = "dues"
urlpatterns = [
    path("", views.ledger, name="ledger"),
    path("payments/new/", views.payment_create, name="payment_create"),
    path("payments/owed/", views.payment_owed, name="payment_owed"),
    path("payments/form/", views.ledger_form, {"name": "payment"}, name="payment_form"),
    path("expenditures/new/", views.expenditure_create, name="expenditure_create"),
    path("expenditures/form/", views.ledger_form, {"name": "expenditure"}, name="expenditure_form"),
    path("rates/new/", views.rate_set, name="rate_set"),
    path("rates/form/", views.ledger_form, {"name": "rate"}, name="rate_form"),
    path("member/<int:member_id>/panel/", views.member_panel, name="member_panel"),
    path("report/<int:year>/", views.report, name="report"),
    path("report/<int:year>/report.docx", views.report_docx, name="report_docx"),
    path("report/<int:year>/report.xlsx", views.report_xlsx, name="report_xlsx"),
    path("report/<int:year>/committee/", views.report_committee, name="report_committee"),
    path(
        "report/<int:year>/committee/report.docx", views.report_committee_docx, name="report_committee_docx"
    ),
    path(
        "report/<int:year>/committee/report.xlsx", views.report_committee_xlsx, name="report_committee_xlsx"
    ),
    path("report/<int:year>/plan/", views.plan_item_add, name="plan_item_add"),
    path("plan/<int:pk>/", views.plan_item_update, name="plan_item_update"),
    path("plan/<int:pk>/move/", views.plan_item_move, name="plan_item_move"),
    path("plan/<int:pk>/delete/", views.plan_item_delete, name="plan_item_delete"),
]
