from django.contrib import admin

from .models import CalibrationRating, StaffMember


class RatingInline(admin.TabularInline):
    model = CalibrationRating
    extra = 0


@admin.register(StaffMember)
class StaffMemberAdmin(admin.ModelAdmin):
    list_display = ["name", "role", "email"]
    inlines = [RatingInline]


@admin.register(CalibrationRating)
class CalibrationRatingAdmin(admin.ModelAdmin):
    list_display = ["staff_member", "score", "created_at"]
