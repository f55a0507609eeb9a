from django.urls import path

from . import views

app_name = "calibration"
urlpatterns = [
    path("", views.staff_list, name="staff-list"),
    path("staff/<int:pk>/rate/", views.rate_staff_member, name="rate"),
]
