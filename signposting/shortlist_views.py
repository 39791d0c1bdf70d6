"""Pages for the patient's shortlist: add and remove from the results or a service's page, see
it, print it for the patient, send it by text message or email (GOV.UK Notify)."""

import secrets

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters, sensitive_variables
from django.views.decorators.http import require_POST

from audit import log as audit
from audit.models import Action
from directory.models import Service
from signposting import last_search, notify, shortlist
from signposting.actions import TeamlessUser, team_of, visible_referrals
from signposting.forms import SearchForm, posted_id
from signposting.matching import MatchError
from signposting.shortlist_forms import SendShortlistForm


def _last_or_redirect(request):
    search = last_search.load(request.session)
    if search is None:
        messages.info(request, "There is no shortlist to show: a search is kept for 30 minutes.")
    return search


def _next(request, fallback: str) -> str:
    target = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return fallback


@never_cache
@login_required
@require_POST
def add_service(request):
    """Add a service to the shortlist, for one of the searched needs it helps with."""
    search = _last_or_redirect(request)
    if search is None:
        return redirect("search")
    back = _next(request, reverse("search-results"))
    service = Service.objects.filter(
        pk=posted_id(request.POST, "service") or 0, status=Service.Status.PUBLISHED
    ).first()
    need = request.POST.get("need", "")
    if service is None:
        messages.error(request, "That service is not in the directory any more.")
        return redirect(back)
    if need not in search.needs or not service.needs.filter(slug=need).exists():
        messages.error(request, f"Choose which of the patient's needs {service.name} is for.")
        return redirect(back)
    search_form = SearchForm(search.querydict())
    if not search_form.is_valid():
        messages.error(request, "The search has changed: search again.")
        return redirect(back)
    try:
        shortlist.refuse_not_open(search_form.to_query(), service)
        search.shortlist = shortlist.add(search.shortlist, service_id=service.pk, need=need)
    except (shortlist.ShortlistError, MatchError) as exc:
        messages.error(request, str(exc))
        return redirect(back)
    last_search.store(request.session, search)
    messages.success(request, f"{service.name} was added to the shortlist.")
    return redirect(back)


@never_cache
@login_required
@require_POST
def remove_service(request):
    search = _last_or_redirect(request)
    if search is None:
        return redirect("search")
    back = _next(request, reverse("shortlist"))
    service_id = posted_id(request.POST, "service")
    if service_id is not None:
        before = len(search.shortlist)
        search.shortlist = shortlist.remove(search.shortlist, service_id=service_id)
        if len(search.shortlist) < before:
            last_search.store(request.session, search)
            name = Service.objects.filter(pk=service_id).values_list("name", flat=True)
            messages.success(request, f"{name[0] if name else 'The service'} was removed.")
    return redirect(back)


SEND_TOKEN = "signpost_shortlist_send_token"  # noqa: S105 (a session key)


def _send_token(session, *, new: bool = False) -> str:
    """The token the send form carries: a send is made once for each showing of the form, so
    a second press of the button (or a resubmitted page) does not text the patient twice."""
    if new or SEND_TOKEN not in session:
        session[SEND_TOKEN] = secrets.token_urlsafe(16)
    return session[SEND_TOKEN]


def _page_context(request, search, form=None):
    items = shortlist.contents(search.shortlist)
    may_send = request.user.has_perm("signposting.add_referral")
    referral = None
    if search.referral_id is not None:
        referral = visible_referrals(request.user).filter(pk=search.referral_id).first()
    if form is None:
        form = SendShortlistForm(needs_source=referral is None)
    return {
        "items": items,
        "max_services": shortlist.MAX_SERVICES,
        "may_send": may_send,
        "can_text": notify.available(notify.SMS),
        "can_email": notify.available(notify.EMAIL),
        "referral": referral,
        "form": form,
        "send_token": _send_token(request.session),
    }


@never_cache
@login_required
def shortlist_page(request):
    """The shortlist, with print and send."""
    search = _last_or_redirect(request)
    if search is None:
        return redirect("search")
    return render(request, "signposting/shortlist.html", _page_context(request, search))


