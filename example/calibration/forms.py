from django import forms

from .models import CalibrationRating


class RatingForm(forms.ModelForm):
    class Meta:
        model = CalibrationRating
        fields = ["score", "comment"]
        widgets = {"comment": forms.Textarea(attrs={"rows": 3})}
