from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.urls import include, path

from . import views

# The admin site signs in through allauth, so it gets the same MFA and rate limits.
admin.site.login = secure_admin_login(admin.site.login)
admin.site.site_header = "MedSafety Hub administration"
admin.site.site_title = "MedSafety Hub admin"

urlpatterns = [
    path("", views.home, name="home"),
    path("health/", views.health, name="health"),
    path("accounts/", include("allauth.urls")),
    path("organisations/", include("mso_registry.urls")),
    path("clinical-safety/", include("clinical_safety.urls")),
    path("incidents/", include("incidents.urls")),
    path("admin/", admin.site.urls),
]
