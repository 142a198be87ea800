"""A client calls with `Authorization: Bearer msh_<prefix>_<secret>`. The prefix finds the client; the
secret is checked against the stored hash in constant time. request.user is the client's creator (who
answers for it), request.auth the client (what it may do)."""

import hmac

from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from .models import ApiClient
from .services import token_hash, token_prefix_of

REFUSED = "The token is not known, or its client has been revoked. Ask your local administrator for a new one."
# Recording every use would rewrite the client's row on each call; once a minute says enough.
LAST_USED_EVERY_SECONDS = 60


class ApiClientAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed("Send the token as: Authorization: Bearer <token>.")
        try:
            token = header[1].decode()
        except UnicodeDecodeError as error:
            raise exceptions.AuthenticationFailed(REFUSED) from error
        prefix = token_prefix_of(token)
        client = (
            ApiClient.objects.select_related("created_by", "organisation").filter(token_prefix=prefix).first()
            if prefix else None
        )
        if client is None or client.revoked_at or not hmac.compare_digest(client.token_hash, token_hash(token)):
            raise exceptions.AuthenticationFailed(REFUSED)
        now = timezone.now()
        if client.last_used_at is None or (now - client.last_used_at).total_seconds() > LAST_USED_EVERY_SECONDS:
            ApiClient.objects.filter(pk=client.pk).update(last_used_at=now)
        return client.created_by, client

    def authenticate_header(self, request):
        return f'{self.keyword} realm="api"'


class ApiClientAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = "api.authentication.ApiClientAuthentication"
    name = "apiClientToken"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer", "description": "An API client's token (msh_...), shown once when the client is made."}
