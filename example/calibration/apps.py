from django.apps import AppConfig


class CalibrationConfig(AppConfig):
    name = "calibration"
    verbose_name = "Staff calibration"

    def ready(self):
        from . import checks  # noqa: F401  (registers the system checks)
