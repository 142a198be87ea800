"""What the registry tells the apps above it, without importing them (the registry sits below
incidents and clinical safety). Receivers connect in their own AppConfig.ready()."""

from django.dispatch import Signal

# Sent by role_assign inside its transaction, after the assignment and its audit record are written,
# with `assignment` (the new RoleAssignment) and `actor`. A receiver's writes commit or roll back with
# the assignment; an exception in a receiver refuses the assignment. A receiver may return a sentence
# saying what it did; role_assign keeps them on `assignment.consequences` for the page to show. Incidents hands a newly named
# board director the open escalations that had no one to acknowledge them.
role_assigned = Signal()
