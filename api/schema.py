"""The OpenAPI schema says what every operation may answer, errors included, so that a client (and
Schemathesis) can hold us to it: each error is a Problem (RFC 9457) as application/problem+json."""

from drf_spectacular.openapi import AutoSchema
from rest_framework import serializers


class ProblemFieldErrorSerializer(serializers.Serializer):
    pointer = serializers.CharField(help_text="A JSON pointer to the field, e.g. #/medicines/0/name.")
    detail = serializers.CharField()


class ProblemSerializer(serializers.Serializer):
    type = serializers.CharField()
    title = serializers.CharField()
    status = serializers.IntegerField()
    detail = serializers.CharField()
    errors = ProblemFieldErrorSerializer(many=True, required=False)

    class Meta:
        ref_name = "Problem"


ERRORS = {
    400: "The request has errors (problem details list each field's).",
    401: "No token, or a token that is unknown or revoked.",
    403: "The client does not have this endpoint's scope.",
    404: "Not found: no such record, or another organisation's.",
    406: "Ask for application/json.",
    429: "Over the client's rate limit; Retry-After says how many seconds to wait.",
}
WRITE_ERRORS = {
    415: "Send application/json.",
    422: "A rule refused the report (the message says which).",
}


class ProblemAutoSchema(AutoSchema):
    def _get_response_bodies(self, direction="response"):
        bodies = super()._get_response_bodies(direction)
        if direction != "response":
            return bodies
        errors = {**ERRORS, **(WRITE_ERRORS if self.method in ("POST", "PUT", "PATCH") else {})}
        for code, description in errors.items():
            if str(code) not in bodies:
                body = self._get_response_for_code(ProblemSerializer, str(code), media_types=["application/problem+json"])
                body["description"] = description
                bodies[str(code)] = body
        return bodies


def string_enum_query_parameters(result, generator, request, public):
    """A filter with a method takes its schema type from the model field of the same name, so the queue's
    `red_flag=yes` read as a boolean and `lfpse=held` as an integer. A query parameter whose values are
    named strings is a string: this post-processing hook says so, and clients (and Schemathesis) send them."""
    for path in result.get("paths", {}).values():
        for operation in path.values():
            for parameter in operation.get("parameters", []) if isinstance(operation, dict) else []:
                schema = parameter.get("schema", {})
                if parameter.get("in") == "query" and all(isinstance(v, str) for v in schema.get("enum", [1])):
                    schema["type"] = "string"
    return result
