from django.contrib.auth import authenticate
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from accounts.models import AuditEvent


class AuditEventSerializer(serializers.ModelSerializer):
    district = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)

    class Meta:
        model = AuditEvent
        fields = [
            "id",
            "at",
            "actor",
            "actor_label",
            "action",
            "object_type",
            "object_id",
            "object_repr",
            "district",
            "outcome",
            "detail",
            "ip",
            "path",
        ]
        read_only_fields = fields


class TokenObtainSerializer(serializers.Serializer):
    """A username and password, checked with the request (so the login lockout counts a failure)."""

    username = serializers.CharField(write_only=True, label=_("用户名"))
    password = serializers.CharField(
        write_only=True, trim_whitespace=False, style={"input_type": "password"}, label=_("密码")
    )
    token = serializers.CharField(
        read_only=True,
        help_text="The API token: send it as `Authorization: Token <token>`. Shown once; only its digest is stored.",
    )
    expiry = serializers.DateTimeField(
        read_only=True, help_text="When the token stops working (10 hours after it was issued); then ask for a new one."
    )

    def validate(self, attrs):
        user = authenticate(request=self.context.get("request"), username=attrs["username"], password=attrs["password"])
        if user is None:
            raise serializers.ValidationError(_("用户名或密码不正确，或账号已停用"), code="authorization")
        attrs["user"] = user
        return attrs
