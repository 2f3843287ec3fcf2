"""The notifications API: the caller's own notifications, reading one, reading all (thin: services do the work)."""

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from .. import selectors, services
from ..filtersets import NotificationFilterSet
from ..models import Notification
from .serializers import NotificationSerializer, ReadAllSerializer


class NotificationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The caller's notifications, newest first (``?unread=1``: the unread ones). Each user sees only their own:
    another user's notification is a 404, for city staff too."""

    queryset = Notification.objects.all()  # the model; ``get_queryset`` keeps the caller's own rows
    serializer_class = NotificationSerializer
    filterset_class = NotificationFilterSet
    ordering_fields = ["created_at", "read_at"]

    def get_queryset(self):
        return selectors.notifications_for(user=self.request.user)

    @extend_schema(request=None, responses=NotificationSerializer)
    @action(detail=True, methods=["post"])
    def read(self, request, pk=None):
        """Mark the notification read (reading it again keeps the first time)."""
        notification = services.notification_mark_read(notification=self.get_object())
        return Response(NotificationSerializer(notification).data)

    @extend_schema(request=None, responses=ReadAllSerializer)
    @action(detail=False, methods=["post"], url_path="read-all")
    def read_all(self, request):
        """Mark all of the caller's unread notifications read."""
        return Response({"marked": services.notifications_mark_all_read(user=request.user)})
