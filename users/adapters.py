from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context as allauth_context
from django.conf import settings
from django.contrib.sites.shortcuts import get_current_site
from django.db import transaction
from django.utils.crypto import salted_hmac

from notifications.services import notification_queue


def account_email_key(*, template_prefix: str, email: str, request, body: str) -> str:
    """The outbox key of a sign-in email. Its cause is an allauth request, which leaves no row of
    its own: a form sent twice (a double click, a browser's retry) carries the same CSRF form
    token, so that token names the request and the email goes once. Without a form, the email's
    own content names it (the key or code allauth issued is new each time). Hashed with the
    secret key, so the outbox shows neither the token nor the link."""
    token = request.POST.get("csrfmiddlewaretoken", "") if request is not None and request.method == "POST" else ""
    cause = f"{email}\nform:{token}" if token else f"{email}\ncontent:{body}"
    digest = salted_hmac("users.account_email", cause, algorithm="sha256").hexdigest()
    return f"account:{template_prefix}:{digest}"


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request):
        return settings.SIGNUP_OPEN

    def send_mail(self, template_prefix, email, context):
        """Sign-in emails (verification, password reset) go through the outbox like every other
        email, so a mail server that is down delays them instead of failing the page. Their body
        carries a link or code that signs the reader in, so the whole body is sealed: the outbox
        and the admin site never show it, and it is removed once the email is sent."""
        request = allauth_context.request
        context = {"request": request, "email": email, "current_site": get_current_site(request), **context}
        message = self.render_mail(template_prefix, email, context)
        html = next((body for body, mimetype in getattr(message, "alternatives", []) if mimetype == "text/html"), "")
        with transaction.atomic():
            notification_queue(
                recipient=email,
                subject=message.subject,
                template="notifications/email/prerendered",
                context={},
                secret_context={"body_text": message.body, "body_html": html},
                idempotency_key=account_email_key(
                    template_prefix=template_prefix, email=email, request=request, body=message.body + html
                ),
            )
