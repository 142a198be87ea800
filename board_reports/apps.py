from django.apps import AppConfig


class BoardReportsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "board_reports"
    verbose_name = "Board reports"
