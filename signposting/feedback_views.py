"""Patient feedback pages: the public form a team's signed link opens (no sign-in), its
printable copy, and the team's page with the link and its QR code."""

import segno
from django.contrib.auth.decorators import login_not_required, login_required, permission_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.views.decorators.cache import never_cache

from signposting.feedback import record_feedback, team_for_token, team_token
from signposting.forms import FeedbackForm
from signposting.matching import MatchError


def _team(token: str):
    team = team_for_token(token)
    if team is None:
        raise Http404("This feedback link is not valid: ask the team for a new one.")
    return team


@login_not_required
@never_cache
def give_feedback(request, token: str):
    """The patient's form. Public: it stores the team and the month, nothing else."""
    team = _team(token)
    form = FeedbackForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            record_feedback(
                team=team,
                answers=form.answers(),
                strategies=data["strategies"],
                recommend=data["recommend"],
            )
        except MatchError as exc:
            form.add_match_errors(exc)
        else:
            # Post, then redirect: reloading the thank-you page sends nothing again.
            return redirect("feedback-thanks", token=token)
    status = 400 if form.is_bound else 200
    return render(
        request,
        "signposting/feedback_form.html",
        {"team": team, "form": form, "printable": False},
        status=status,
    )


@login_not_required
@never_cache
def feedback_thanks(request, token: str):
    return render(request, "signposting/feedback_thanks.html", {"team": _team(token)})


@login_not_required
def feedback_print(request, token: str):
    """The same questions on paper, for patients who prefer it."""
    team = _team(token)
    return render(
        request,
        "signposting/feedback_form.html",
        {"team": team, "form": FeedbackForm(), "printable": True},
    )


@never_cache
@login_required
@permission_required("signposting.view_referral", raise_exception=True)
def team_feedback(request):
    """The team's feedback link and QR code, to give to patients."""
    membership = getattr(request.user, "membership", None)
    if membership is None:
        raise Http404("You belong to no team.")
    token = team_token(membership.team)
    url = request.build_absolute_uri(reverse("feedback-give", args=[token]))
    qr = segno.make(url, error="m")
    svg = qr.svg_inline(
        scale=4, dark="#212b32", light="#ffffff", title="QR code for the feedback link"
    )
    return render(
        request,
        "signposting/team_feedback.html",
        {
            "team": membership.team,
            "url": url,
            "print_url": reverse("feedback-print", args=[token]),
            "qr_svg": mark_safe(svg),  # noqa: S308 - segno's own SVG of our own URL
        },
    )
