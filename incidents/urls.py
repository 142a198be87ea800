from django.urls import path

from . import candour_views, exports, views

app_name = "incidents"

urlpatterns = [
    path("report/", views.incident_report, name="incident_report"),
    path("follow-up/", views.incident_follow_up, name="incident_follow_up"),
    path("mine/", views.my_reports, name="my_reports"),
    path("review/", views.review_queue, name="review_queue"),
    path("review/export.csv", exports.review_queue_csv, name="review_queue_csv"),
    path("review/export.xlsx", exports.review_queue_xlsx, name="review_queue_xlsx"),
    path("escalations/", views.escalation_list, name="escalation_list"),
    path("escalations/<int:pk>/acknowledge/", views.escalation_acknowledge, name="escalation_acknowledge"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("dashboard/export.<str:file_format>", exports.dashboard_export, name="dashboard_export"),
    path("national/", views.national_dashboard, name="national_dashboard"),
    path("bulletins/", views.bulletin_list, name="bulletin_list"),
    path("bulletins/new/", views.bulletin_create, name="bulletin_create"),
    path("bulletins/<int:pk>/", views.bulletin_detail, name="bulletin_detail"),
    path("bulletins/<int:pk>/publish/", views.bulletin_publish, name="bulletin_publish"),
    path("<str:reference>/", views.incident_detail, name="incident_detail"),
    path("<str:reference>/receipt/", views.incident_receipt, name="incident_receipt"),
    path("<str:reference>/status/", views.incident_transition, name="incident_transition"),
    path("<str:reference>/grade/", views.incident_grade, name="incident_grade"),
    path("<str:reference>/learning/", views.incident_learning, name="incident_learning"),
    path("<str:reference>/actions/", views.incident_action_add, name="incident_action_add"),
    path("<str:reference>/actions/<int:pk>/done/", views.incident_action_done, name="incident_action_done"),
    path("<str:reference>/feedback/", views.incident_feedback, name="incident_feedback"),
    path("<str:reference>/escalate/", views.incident_escalate, name="incident_escalate"),
    path("<str:reference>/candour/", candour_views.candour_detail, name="candour_detail"),
    path("<str:reference>/candour/in-person/", candour_views.candour_in_person, name="candour_in_person"),
    path("<str:reference>/candour/letter/", candour_views.candour_letter, name="candour_letter"),
    path("<str:reference>/candour/letter.pdf", candour_views.candour_letter_pdf, name="candour_letter_pdf"),
    path("<str:reference>/candour/findings/", candour_views.candour_findings, name="candour_findings"),
    path("<str:reference>/candour/not-possible/", candour_views.candour_not_possible, name="candour_not_possible"),
]
