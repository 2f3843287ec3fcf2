"""API authentication: DRF's token authentication, loading the user's role and scope in the same query."""

from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions


class TokenAuthentication(authentication.TokenAuthentication):
    """``Authorization: Token <key>``, as DRF's, with the user's ``Profile`` (and its district) joined.

    Every API permission and ``accounts.scoping.restrict`` reads the profile, so
    loading it with the token saves a query on every request; a district user's
    own district answers the district dashboards' scope check without another.
    """

    def authenticate_credentials(self, key):
        model = self.get_model()
        try:
            token = model.objects.select_related("user", "user__profile__district").get(key=key)
        except model.DoesNotExist:
            raise exceptions.AuthenticationFailed(_("Invalid token.")) from None
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        return (token.user, token)
