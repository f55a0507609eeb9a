import logging

from django.contrib import messages
from django.core.mail import send_mail
from django.db.models import Avg, Count
from django.shortcuts import get_object_or_404, redirect, render

from .forms import RatingForm
from .models import StaffMember

logger = logging.getLogger(__name__)


def staff_list(request):
    staff = StaffMember.objects.annotate(
        average_score=Avg("ratings__score"), rating_count=Count("ratings")
    )
    return render(request, "calibration/staff_list.html", {"staff": staff})


def rate_staff_member(request, pk):
    member = get_object_or_404(StaffMember, pk=pk)
    form = RatingForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        rating = form.save(commit=False)
        rating.staff_member = member
        rating.save()
        notify(rating)
        messages.success(request, f"Rating for {member} saved.")
        return redirect("calibration:staff-list")
    return render(request, "calibration/rate.html", {"member": member, "form": form})


def notify(rating):
    """E-mail the staff member; a mail server that is down loses no rating."""
    try:
        send_mail(
            subject="You have a new calibration rating",
            message=f"Score: {rating.get_score_display()}\n\n{rating.comment}",
            from_email=None,  # DEFAULT_FROM_EMAIL
            recipient_list=[rating.staff_member.email],
        )
    except OSError:  # smtplib's errors, refused and timed-out connections
        logger.exception("Could not send the rating e-mail for %s", rating.staff_member)
