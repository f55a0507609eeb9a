#!/usr/bin/env python
"""Django's command-line utility for the Staff Calibration example."""

import os
import sys


def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "staff.settings")
    from django.core.management import execute_from_command_line

    # [start:manage-config-error]
    # A broken config var ends the command with the settings'
    # one-line message, not a traceback: the build log and
    # `heroku run` then show the fix.
    from django.core.exceptions import ImproperlyConfigured

    try:
        execute_from_command_line(sys.argv)
    except ImproperlyConfigured as error:
        sys.exit(f"Configuration error: {error}")
    # [end:manage-config-error]


if __name__ == "__main__":
    main()
