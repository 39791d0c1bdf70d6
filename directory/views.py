"""Pages for places: the home page and the postcode check."""

from django.shortcuts import render

from directory.forms import PostcodeForm
from directory.models import Area, Postcode


def home(request):
    return render(
        request,
        "directory/home.html",
        {
            "postcode_count": Postcode.objects.count(),
            "icbs": Area.objects.filter(kind=Area.Kind.ICB).prefetch_related("members"),
        },
    )


def postcode_check(request):
    form = PostcodeForm(request.GET or None)
    found = form.cleaned_data["postcode"] if form.is_valid() else None
    return render(request, "directory/postcode_check.html", {"form": form, "found": found})
