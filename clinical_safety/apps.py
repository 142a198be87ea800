from django.apps import AppConfig


class ClinicalSafetyConfig(AppConfig):
    name = "clinical_safety"
    verbose_name = "Clinical safety"
