from shuangjian.api import ScopedModelViewSet

from ..filtersets import DistrictFilterSet, SchoolClassFilterSet, SchoolFilterSet
from ..models import District, School, SchoolClass
from .serializers import DistrictSerializer, SchoolClassSerializer, SchoolSerializer


class DistrictViewSet(ScopedModelViewSet):
    queryset = District.objects.all()
    serializer_class = DistrictSerializer
    filterset_class = DistrictFilterSet
    lookup_field = "code"
    ordering_fields = ["code", "name"]
    http_method_names = ["get", "head", "options"]


class SchoolViewSet(ScopedModelViewSet):
    queryset = School.objects.select_related("district")
    serializer_class = SchoolSerializer
    filterset_class = SchoolFilterSet
    ordering_fields = ["code", "name", "stage"]
    write_roles = frozenset({"city", "district"})

    def perform_create(self, serializer):
        from ..services import school_create

        serializer.instance = school_create(user=self.request.user, **serializer.validated_data)

    def perform_update(self, serializer):
        from ..services import school_update

        serializer.instance = school_update(
            user=self.request.user, school=serializer.instance, request=self.request, **serializer.validated_data
        )


class SchoolClassViewSet(ScopedModelViewSet):
    queryset = SchoolClass.objects.select_related("school")
    serializer_class = SchoolClassSerializer
    filterset_class = SchoolClassFilterSet
    ordering_fields = ["grade", "name", "academic_year"]
    write_roles = frozenset({"city", "district", "school"})

    def perform_update(self, serializer):
        from ..services import school_class_update

        serializer.instance = school_class_update(
            user=self.request.user, school_class=serializer.instance, request=self.request, **serializer.validated_data
        )
