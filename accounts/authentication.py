"""API authentication: knox's hashed, expiring tokens, loading the user's role and scope with the token."""

from __future__ import annotations

import binascii
from functools import lru_cache
from hmac import compare_digest

from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.contrib.knox_auth_token import KnoxTokenScheme
from knox import auth as knox_auth
from knox.crypto import hash_token
from knox.models import get_token_model
from knox.settings import CONSTANTS, knox_settings
from knox.signals import token_expired
from rest_framework import exceptions

from . import sql
from .scoping import role_of


def _instance(model, row, start: int):
    """The instance of ``model`` whose columns start at ``row[start]`` (None for a left join that found none), and
    where the next model's columns start."""
    fields = model._meta.concrete_fields
    values = row[start : start + len(fields)]
    end = start + len(fields)
    if values[[f.primary_key for f in fields].index(True)] is None:
        return None, end
    return model.from_db(connection.alias, [f.attname for f in fields], values), end


@lru_cache(maxsize=1)
def _tokens_statement() -> str:
    return sql.tokens_with_scope()


def tokens_under(key: str) -> list:
    """The tokens under this key, each with its user, the user's profile and its district loaded, from one
    statement the database plans quickly (``accounts.sql.tokens_with_scope``): the same instances
    ``select_related("user__profile__district")`` gives, without building that query on every API request."""
    from django.contrib.auth import get_user_model

    from schools.models import District

    from .models import Profile

    with connection.cursor() as cursor:
        cursor.execute(_tokens_statement(), [key])
        rows = cursor.fetchall()
    tokens = []
    for row in rows:
        token, at = _instance(get_token_model(), row, 0)
        user, at = _instance(get_user_model(), row, at)
        profile, at = _instance(Profile, row, at)
        district, _end = _instance(District, row, at)
        if profile is not None:
            Profile.district.field.set_cached_value(profile, district)
        # the user's reverse one-to-one: a user without a profile has None cached (``role_of`` then finds no role)
        Profile.user.field.remote_field.set_cached_value(user, profile)
        if profile is not None:
            Profile.user.field.set_cached_value(profile, user)
        type(token).user.field.set_cached_value(token, user)
        tokens.append(token)
    return tokens


class PasswordChangeRequired(exceptions.PermissionDenied):
    default_detail = _(
        "管理员已重置您的密码，请先登录网页修改密码后再使用 API / Your password was reset: "
        "change it on the website before using the API"
    )
    default_code = "password_change_required"


class TokenAuthentication(knox_auth.TokenAuthentication):
    """``Authorization: Token <key>`` with knox's tokens (only a digest is stored; each expires).

    As knox's, with two differences. The token is loaded with its user's ``Profile``
    and district in the same query: every API permission and
    ``accounts.scoping.restrict`` reads the profile, so this saves a query on every
    request. And only the presented token's expiry is checked: knox also reads all
    the user's other tokens on every request to delete the expired ones, a second
    query per request; ``accounts.services.api_token_create`` deletes a user's
    expired tokens when it issues a new one instead.

    A user whose password an administrator reset is refused (403) until they
    choose their own; an inactive user is refused as knox refuses them. A password
    change, deactivation and a lockout delete the user's tokens outright.
    """

    def authenticate_credentials(self, token: bytes):
        invalid = _("Invalid token.")
        try:
            key = token.decode("utf-8")
            digest = hash_token(key)
        except (UnicodeDecodeError, TypeError, binascii.Error):
            raise exceptions.AuthenticationFailed(invalid) from None
        for auth_token in tokens_under(key[: CONSTANTS.TOKEN_KEY_LENGTH]):
            if not compare_digest(digest, auth_token.digest):
                continue
            if auth_token.expiry is not None and auth_token.expiry < timezone.now():
                auth_token.delete()
                token_expired.send(sender=type(self), username=auth_token.user.get_username(), source="auth_token")
                raise exceptions.AuthenticationFailed(invalid)
            if knox_settings.AUTO_REFRESH and auth_token.expiry:
                self.renew_token(auth_token)
            return self.validate_user(auth_token)
        raise exceptions.AuthenticationFailed(invalid)

    def validate_user(self, auth_token):
        user, auth_token = super().validate_user(auth_token)
        profile = role_of(user)
        if profile is not None and profile.must_change_password:
            raise PasswordChangeRequired()
        return user, auth_token


class ApiTokenScheme(KnoxTokenScheme):
    """The schema's description of this class: knox's (``Authorization: Token <key>``)."""

    target_class = TokenAuthentication
    name = "tokenAuth"
