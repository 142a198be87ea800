import sys

from django.core.mail.backends.filebased import EmailBackend as FileEmailBackend


class FileAndConsoleEmailBackend(FileEmailBackend):
    """The embedded default: each email is written in full to a file under var/mail/, and the console
    gets one line for it (to, subject, file), so that loading the demo does not scroll the sign-ins away."""

    def write_message(self, message):
        super().write_message(message)
        recipients = ", ".join(message.recipients())
        sys.stdout.write(f"Email to {recipients}: {message.subject}  [{self._get_filename()}]\n")
        sys.stdout.flush()
