from django.apps import AppConfig


class LfpseConfig(AppConfig):
    """Submitting incidents to LFPSE, the NHS's national patient safety events service. Its own app
    label (and migrations), inside the incidents package because it reads and is called by incidents."""

    name = "incidents.lfpse"
    label = "lfpse"
    verbose_name = "LFPSE submissions"
    default_auto_field = "django.db.models.BigAutoField"
