"""Tests' view of a one-time submission key: read it off the page as a browser would."""

import re

KEY = re.compile(r'name="submission_key" value="([^"]+)"')


def keys_on(page: str) -> list[str]:
    return KEY.findall(page)


def key_on(client, url: str) -> str:
    """The one key on the page at url (fails if the page has none, or several)."""
    (key,) = keys_on(client.get(url).content.decode())
    return key


def both_at_once(send) -> list:
    """Call send() from two threads released together, each on its own database connection; what
    each returned, or the AlreadySubmitted it raised, in no particular order."""
    import threading

    from django.db import connection

    from submissions.services import AlreadySubmitted

    start, outcomes, errors = threading.Barrier(2), [], []

    def run():
        try:
            start.wait(timeout=10)
            outcomes.append(("made", send().pk))
        except AlreadySubmitted as first:
            outcomes.append(("found", first.target.pk))
        except Exception as error:  # noqa: BLE001 - the test shows it
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not errors, errors
    return sorted(outcomes)
