from django.apps import AppConfig


class IncidentsConfig(AppConfig):
    name = "incidents"
    verbose_name = "Medication incidents"

    def ready(self):
        # Imported here: the handover steps and the escalations need every app's models, loaded only now.
        # An MSO handover moves the leaver's open reviews and actions to the successor; the registry
        # runs these steps without importing incidents.
        from mso_registry import handover_steps

        from .handover import move_open_actions, move_open_reviews

        handover_steps.register(move_open_reviews)
        handover_steps.register(move_open_actions)

        # The registry tells us when someone is named, without importing us: a new board director
        # takes over the open escalations that had no one to acknowledge them.
        from mso_registry.signals import role_assigned

        from .escalations import on_role_assigned

        role_assigned.connect(on_role_assigned, dispatch_uid="incidents.escalations_to_new_director")
