"""API tokens (django-rest-knox): hashed at rest, expiring (API_TOKEN_DAYS), revoked by a
password change, shown once when made, and made only by their own user with their password.

POST /api/v1/auth/token/ with username and password answers the token once; DELETE with the
token revokes it. Sign-in through here is throttled like the sign-in page (django-axes)."""

import logging

from django.contrib.auth import authenticate, get_user_model
from django.db.models.signals import post_save, pre_save
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from knox.models import AuthToken
from rest_framework import permissions, serializers
from rest_framework.exceptions import NotAuthenticated, ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.authentication import AuditedTokenAuthentication
from audit.log import record
from audit.models import Action

log = logging.getLogger(__name__)


class CredentialsSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=4096, trim_whitespace=False)


TOKEN_CREATED = inline_serializer(
    "TokenCreated",
    {
        "token": serializers.CharField(help_text="Shown this once: keep it safe."),
        "expiry": serializers.DateTimeField(),
        "username": serializers.CharField(),
    },
)


class TokenView(APIView):
    """Make an API token for yourself (POST, with your username and password), or revoke the
    token you send (DELETE)."""

    authentication_classes = [AuditedTokenAuthentication]
    permission_classes = [permissions.AllowAny]

    @extend_schema(
        request=CredentialsSerializer,
        responses={
            201: TOKEN_CREATED,
            400: OpenApiResponse(description="Wrong username or password, or a field missing"),
            429: OpenApiResponse(description="Locked out after 5 failed sign-ins: 15 minutes"),
        },
    )
    def post(self, request):
        serializer = CredentialsSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        # Django's request, so that django-axes counts the failure and its middleware answers a
        # lockout; the user is whoever the password belongs to, never the caller's choice.
        user = authenticate(request._request, **serializer.validated_data)
        if user is None:
            raise ValidationError({"detail": "Wrong username or password."})
        instance, token = AuthToken.objects.create(user=user)
        record(request, Action.TOKEN_CREATED, user=user)
        log.info("API token made by %s, expires %s", user.get_username(), instance.expiry)
        return Response(
            {"token": token, "expiry": instance.expiry, "username": user.get_username()},
            status=201,
        )

    @extend_schema(
        request=None,
        responses={204: None, 401: OpenApiResponse(description="No valid token sent")},
    )
    def delete(self, request):
        if not isinstance(request.auth, AuthToken):
            raise NotAuthenticated("Send the token to revoke in the Authorization header.")
        request.auth.delete()
        record(request, Action.TOKEN_REVOKED)
        return Response(status=204)


def _note_password_change(sender, instance, update_fields=None, **kwargs):
    """Before a user is saved: is the password changing?"""
    if instance.pk is None or (update_fields is not None and "password" not in update_fields):
        return
    stored = sender.objects.filter(pk=instance.pk).values_list("password", flat=True).first()
    instance._password_changed = stored is not None and stored != instance.password


def _revoke_tokens_on_password_change(sender, instance, created=False, **kwargs):
    """After: a changed password revokes every API token the user has."""
    if not getattr(instance, "_password_changed", False):
        return
    instance._password_changed = False
    revoked, _ = AuthToken.objects.filter(user=instance).delete()
    record(None, Action.PASSWORD_CHANGED, user=instance, detail=f"{revoked} tokens revoked")


def connect_signals():
    user_model = get_user_model()
    pre_save.connect(_note_password_change, sender=user_model, dispatch_uid="tokens-password-pre")
    post_save.connect(
        _revoke_tokens_on_password_change, sender=user_model, dispatch_uid="tokens-password-post"
    )
