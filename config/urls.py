from allauth.account.decorators import secure_admin_login
from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from . import views

# The admin site signs in through allauth, so it gets the same MFA and rate limits.
admin.site.login = secure_admin_login(admin.site.login)
admin.site.site_header = "MedSafety Hub administration"
admin.site.site_title = "MedSafety Hub admin"

# A database that cannot be reached gets a friendly 503 page (templates/503.html), whatever raised.
handler400 = "config.views.bad_request"
handler500 = "config.views.server_error"

urlpatterns = [
    path("", views.home, name="home"),
    path("health/", views.health, name="health"),
    path("accounts/", include("allauth.urls")),
    path("organisations/", include("mso_registry.urls")),
    path("clinical-safety/", include("clinical_safety.urls")),
    path("incidents/", include("incidents.urls")),
    path("lfpse/", include("incidents.lfpse.urls")),
    path("board-reports/", include("board_reports.urls")),
    path("api/", include("api.urls")),
    path("admin/", admin.site.urls),
]

if settings.BENCH:
    from . import bench

    urlpatterns.append(path("bench/minimal/", bench.minimal, name="bench_minimal"))
    urlpatterns.append(path("bench/cpu/", bench.cpu, name="bench_cpu"))
    urlpatterns.append(path("bench/post-timeline/", bench.post_timeline, name="bench_post_timeline"))
