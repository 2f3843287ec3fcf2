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
