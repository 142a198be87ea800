"""allauth's own pages (sign-in, sign-up, password, email addresses, MFA), pinned: the answer each demo
role gets from each page, GET and an empty POST, as discovered with MATRIX_DISCOVER=1 and read
through by hand. They hold no organisation's records, and each answers every signed-in person the
same way (they are about the person). An empty POST to a form that is open to the role comes back
200 with its errors; where the page refuses a role (sign-in first, 404 without an authenticator)
the POST is refused too, which the matrix also checks for every URL. A new allauth page, or a
changed answer, fails the matrix until it is pinned here.

Keys are (URL pattern, method); values give each role's answer (permission_table's LOGIN, REDIRECT,
MFA or a status code)."""

from .permission_table import LOGIN, MFA, REDIRECT, ROLE_ORDER


def signed_in(answer, *, anonymous) -> dict:
    """Every signed-in demo role gets `answer` (these pages are about the person, not an organisation)."""
    return {role: anonymous if role == "anonymous" else answer for role in ROLE_ORDER}


PINNED: dict[tuple[str, str], dict] = {
    ('accounts/2fa/', 'GET'): signed_in(200, anonymous=LOGIN),  # mfa_index
    ('accounts/2fa/', 'POST'): signed_in(405, anonymous=LOGIN),  # mfa_index
    ('accounts/2fa/authenticate/', 'GET'): signed_in(REDIRECT, anonymous=LOGIN),  # mfa_authenticate
    ('accounts/2fa/authenticate/', 'POST'): signed_in(REDIRECT, anonymous=LOGIN),  # mfa_authenticate
    ('accounts/2fa/reauthenticate/', 'GET'): signed_in(REDIRECT, anonymous=LOGIN),  # mfa_reauthenticate
    ('accounts/2fa/reauthenticate/', 'POST'): signed_in(REDIRECT, anonymous=LOGIN),  # mfa_reauthenticate
    ('accounts/2fa/recovery-codes/', 'GET'): signed_in(404, anonymous=LOGIN),  # mfa_view_recovery_codes
    ('accounts/2fa/recovery-codes/', 'POST'): signed_in(405, anonymous=LOGIN),  # mfa_view_recovery_codes
    ('accounts/2fa/recovery-codes/download/', 'GET'): signed_in(404, anonymous=LOGIN),  # mfa_download_recovery_codes
    ('accounts/2fa/recovery-codes/download/', 'POST'): signed_in(404, anonymous=LOGIN),  # mfa_download_recovery_codes
    ('accounts/2fa/recovery-codes/generate/', 'GET'): signed_in(REDIRECT, anonymous=LOGIN),  # mfa_generate_recovery_codes
    ('accounts/2fa/recovery-codes/generate/', 'POST'): signed_in(REDIRECT, anonymous=LOGIN),  # mfa_generate_recovery_codes
    ('accounts/2fa/totp/activate/', 'GET'): signed_in(REDIRECT, anonymous=LOGIN),  # mfa_activate_totp
    ('accounts/2fa/totp/activate/', 'POST'): signed_in(REDIRECT, anonymous=LOGIN),  # mfa_activate_totp
    ('accounts/2fa/totp/deactivate/', 'GET'): signed_in(404, anonymous=LOGIN),  # mfa_deactivate_totp
    ('accounts/2fa/totp/deactivate/', 'POST'): signed_in(404, anonymous=LOGIN),  # mfa_deactivate_totp
    ('accounts/^confirm-email/(?P<key>[-:\\w]+)/$', 'GET'): signed_in(200, anonymous=200),  # account_confirm_email
    ('accounts/^confirm-email/(?P<key>[-:\\w]+)/$', 'POST'): signed_in(404, anonymous=404),  # account_confirm_email
    ('accounts/^password/reset/key/(?P<uidb36>[0-9A-Za-z]+)-(?P<key>.+)/$', 'GET'): signed_in(200, anonymous=200),  # account_reset_password_from_key
    ('accounts/^password/reset/key/(?P<uidb36>[0-9A-Za-z]+)-(?P<key>.+)/$', 'POST'): signed_in(200, anonymous=200),  # account_reset_password_from_key
    ('accounts/confirm-email/', 'GET'): signed_in(200, anonymous=200),  # account_email_verification_sent
    ('accounts/confirm-email/', 'POST'): signed_in(405, anonymous=405),  # account_email_verification_sent
    ('accounts/email/', 'GET'): signed_in(200, anonymous=LOGIN),  # account_email
    ('accounts/email/', 'POST'): signed_in(REDIRECT, anonymous=LOGIN),  # account_email
    ('accounts/inactive/', 'GET'): signed_in(200, anonymous=200),  # account_inactive
    ('accounts/inactive/', 'POST'): signed_in(405, anonymous=405),  # account_inactive
    ('accounts/login/', 'GET'): signed_in(REDIRECT, anonymous=200),  # account_login
    ('accounts/login/', 'POST'): signed_in(REDIRECT, anonymous=200),  # account_login
    ('accounts/login/code/confirm/', 'GET'): signed_in(REDIRECT, anonymous=LOGIN),  # account_confirm_login_code
    ('accounts/login/code/confirm/', 'POST'): signed_in(REDIRECT, anonymous=LOGIN),  # account_confirm_login_code
    ('accounts/logout/', 'GET'): signed_in(200, anonymous=REDIRECT),  # account_logout
    ('accounts/logout/', 'POST'): signed_in(REDIRECT, anonymous=REDIRECT),  # account_logout
    ('accounts/password/change/', 'GET'): signed_in(200, anonymous=LOGIN),  # account_change_password
    ('accounts/password/change/', 'POST'): signed_in(200, anonymous=LOGIN),  # account_change_password
    ('accounts/password/reset/', 'GET'): signed_in(200, anonymous=200),  # account_reset_password
    ('accounts/password/reset/', 'POST'): signed_in(200, anonymous=200),  # account_reset_password
    ('accounts/password/reset/done/', 'GET'): signed_in(200, anonymous=200),  # account_reset_password_done
    ('accounts/password/reset/done/', 'POST'): signed_in(405, anonymous=405),  # account_reset_password_done
    ('accounts/password/reset/key/done/', 'GET'): signed_in(200, anonymous=200),  # account_reset_password_from_key_done
    ('accounts/password/reset/key/done/', 'POST'): signed_in(405, anonymous=405),  # account_reset_password_from_key_done
    ('accounts/password/set/', 'GET'): signed_in(REDIRECT, anonymous=LOGIN),  # account_set_password
    ('accounts/password/set/', 'POST'): signed_in(REDIRECT, anonymous=LOGIN),  # account_set_password
    ('accounts/reauthenticate/', 'GET'): signed_in(200, anonymous=LOGIN),  # account_reauthenticate
    ('accounts/reauthenticate/', 'POST'): signed_in(200, anonymous=LOGIN),  # account_reauthenticate
    ('accounts/signup/', 'GET'): signed_in(REDIRECT, anonymous=200),  # account_signup
    ('accounts/signup/', 'POST'): signed_in(REDIRECT, anonymous=200),  # account_signup
}  # fmt: skip


def format_pinned(seen: dict) -> str:
    """The allauth answers of a MATRIX_DISCOVER=1 run, in PINNED's format."""
    names = {LOGIN: "LOGIN", REDIRECT: "REDIRECT", MFA: "MFA"}
    lines = ["# allauth, as discovered (MATRIX_DISCOVER=1):"]
    for (pattern, name, method), answers in sorted(seen.items()):
        if pattern.startswith("accounts/") and not method.endswith("other"):
            shown = {role: names.get(answers[role], answers[role]) for role in ROLE_ORDER if role in answers}
            others = {v for r, v in shown.items() if r != "anonymous"}
            if len(others) == 1:
                row = f"signed_in({others.pop()}, anonymous={shown['anonymous']})"
            else:
                row = "dict(" + ", ".join(f"{r}={v}" for r, v in shown.items()) + ")"
            lines.append(f"    ({pattern!r}, {method!r}): {row},  # {name}")
    return "\n".join(lines)
