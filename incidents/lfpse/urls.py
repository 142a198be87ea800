from django.urls import path

from . import views

app_name = "lfpse"

urlpatterns = [
    path("rates/", views.submission_rates, name="submission_rates"),
]
