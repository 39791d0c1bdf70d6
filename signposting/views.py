"""The search page for link workers and clinicians."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.cache import never_cache

from directory.models import GPPractice, Service
from eligibility.engine import Verdict
from signposting.forms import SearchForm
from signposting.index import current_index
from signposting.matching import MatchError, match

GROUPS = [
    (Verdict.ELIGIBLE, "can-use", "Can use"),
    (Verdict.CHECK, "check-first", "Check first"),
    (Verdict.NOT_ELIGIBLE, "not-open", "Not open to this patient"),
]


@never_cache
@login_required
def search(request):
    """Show the search form; on POST, the matched services. The patient's details are not kept.

    POST rather than GET so that the patient's postcode never appears in a URL, a server log
    or the browser history.
    """
    form = SearchForm(request.POST or None)
    result = None
    if request.method == "POST" and form.is_valid():
        try:
            result = match(form.to_query())
        except MatchError as exc:
            form.add_match_errors(exc)
    context = {"form": form, "result": result, "practices": GPPractice.objects.filter(status="A")}
    if result is not None:
        index = current_index()
        context["groups"] = [
            {
                "slug": slug,
                "title": title,
                "items": [
                    {
                        "match": m,
                        "needs": [index.need_names[n] for n in m.matched_need_ids],
                        "route": Service.ReferralRoute(m.entry.referral_route).label,
                    }
                    for m in result.results
                    if m.decision.verdict == verdict
                ],
            }
            for verdict, slug, title in GROUPS
        ]
        context["unmet_needs"] = [index.need_names[n] for n in result.unmet_need_ids]
    return render(request, "signposting/search.html", context)
