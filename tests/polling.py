"""How the checks wait for something another process does: ask again and again, until it holds or time is up."""

import time


def wait_until(condition, within, every=0.1):
    """condition()'s first true value, asked every `every` seconds; its last (false) one once `within` seconds have passed."""
    deadline = time.monotonic() + within
    while not (value := condition()) and time.monotonic() < deadline:
        time.sleep(every)
    return value
