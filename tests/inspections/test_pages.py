"""Recording an inspection on its page: the case findings it raises, who may record where, photos refused."""

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEvent
from compliance.models import Finding
from inspections.models import Inspection, InspectionItem, InspectionPhoto
from tests import factories as f

from .conftest import DAY, form_data, upload

pytestmark = pytest.mark.django_db

NEW = reverse("inspections:new")


def record(client, user, data):
    client.force_login(user)
    return client.post(NEW, data)


def test_two_violations_raise_two_case_findings_seen_by_the_district_and_the_city_and_linked_back(
    client, district_user, city_user, school_a
):
    data = form_data(
        subject=f"school:{school_a.pk}",
        violations=[("SC-20-RANKING", "公告栏张贴期中考试排名"), ("HW-4-GRADING", "抽查五年级作业本未批改")],
        compliant=["AS-8-END"],
        photos=[upload()],
        captions="公告栏",
    )
    response = record(client, district_user, data)
    inspection = Inspection.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("inspections:detail", args=[inspection.pk])

    findings = Finding.objects.filter(kind="case").order_by("rule_id")
    assert [x.rule_id for x in findings] == ["HW-4-GRADING", "SC-20-RANKING"]
    photo = InspectionPhoto.objects.get()
    for finding in findings:
        assert finding.school == school_a and finding.district == school_a.district
        assert finding.period_start == DAY and finding.status == "open"
        assert finding.evidence["inspection"] == inspection.pk
        assert finding.evidence["inspectors"] == "张明、李华"
        assert finding.evidence["photos"] == [photo.pk]
        assert finding.inspection_item.inspection == inspection
    assert "抽查五年级作业本未批改" in findings[0].summary
    assert InspectionItem.objects.get(rule_id="AS-8-END").finding is None

    detail = client.get(response["Location"]).content.decode()
    for finding in findings:
        assert f'href="{reverse("compliance:finding", args=[finding.pk])}"' in detail
    assert reverse("inspections:photo", args=[inspection.pk, photo.pk]) in detail
    assert "公告栏" in detail

    for user in (district_user, city_user):
        client.force_login(user)
        body = client.get(reverse("compliance:findings")).content.decode()
        for finding in findings:
            assert f'href="{reverse("compliance:finding", args=[finding.pk])}"' in body
        listing = client.get(reverse("inspections:list")).content.decode()
        assert f'href="{reverse("inspections:detail", args=[inspection.pk])}"' in listing

    event = AuditEvent.objects.get(action="create", object_type="inspections.inspection")
    assert event.actor == district_user and event.district_id == school_a.district_id
    assert set(event.detail["findings"]) == {x.pk for x in findings}


def test_a_school_cannot_record_and_sees_only_the_inspections_of_itself(
    client, district_user, school_user, school_a, district1
):
    other = f.SchoolFactory(district=district1, name="东城区另一所小学")
    record(client, district_user, form_data(subject=f"school:{school_a.pk}", compliant=["SC-20-HOLIDAY"]))
    record(client, district_user, form_data(subject=f"school:{other.pk}", compliant=["SC-20-HOLIDAY"]))
    mine, theirs = Inspection.objects.get(school=school_a), Inspection.objects.get(school=other)

    client.force_login(school_user)
    assert client.get(NEW).status_code == 403
    response = client.post(NEW, form_data(subject=f"school:{school_a.pk}", compliant=["SC-20-HOLIDAY"]))
    assert response.status_code == 403
    assert Inspection.objects.count() == 2

    listing = client.get(reverse("inspections:list")).content.decode()
    assert f'href="{reverse("inspections:detail", args=[mine.pk])}"' in listing
    assert f'href="{reverse("inspections:detail", args=[theirs.pk])}"' not in listing
    assert reverse("inspections:new") not in listing  # no link to a form it may not use
    assert client.get(reverse("inspections:detail", args=[mine.pk])).status_code == 200
    assert client.get(reverse("inspections:detail", args=[theirs.pk])).status_code == 404


