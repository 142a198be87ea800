from django.urls import path

from . import views

app_name = "board_reports"

urlpatterns = [
    path("", views.report_list, name="report_list"),
    path("prepare/", views.report_prepare, name="report_prepare"),
    path("national/", views.national_spc, name="national_spc"),
    path("<int:pk>/", views.report_detail, name="report_detail"),
    path("<int:pk>/pdf/", views.report_pdf, name="report_pdf"),
    path("<int:pk>/narrative/", views.report_narrative, name="report_narrative"),
    path("<int:pk>/issue/", views.report_issue, name="report_issue"),
    path("<int:pk>/acknowledge/", views.report_acknowledge, name="report_acknowledge"),
]
