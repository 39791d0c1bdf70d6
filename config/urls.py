from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path, re_path
from django.views.static import serve
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from accounts.tokens import TokenView
from config.health import healthz

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
    path("api/v1/auth/token/", TokenView.as_view(), name="api-token"),
    path("api/v1/", include("config.api_urls")),
    # The Open Referral UK 3.0 publisher API: anonymous, read-only, CORS-open.
    path("openreferral/", include("directory.openreferral.urls")),
    # Sign-in and password change only: no password reset by email (an administrator sets a
    # new password), so every way in goes through the throttled sign-in (docs/security.md).
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "accounts/password_change/",
        auth_views.PasswordChangeView.as_view(),
        name="password_change",
    ),
    path(
        "accounts/password_change/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path("", include("signposting.urls")),
    path("", include("signposting.shortlist_urls")),
    path("", include("directory.urls")),
    # The NHS.UK frontend stylesheet refers to its icons as /assets/images/...
    re_path(
        r"^assets/(?P<path>images/.+\.(?:svg|png|ico))$",
        login_not_required(serve),
        {"document_root": settings.NHSUK_FRONTEND_DIR / "assets"},
    ),
]
