"""System checks: `manage.py check`, and so every deploy's release phase, reports these."""

from django.conf import settings
from django.core.checks import Warning, register


@register()
def email_host_is_set(app_configs, **kwargs):
    """Warn when production mail would only be written to the log."""
    if settings.DEBUG or settings.EMAIL_HOST:
        return []
    return [
        Warning(
            "EMAIL_HOST is not set, so notification e-mails are written to the log "
            "instead of being sent.",
            hint="Set EMAIL_HOST, EMAIL_HOST_USER and EMAIL_HOST_PASSWORD with "
            "heroku config:set.",
            id="calibration.W001",
        )
    ]
