"""The home page: the public directory's front page, or, for someone signed in, their own start."""

from django.contrib.auth.decorators import login_not_required
from django.shortcuts import redirect

from directory.views import home as directory_home
from signposting.roles import start_page


@login_not_required
def home(request):
    """Send a signed-in user to where their work starts; show anyone else the public home."""
    start = start_page(request.user)
    if start is not None:
        return redirect(start)
    return directory_home(request)