def test_a_district_cannot_record_for_another_district_the_error_names_the_field(client, district2_user, school_a):
    data = form_data(subject=f"school:{school_a.pk}", violations=[("SC-20-HOLIDAY", "周六集体补课")])
    response = record(client, district2_user, data)
    assert response.status_code == 400
    body = response.content.decode()
    assert "区：只能录入本区的督导检查" in body
    assert Inspection.objects.count() == 0 and Finding.objects.count() == 0
    # what was typed is still there
    assert 'value="张明、李华"' in body
    assert "周六集体补课" in body


def test_a_file_that_is_not_a_photo_is_refused_and_nothing_is_saved(client, district_user, school_a, media):
    fake = upload(name="evidence.jpg", content=b"%PDF-1.4 not a picture at all", content_type="image/jpeg")
    data = form_data(
        subject=f"school:{school_a.pk}",
        violations=[("SC-20-RANKING", "公告栏张贴排名")],
        photos=[upload(), fake],
    )
    response = record(client, district_user, data)
    assert response.status_code == 400
    body = response.content.decode()
    assert "第 2 张照片（evidence.jpg）不是可识别的照片：只接受 JPEG、PNG 格式" in body
    assert Inspection.objects.count() == 0
    assert Finding.objects.count() == 0 and InspectionPhoto.objects.count() == 0
    assert not [p for p in media.rglob("*") if p.is_file()]  # the first photo's file went with the rows
    assert "公告栏张贴排名" in body
    assert re.search(r'name="result__SC-20-RANKING" value="violation"[^>]* checked', body)


def test_the_form_names_each_missing_field_and_refuses_a_future_date_and_an_empty_checklist(
    client, district_user, school_a
):
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    response = record(
        client, district_user, form_data(subject=f"school:{school_a.pk}", inspectors="", date=tomorrow.isoformat())
    )
    assert response.status_code == 400
    assert "检查人员：必填" in response.content.decode()
    response = record(client, district_user, form_data(subject=f"school:{school_a.pk}", date=tomorrow.isoformat()))
    body = response.content.decode()
    assert response.status_code == 400
    assert "检查日期：不能晚于今天" in body
    response = record(client, district_user, form_data(subject=f"school:{school_a.pk}"))
    assert response.status_code == 400
    assert "请至少记录一项“合规”或“违规”的检查结果" in response.content.decode()
    assert Inspection.objects.count() == 0


def test_refresh_narrows_the_checklist_to_the_subject_and_saves_nothing(client, district_user, school_a, institution):
    client.force_login(district_user)
    body = client.get(NEW).content.decode()
    assert 'name="result__SC-20-RANKING"' in body and 'name="result__TI-16-AD"' in body
    assert 'name="result__CP-18-ACCEPT"' not in body and 'name="result__RX-OVERDUE"' not in body
    school_page = client.post(NEW, {"subject": f"school:{school_a.pk}", "inspectors": "王五", "refresh": "1"})
    body = school_page.content.decode()
    assert school_page.status_code == 200
    assert 'name="result__SC-20-RANKING"' in body and 'name="result__HW-4-GRADING"' in body
    assert 'name="result__TI-16-AD"' not in body
    assert 'value="王五"' in body
    body = client.post(NEW, {"subject": f"institution:{institution.pk}", "refresh": "1"}).content.decode()
    assert 'name="result__TI-16-AD"' in body and 'name="result__TI-15-CONTRACT"' in body
    assert 'name="result__SC-20-RANKING"' not in body
    assert Inspection.objects.count() == 0


