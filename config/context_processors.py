from django.conf import settings

from mso_registry.selectors import navigation_for


def navigation(request):
    """The role-based navigation for base.html; empty for anonymous visitors."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav": None, "signup_open": settings.SIGNUP_OPEN}
    return {"nav": navigation_for(user), "signup_open": settings.SIGNUP_OPEN}
