"""Each endpoint names the scope it needs; a client without it is refused (403) before anything is read."""

from rest_framework.permissions import BasePermission

from .models import ApiClient


class HasScope(BasePermission):
    message = "This API client does not have the scope this endpoint needs."

    def has_permission(self, request, view):
        client = request.auth
        if not isinstance(client, ApiClient):
            return False
        needed = getattr(view, "required_scope", None)
        if needed and not client.has_scope(needed):
            self.message = f"This API client does not have the {needed} scope; its local administrator can add it."
            return False
        return True
