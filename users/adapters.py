import uuid

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context as allauth_context
from django.conf import settings
from django.contrib.sites.shortcuts import get_current_site
from django.db import transaction

from notifications.services import notification_queue


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request):
        return settings.SIGNUP_OPEN

    def send_mail(self, template_prefix, email, context):
        """Sign-in emails (verification, password reset) go through the outbox like every other
        email, so a mail server that is down delays them instead of failing the page."""
        request = allauth_context.request
        context = {"request": request, "email": email, "current_site": get_current_site(request), **context}
        message = self.render_mail(template_prefix, email, context)
        html = next((body for body, mimetype in getattr(message, "alternatives", []) if mimetype == "text/html"), "")
        with transaction.atomic():
            notification_queue(
                recipient=email,
                subject=message.subject,
                template="notifications/email/prerendered",
                context={"body_text": message.body, "body_html": html},
                idempotency_key=f"account:{template_prefix}:{uuid.uuid4()}",
            )
