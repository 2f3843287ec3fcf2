"""``manage.py demo_users``: one demo login per role (re-running keeps them and prints them again)."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction

from accounts.choices import Role
from accounts.models import Profile
from schools.models import District, School

DEMO_PASSWORD = "shuangjian-demo-2026"


class Command(BaseCommand):
    help = "Create (or keep) one demo user per role and print their logins."

    def add_arguments(self, parser):
        parser.add_argument("--password", default=DEMO_PASSWORD)

    @transaction.atomic
    def handle(self, *args, password, **options):
        from institutions.models import Institution

        User = get_user_model()
        district = District.objects.get(code="110101")
        school = School.objects.filter(district=district).order_by("code").first()
        institution = Institution.objects.filter(district=district).order_by("id").first()
        wanted = [
            ("city", "市教委 演示用户", Role.CITY, {}),
            ("district", "东城区教委 演示用户", Role.DISTRICT, {"district": district}),
            # a colleague in the same bureau, to assign complaints to
            ("district-li", "东城区教委 李老师", Role.DISTRICT, {"district": district}),
            (
                "school",
                f"{school.name if school else '学校'} 演示用户",
                Role.SCHOOL,
                {"school": school, "district": district} if school else None,
            ),
            (
                "institution",
                f"{institution.name if institution else '机构'} 演示用户",
                Role.INSTITUTION,
                {"institution": institution} if institution else None,
            ),
        ]
        rows = []
        for username, full_name, role, scope in wanted:
            if scope is None:
                self.stdout.write(f"  (no {role} demo user: seed the demo data first)")
                continue
            user, created = User.objects.get_or_create(username=username, defaults={"first_name": full_name})
            if created:
                user.set_password(password)
                user.save()
            Profile.objects.update_or_create(user=user, defaults={"role": role, **scope})
            rows.append((username, role, "(new)" if created else "(kept)"))
        if not User.objects.filter(username="admin").exists():
            User.objects.create_superuser("admin", "admin@example.invalid", password)
            rows.append(("admin", "superuser (/admin/)", "(new)"))
        self.stdout.write(f"Demo logins (password: {password}):")
        for username, role, state in rows:
            self.stdout.write(f"  {username:<12} {role:<20} {state}")
        self.stdout.write("Portal: http://127.0.0.1:8000/   API docs: http://127.0.0.1:8000/api/docs/")