@never_cache
@login_required
def print_view(request):
    """The list for the patient, for paper: what each service offers, how to contact it, when
    it is open and how to get there. Nothing about the patient and no staff controls."""
    search = _last_or_redirect(request)
    if search is None:
        return redirect("search")
    membership = getattr(request.user, "membership", None)
    return render(
        request,
        "signposting/shortlist_print.html",
        {
            "items": shortlist.contents(search.shortlist),
            "team": membership.team.name if membership else "",
            "date": shortlist.print_date(),
        },
    )


@never_cache
@login_required
@permission_required("signposting.add_referral", raise_exception=True)
@require_POST
@sensitive_post_parameters("phone_number", "email_address")
@sensitive_variables("form")
def send(request):
    """Record the shortlist on the patient's referral, then send it by text or email.

    The referral and its "signposted" events are saved first, in one transaction, and the
    search remembers the referral: a failed send, tried again, adds nothing a second time. The
    number or address typed is passed to Notify and not kept (not even in the message shown
    after sending)."""
    search = _last_or_redirect(request)
    if search is None:
        return redirect("search")
    if not secrets.compare_digest(
        request.POST.get("send_token", ""), request.session.get(SEND_TOKEN, "")
    ):
        messages.info(
            request,
            "That send was already made, or the page was out of date: nothing more was sent. "
            "Check the list below before sending again.",
        )
        return redirect("shortlist")
    referral = None
    if search.referral_id is not None:
        referral = visible_referrals(request.user).filter(pk=search.referral_id).first()
    form = SendShortlistForm(request.POST, needs_source=referral is None)
    items = shortlist.contents(search.shortlist)
    if form.is_valid():
        channel = form.cleaned_data["channel"]
        try:
            if not items:
                raise shortlist.ShortlistError("Add a service to the shortlist before sending it.")
            if not notify.available(channel):
                raise notify.NotifyError(
                    f"Sending by {notify.CHANNEL_WORDS[channel]} is not set up on this Signpost: "
                    "print the list instead."
                )
            team = team_of(request.user).name
            if channel == notify.SMS:
                body = shortlist.text_message(items)
            else:
                body = shortlist.email_text(items, team=team)
            search_form = SearchForm(search.querydict())
            if not search_form.is_valid():
                raise shortlist.ShortlistError("The search has changed: search again.")
            created = referral is None
            referral, added = shortlist.record_signposting(
                user=request.user,
                search_data=search_form.cleaned_data,
                items=items,
                referral=referral,
                source=form.cleaned_data.get("source", ""),
                query=search_form.to_query(),
            )
        except (shortlist.ShortlistError, notify.NotifyError, TeamlessUser) as exc:
            form.add_error(None, str(exc))
        except MatchError as exc:
            for field_messages in exc.errors.values():
                for message in field_messages:
                    form.add_error(None, message)
        else:
            search.referral_id = referral.pk
            last_search.store(request.session, search)
            if created:
                audit.record(request, Action.REFERRAL_CREATED, referral_id=referral.pk)
            if added:
                audit.record(
                    request, Action.RECORDED, referral_id=referral.pk, detail="shortlist signposted"
                )
            try:
                notify.send(channel, form.recipient, subject=shortlist.EMAIL_SUBJECT, body=body)
            except notify.NotifyError as exc:
                if form.needs_source:  # the referral is recorded now: its source is not asked again
                    form = SendShortlistForm(request.POST, needs_source=False)
                    form.is_valid()
                form.add_error(
                    None,
                    f"{exc} The services are recorded as signposted on referral "
                    f"{referral.reference}; sending again will not record them twice.",
                )
            else:
                _send_token(request.session, new=True)  # this send is made: a repeat is refused
                messages.success(
                    request,
                    f"The shortlist was sent by {notify.CHANNEL_WORDS[channel]}. Its services "
                    f"are recorded as signposted on referral {referral.reference}.",
                )
                return redirect("shortlist")
    return render(request, "signposting/shortlist.html", _page_context(request, search, form))
