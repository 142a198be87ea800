"""The errors that services raise and views turn into clear messages."""

from django.core.exceptions import PermissionDenied


class DomainError(Exception):
    """A rule of the domain refused the change; the message is written for the user."""


class NotAllowed(PermissionDenied):
    """The acting user may not make this change (a 403 if it reaches the view)."""
