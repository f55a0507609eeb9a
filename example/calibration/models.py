from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models


class StaffMember(models.Model):
    name = models.CharField(max_length=100)
    email = models.EmailField()
    role = models.CharField(max_length=100, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class CalibrationRating(models.Model):
    SCORES = [
        (1, "1: below expectations"),
        (2, "2: partly meets expectations"),
        (3, "3: meets expectations"),
        (4, "4: exceeds expectations"),
        (5, "5: far exceeds expectations"),
    ]

    staff_member = models.ForeignKey(
        StaffMember, on_delete=models.CASCADE, related_name="ratings"
    )
    score = models.PositiveSmallIntegerField(
        choices=SCORES, validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    comment = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.staff_member}: {self.score}"