def test_unregistered_premises_get_findings_with_the_district_only(client, district_user, district1):
    data = form_data(
        subject="place",
        place="东城区某小区3号楼201室",
        violations=[("TI-12-UNLICENSED", "无证开展学科类培训，现场学生12人")],
    )
    response = record(client, district_user, data)
    assert response.status_code == 302
    finding = Finding.objects.get()
    assert finding.rule_id == "TI-12-UNLICENSED" and finding.district == district1
    assert finding.school is None and finding.institution is None
    assert "东城区某小区3号楼201室" in finding.summary
    # premises with no place written are refused, under the place field
    response = record(client, district_user, form_data(subject="place", place="", compliant=["TI-16-AD"]))
    assert response.status_code == 400
    assert "检查地点：检查未登记场所时请写明地点" in response.content.decode()


def test_the_list_is_filtered_by_rule_and_subject_and_sorted_by_date(client, city_user, school_a, institution):
    record(client, city_user, form_data(subject=f"school:{school_a.pk}", compliant=["SC-20-RANKING"]))
    record(
        client,
        city_user,
        form_data(
            subject=f"institution:{institution.pk}",
            compliant=["TI-16-AD"],
            date=(DAY - dt.timedelta(days=3)).isoformat(),
        ),
    )
    at_school, at_institution = Inspection.objects.get(school=school_a), Inspection.objects.get(institution=institution)
    url = reverse("inspections:list")
    body = client.get(url, {"rule": "TI-16-AD"}).content.decode()
    assert reverse("inspections:detail", args=[at_institution.pk]) in body
    assert reverse("inspections:detail", args=[at_school.pk]) not in body
    body = client.get(url, {"school": school_a.pk}).content.decode()
    assert reverse("inspections:detail", args=[at_school.pk]) in body
    assert reverse("inspections:detail", args=[at_institution.pk]) not in body
    body = client.get(url, {"sort": "date"}).content.decode()
    assert body.index(f"#{at_institution.pk}<") < body.index(f"#{at_school.pk}<")
    body = client.get(url).content.decode()
    assert body.index(f"#{at_school.pk}<") < body.index(f"#{at_institution.pk}<")


def test_photos_are_re_encoded_and_served_only_within_scope(
    client, district_user, district2_user, school_user, school_a
):
    from PIL import Image

    from .conftest import image_bytes

    data = form_data(
        subject=f"school:{school_a.pk}",
        compliant=["SC-20-HOLIDAY"],
        photos=[upload(name="IMG_0001.JPG", content=image_bytes(exif=True, size=(40, 20)))],
    )
    assert record(client, district_user, data).status_code == 302
    inspection, photo = Inspection.objects.get(), InspectionPhoto.objects.get()
    assert (photo.width, photo.height) == (20, 40)  # the EXIF orientation applied
    with photo.image.open("rb") as fh, Image.open(fh) as img:
        assert img.format == "JPEG" and not img.getexif()  # no camera data kept
    url = reverse("inspections:photo", args=[inspection.pk, photo.pk])
    for user, expected in ((district_user, 200), (school_user, 200), (district2_user, 404)):
        client.force_login(user)
        response = client.get(url)
        assert response.status_code == expected
        if expected == 200:
            assert response["Content-Type"] == "image/jpeg"
            assert response["X-Content-Type-Options"] == "nosniff"


def test_district_and_city_staff_have_the_link_in_their_navigation(client, district_user, city_user, school_user):
    for user, shown in ((district_user, True), (city_user, True), (school_user, False)):
        client.force_login(user)
        body = client.get(reverse("home")).content.decode()
        assert (f'href="{reverse("inspections:list")}"' in body) is shown


def test_the_form_and_its_errors_in_english(client, district2_user, school_a):
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    client.force_login(district2_user)
    body = client.get(NEW).content.decode()
    assert "Record an inspection" in body and "Checklist" in body and "Not checked" in body
    response = client.post(NEW, form_data(subject=f"school:{school_a.pk}", violations=[("SC-20-HOLIDAY", "x")]))
    assert response.status_code == 400
    assert "District: you may record inspections in your own district only" in response.content.decode()
