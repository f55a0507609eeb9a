#!/usr/bin/env python
"""Django's command-line utility for the Staff Calibration example."""

import os
import sys


def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "staff.settings")
    from django.core.management import execute_from_command_line

    # [start:manage-config-error]
    # A configuration mistake (a missing or malformed environment variable)
    # ends the command with the settings' one-line explanation instead of a
    # traceback, so the Heroku build log or `heroku run` output shows the fix.
    from django.core.exceptions import ImproperlyConfigured

    try:
        execute_from_command_line(sys.argv)
    except ImproperlyConfigured as error:
        sys.exit(f"Configuration error: {error}")
    # [end:manage-config-error]


if __name__ == "__main__":
    main()
