"""In development every email is kept in full under var/mail/ and the console gets one line for it."""

from pathlib import Path

from django.core.mail import EmailMultiAlternatives

from notifications.backends import FileAndConsoleEmailBackend


def test_one_line_per_email_on_the_console_and_the_whole_message_in_the_file(settings, tmp_path, capsys):
    settings.EMAIL_FILE_PATH = str(tmp_path)
    connection = FileAndConsoleEmailBackend()
    body = "\n".join(f"Line {n} of a long email." for n in range(60))
    messages = [
        EmailMultiAlternatives(f"Red flag {n}", body, "no-reply@medsafety.example", [f"mso{n}@nhs.example"])
        for n in range(3)
    ]
    for message in messages:
        message.attach_alternative(f"<p>{body}</p>", "text/html")
    assert connection.send_messages(messages) == 3

    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 3
    [path] = {line.rsplit("[", 1)[1].rstrip("]") for line in lines}
    assert lines[0].startswith("Email to mso0@nhs.example: Red flag 0  [")
    saved = Path(path).read_text()
    assert Path(path).parent == tmp_path
    assert all(f"Subject: Red flag {n}" in saved for n in range(3)) and "Line 59 of a long email." in saved
