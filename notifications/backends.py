import sys

from django.core.mail.backends.filebased import EmailBackend as FileEmailBackend


class FileAndConsoleEmailBackend(FileEmailBackend):
    """The embedded default: each email is written to a file under var/mail/ and printed."""

    def write_message(self, message):
        super().write_message(message)
        text = message.message().as_string()
        sys.stdout.write(f"{text}\n{'-' * 79}\n")
        sys.stdout.flush()
