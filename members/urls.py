from django.urls import path

from . import roster_views, views

app_name = "members"
urlpatterns = [
    path("", views.member_list, name="list"),
    path("<int:pk>/", views.member_detail, name="detail"),
    path("<int:pk>/health/", views.member_health, name="health"),
    path("new/", views.member_create, name="create"),
    path("<int:pk>/edit/", views.member_edit, name="edit"),
    path("<int:pk>/proxies/", views.proxy_add, name="proxy_add"),
    path("proxies/<int:pk>/remove/", views.proxy_remove, name="proxy_remove"),
    path("groups/", views.contact_groups, name="groups"),
    path("groups/<int:pk>/", views.contact_group_update, name="group_update"),
    path("contact-map/", views.contact_map, name="contact_map"),
    path("contact-map.xlsx", views.contact_map_xlsx, name="contact_map_xlsx"),
    path("import/", roster_views.roster_import, name="import"),
    path("import/template/", roster_views.roster_import_template, name="import_template"),
    path("import/<str:token>/", roster_views.roster_import_preview, name="import_preview"),
    path("import/<str:token>/confirm/", roster_views.roster_import_confirm, name="import_confirm"),
    path("export/", roster_views.roster_export, name="export"),
]
