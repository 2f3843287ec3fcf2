from django.contrib import admin

from .models import District, School, SchoolClass, SchoolTeacher, StatutoryDay, StatutoryYear, Term, Vacation


@admin.register(District)
class DistrictAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "name_en"]


@admin.register(School)
class SchoolAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "district", "stage", "boarding"]
    list_filter = ["district", "stage"]
    search_fields = ["name", "code"]


@admin.register(SchoolClass)
class SchoolClassAdmin(admin.ModelAdmin):
    list_display = ["school", "academic_year", "grade", "name", "headcount"]
    list_filter = ["grade", "academic_year"]
    raw_id_fields = ["school"]


@admin.register(SchoolTeacher)
class SchoolTeacherAdmin(admin.ModelAdmin):
    list_display = ["name", "school", "certificate_no"]
    search_fields = ["name", "certificate_no"]
    raw_id_fields = ["school"]


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
