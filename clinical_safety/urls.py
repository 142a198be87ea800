from django.urls import path

from . import views

app_name = "clinical_safety"

urlpatterns = [
    path("", views.system_list, name="system_list"),
    path("new/<str:ods_code>/", views.system_create, name="system_create"),
    path("systems/<int:pk>/", views.system_detail, name="system_detail"),
    path("systems/<int:pk>/edit/", views.system_edit, name="system_edit"),
    path("systems/<int:pk>/hazards/new/", views.hazard_create, name="hazard_create"),
    path("systems/<int:pk>/hazard-log.csv", views.hazard_log_export, {"file_format": "csv"}, name="hazard_log_csv"),
    path("systems/<int:pk>/hazard-log.xlsx", views.hazard_log_export, {"file_format": "xlsx"}, name="hazard_log_xlsx"),
    path("systems/<int:pk>/hazard-log/issue/", views.hazard_log_issue, name="hazard_log_issue"),
    path("systems/<int:pk>/hazard-log/import/", views.hazard_log_import, name="hazard_log_import"),
    path("systems/<int:pk>/safety-cases/new/", views.safety_case_create, name="safety_case_create"),
    path("hazards/<int:pk>/", views.hazard_detail, name="hazard_detail"),
    path("hazards/<int:pk>/edit/", views.hazard_edit, name="hazard_edit"),
    path("hazard-log-versions/<int:pk>/", views.hazard_log_version_detail, name="hazard_log_version_detail"),
    path("hazard-log-versions/<int:pk>/export.json", views.hazard_log_version_json, name="hazard_log_version_json"),
    path("hazard-log-versions/<int:pk>/hazard-log.pdf", views.hazard_log_version_pdf, name="hazard_log_version_pdf"),
    path("safety-cases/<int:pk>/", views.safety_case_detail, name="safety_case_detail"),
    path("safety-cases/<int:pk>/report.pdf", views.safety_case_pdf, name="safety_case_pdf"),
    path("safety-cases/<int:pk>/edit/", views.safety_case_edit, name="safety_case_edit"),
    path("safety-cases/<int:pk>/submit/", views.safety_case_submit, name="safety_case_submit"),
    path("safety-cases/<int:pk>/decide/", views.safety_case_decide, name="safety_case_decide"),
]
