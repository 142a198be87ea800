from allauth.account.models import EmailAddress

from .models import User


def demo_user(email: str, full_name: str, password: str, **extra) -> User:
    """A demo account with a verified email address; its password is reset to the demo password."""
    user, created = User.objects.get_or_create(email=email, defaults={"full_name": full_name, **extra})
    if created or not user.check_password(password):
        user.set_password(password)
        user.save(update_fields=["password"])
    EmailAddress.objects.update_or_create(
        user=user, email=email, defaults={"verified": True, "primary": True}
    )
    return user
