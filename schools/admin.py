from django.contrib import admin
from django.core.exceptions import ValidationError

from shuangjian.errors import ServiceError

from . import services
from .models import District, School, SchoolClass, SchoolTeacher, StatutoryDay, StatutoryYear, Term, Vacation


class ScopeMoveAdmin(admin.ModelAdmin):
    """An admin whose ``move_field`` decides scope: changing it on an existing row is checked and done by the
    move service (who may, what moves along, the audit trail), never by the admin's plain save.

    A subclass names ``move_field`` and defines ``move_check(*, user, stored, new)`` (the service's check, raising
    ``ServiceError``) and ``move(*, request, stored, new)`` (the service's move).
    """

    move_field = ""

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        if obj is None:
            return form
        model_admin, field = self, self.move_field

        class MoveCheckedForm(form):
            def clean(self):
                data = super().clean()
                new = data.get(field)
                if new is not None and new.pk != getattr(obj, f"{field}_id"):
                    try:
                        model_admin.move_check(user=request.user, stored=obj, new=new)
                    except ServiceError as exc:
                        raise ValidationError({field: exc.message}) from exc
                return data

        return MoveCheckedForm

    def save_model(self, request, obj, form, change):
        if change and self.move_field in form.changed_data:
            stored = type(obj)._default_manager.get(pk=obj.pk)
            self.move(request=request, stored=stored, new=getattr(obj, self.move_field))
        super().save_model(request, obj, form, change)


@admin.register(District)
class DistrictAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "name_en"]


@admin.register(School)
class SchoolAdmin(ScopeMoveAdmin):
    list_display = ["code", "name", "district", "stage", "boarding"]
    list_filter = ["district", "stage"]
    search_fields = ["name", "code"]
    move_field = "district"

    def move_check(self, *, user, stored, new):
        services.school_move_check(user=user, school=stored, district=new)

    def move(self, *, request, stored, new):
        services.school_move(user=request.user, school=stored, district=new, request=request)


@admin.register(SchoolClass)
class SchoolClassAdmin(ScopeMoveAdmin):
    list_display = ["school", "academic_year", "grade", "name", "headcount"]
    list_filter = ["grade", "academic_year"]
    raw_id_fields = ["school"]
    move_field = "school"

    def move_check(self, *, user, stored, new):
        services.school_class_move_check(user=user, school_class=stored, school=new)

    def move(self, *, request, stored, new):
        services.school_class_move(user=request.user, school_class=stored, school=new, request=request)


@admin.register(SchoolTeacher)
class SchoolTeacherAdmin(admin.ModelAdmin):
    list_display = ["name", "school", "certificate_no", "status", "left_on"]
    list_filter = ["status"]
    search_fields = ["name", "certificate_no"]
    raw_id_fields = ["school"]
    fields = ["school", "name", "certificate_no", "status", "left_on"]


@admin.register(Term)
class TermAdmin(admin.ModelAdmin):
    list_display = ["academic_year", "name", "district", "starts_on", "ends_on"]


@admin.register(Vacation)
class VacationAdmin(admin.ModelAdmin):
    list_display = ["academic_year", "kind", "district", "starts_on", "ends_on"]


class StatutoryDayInline(admin.TabularInline):
    model = StatutoryDay
    extra = 5


@admin.register(StatutoryYear)
class StatutoryYearAdmin(admin.ModelAdmin):
    list_display = ["year", "source"]
    inlines = [StatutoryDayInline]
