from django.urls import path, re_path
from drf_spectacular.views import SpectacularAPIView

from . import client_views, views

app_name = "api"

urlpatterns = [
    path("v1/incidents/", views.IncidentListCreate.as_view(), name="incident_list"),
    path("v1/incidents/<str:reference>/", views.IncidentDetail.as_view(), name="incident_detail"),
    path("v1/directory/", views.DirectoryList.as_view(), name="directory"),
    path("v1/systems/", views.SystemList.as_view(), name="system_list"),
    path("v1/systems/<int:pk>/hazard-log/", views.HazardLog.as_view(), name="hazard_log"),
    path("v1/systems/<int:pk>/hazard-log/versions/<int:number>/", views.HazardLogVersionDetail.as_view(),
         name="hazard_log_version"),
    path("v1/stats/monthly/", views.MonthlyStats.as_view(), name="monthly_stats"),
    path("v1/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("v1/docs/", views.api_docs, name="docs"),
    re_path(r"^v1/", views.NotFound.as_view(), name="not_found"),  # last: anything else under v1/
    # The pages where local administrators make and revoke clients (session sign-in, not tokens).
    path("clients/", client_views.client_list, name="client_list"),
    path("clients/<int:pk>/revoke/", client_views.client_revoke, name="client_revoke"),
]
