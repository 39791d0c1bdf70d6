"""The editors' review queue: listings with open problems or due for review, and a decision on
each. The work is done by directory.reviews; these views only show it and post to it."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from directory.forms import ResolveForm, add_errors
from directory.models import Service
from directory.reviews import EDIT_PERMISSION, due_count, resolve, review_queue

# The page lists every service with open problems and this many of those due for review.
DUE_SHOWN = 50


def editors_only(view):
    view = permission_required(EDIT_PERMISSION, raise_exception=True)(view)
    return never_cache(login_required(view))


def _page(request, failed: Service | None = None, form: ResolveForm | None = None, status=200):
    entries = review_queue(due_limit=DUE_SHOWN)
    rows = []
    for entry in entries:
        mine = failed is not None and entry.service.pk == failed.pk
        row_form = form if mine else ResolveForm(prefix=f"s{entry.service.pk}")
        # Each form's legend names its service: many forms share the page.
        row_form.fields["outcome"].label = f"Your decision on {entry.service.name}"
        rows.append({"entry": entry, "form": row_form})
    total_due = due_count()
    shown_due = sum(1 for e in entries if e.due)
    return render(
        request,
        "directory/review_queue.html",
        {
            "rows": rows,
            "form": form,
            "with_problems": sum(1 for e in entries if e.problems),
            "total_due": total_due,
            "more_due": max(total_due - shown_due, 0),
        },
        status=status,
    )


@editors_only
def review_queue_page(request):
    return _page(request)


@editors_only
@require_POST
def resolve_listing(request, pk: int):
    """Record the editor's decision on one listing, then back to the queue."""
    service = get_object_or_404(Service, pk=pk)
    form = ResolveForm(request.POST, prefix=f"s{service.pk}")
    if form.is_valid():
        try:
            decision = resolve(
                service, form.cleaned_data["outcome"], request.user, form.cleaned_data["note"]
            )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, f"{service.name}: {decision.get_outcome_display().lower()}.")
            return redirect("review-queue")
    return _page(request, failed=service, form=form, status=400)
