from django.urls import path

from . import views

app_name = "mso_registry"

urlpatterns = [
    path("", views.organisation_list, name="organisation_list"),
    # Fixed paths come before <ods_code>/ so that they are never read as a code.
    path("export.<str:file_format>", views.directory_export, name="directory_export"),
    path("import/", views.organisation_import, name="organisation_import"),
    path("changes/", views.change_request_list, name="change_request_list"),
    path("changes/<int:pk>/<str:decision>/", views.change_request_decide, name="change_request_decide"),
    path("cso-register/", views.cso_register, name="cso_register"),
    path("cso-register/<int:pk>/verify-registration/", views.cso_registration_verify, name="cso_registration_verify"),
    path("cso-register/training/<int:pk>/verify/", views.cso_training_verify, name="cso_training_verify"),
    path("people/<int:pk>/", views.person_detail, name="person_detail"),
    path("handovers/<int:pk>/", views.handover_detail, name="handover_detail"),
    path("handovers/<int:pk>/<str:action>/", views.handover_transition, name="handover_transition"),
    path("handover-items/<int:pk>/", views.handover_item_update, name="handover_item_update"),
    path("communications/", views.communication_list, name="communication_list"),
    path("communications/new/", views.communication_create, name="communication_create"),
    path("communications/<int:pk>/", views.communication_detail, name="communication_detail"),
    path("communications/<int:pk>/send/", views.communication_send, name="communication_send"),
    path("communications/<int:pk>/export.<str:file_format>", views.communication_export, name="communication_export"),
    path("communications/copies/<int:pk>/<str:state>/", views.communication_acknowledge, name="communication_acknowledge"),
    path("<str:ods_code>/", views.organisation_detail, name="organisation_detail"),
    path("<str:ods_code>/edit/", views.organisation_edit, name="organisation_edit"),
    path("<str:ods_code>/confirm/", views.organisation_confirm, name="organisation_confirm"),
    path("<str:ods_code>/handover/", views.handover_start, name="handover_start"),
    path("<str:ods_code>/roles/<int:pk>/end/", views.role_end, name="role_end"),
]
