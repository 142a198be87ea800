from django.urls import path

from . import views

app_name = "mso_registry"

urlpatterns = [
    path("", views.organisation_list, name="organisation_list"),
    path("<str:ods_code>/", views.organisation_detail, name="organisation_detail"),
    path("<str:ods_code>/roles/<int:pk>/end/", views.role_end, name="role_end"),
]
