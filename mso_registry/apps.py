from django.apps import AppConfig


class MsoRegistryConfig(AppConfig):
    name = "mso_registry"
    verbose_name = "MSO registry"
