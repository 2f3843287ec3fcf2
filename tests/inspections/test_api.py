"""The inspections API: recording (JSON, or multipart with photos), scoping, filters, the schema, query counts."""

import json

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from compliance.models import Finding
from inspections.models import Inspection, InspectionPhoto
from inspections.services import inspection_record
from tests import factories as f

from .conftest import DAY, upload

pytestmark = pytest.mark.django_db

URL = reverse("api:inspection-list")


def body(at, **over):
    """A JSON body recording an inspection of the school ``at``."""
    data = {
        "date": DAY.isoformat(),
        "district": at.district.code,
        "school": at.pk,
        "inspectors": "张明、李华",
        "kind": "routine",
        "items": [
            {"rule_id": "SC-20-HOLIDAY", "result": "violation", "note": "周六组织集体补课"},
            {"rule_id": "SC-20-RANKING", "result": "violation", "note": "公布考试排名"},
            {"rule_id": "AS-8-END", "result": "compliant"},
        ],
    }
    data.update(over)
    return data


def token_client(user):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {f.api_token(user)}")
    return client


def test_recording_through_the_api_raises_case_findings_and_returns_them_on_the_items(as_user, district_user, school_a):
    response = as_user(district_user).post(URL, body(school_a), format="json")
    assert response.status_code == 201, response.content
    data = response.json()
    items = {i["rule_id"]: i for i in data["items"]}
    assert items["AS-8-END"]["finding"] is None
    for rule_id in ("SC-20-HOLIDAY", "SC-20-RANKING"):
        finding = Finding.objects.get(pk=items[rule_id]["finding"])
        assert finding.rule_id == rule_id and finding.kind == "case" and finding.school == school_a
        assert items[rule_id]["finding_status"] == "open"
    assert data["subject_type"] == "school" and data["district"] == "110101"


def test_multipart_with_photos_and_a_refused_photo_saves_nothing(as_user, district_user, school_a):
    client = as_user(district_user)
    payload = body(school_a)
    payload["items"] = json.dumps(payload["items"], ensure_ascii=False)
    ok = client.post(URL, {**payload, "photos": [upload(), upload(name="b.png")], "captions": ["门口", ""]})
    assert ok.status_code == 201, ok.content
    assert [p["caption"] for p in ok.json()["photos"]] == ["门口", ""]
    assert Finding.objects.get(rule_id="SC-20-HOLIDAY").evidence["photos"] == [p["id"] for p in ok.json()["photos"]]

    before = (Inspection.objects.count(), Finding.objects.count(), InspectionPhoto.objects.count())
    bad = upload(name="notes.txt", content=b"just some text", content_type="text/plain")
    refused = client.post(URL, {**payload, "photos": [bad]})
    assert refused.status_code == 400
    assert refused.json()["fields"]["photos"] == ["第 1 张照片（notes.txt）不是可识别的照片：只接受 JPEG、PNG 格式"]
    assert (Inspection.objects.count(), Finding.objects.count(), InspectionPhoto.objects.count()) == before


def test_a_school_may_not_record_and_lists_only_its_own(as_user, district_user, school_user, school_a, district1):
    other = f.SchoolFactory(district=district1, name="东城区另一所小学")
    mine = inspection_record(actor=district_user, district=district1, school=school_a, **_visit())
    inspection_record(actor=district_user, district=district1, school=other, **_visit())
    client = as_user(school_user)
    assert client.post(URL, body(school_a), format="json").status_code == 403
    assert Inspection.objects.count() == 2
    assert [row["id"] for row in client.get(URL).json()["results"]] == [mine.pk]


def test_another_districts_inspection_is_refused_naming_the_district(as_user, district2_user, district1):
    school = f.SchoolFactory(district=district1)
    client = as_user(district2_user)
    # the school is outside the caller's scope: it "does not exist"; without it the district is named
    response = client.post(URL, body(school), format="json")
    assert response.status_code == 400 and "school" in response.json()["fields"]
    response = client.post(URL, body(school, school=None, place="东城区某小区"), format="json")
    assert response.status_code == 400
    assert response.json()["fields"]["district"] == ["区：只能录入本区的督导检查"]
    assert Inspection.objects.count() == 0 and Finding.objects.count() == 0


def test_a_rule_that_does_not_fit_the_subject_or_is_unknown_is_refused(as_user, district_user, school_a):
    client = as_user(district_user)
    response = client.post(
        URL, body(school_a, items=[{"rule_id": "TI-16-AD", "result": "violation", "note": "广告"}]), format="json"
    )
    assert response.status_code == 400
    assert response.json()["fields"]["items"] == ["第 1 项（TI-16-AD）：该规则针对培训机构，不适用于本次检查对象"]
    response = client.post(URL, body(school_a, items=[{"rule_id": "XX-1", "result": "violation"}]), format="json")
    assert response.status_code == 400
    assert Inspection.objects.count() == 0 and Finding.objects.count() == 0


def _visit(**over):
    return {
        "date": DAY,
        "inspectors": "张明",
        "kind": "routine",
        "items": [{"rule_id": "SC-20-HOLIDAY", "result": "compliant"}],
        **over,
    }


def test_the_list_is_scoped_filtered_and_a_fixed_number_of_queries(
    district_user, district2_user, city_user, school_a, school_b, django_assert_num_queries
):
    import datetime as dt

    for n in range(3):
        photo = [upload()] if n == 0 else []
        inspection_record(
            actor=district_user,
            district=school_a.district,
            school=school_a,
            photos=photo,
            **_visit(
                date=DAY - dt.timedelta(days=n),
                items=[
                    {"rule_id": "SC-20-HOLIDAY", "result": "violation", "note": f"第{n}次"},
                    {"rule_id": "SC-20-RANKING", "result": "compliant"},
                ],
            ),
        )
    theirs = inspection_record(actor=district2_user, district=school_b.district, school=school_b, **_visit())

    client = token_client(district_user)
    # the token with its user, profile and district; the count; the page; its items with their findings; photos
    with django_assert_num_queries(5):
        response = client.get(URL)
    rows = response.json()["results"]
    assert len(rows) == 3 and theirs.pk not in {r["id"] for r in rows}
    assert all(len(r["items"]) == 2 for r in rows)

    city = token_client(city_user)
    with django_assert_num_queries(5):
        assert city.get(URL).json()["count"] == 4
    assert [r["id"] for r in city.get(URL, {"district": "110102"}).json()["results"]] == [theirs.pk]
    dated = city.get(URL, {"date_from": (DAY - dt.timedelta(days=1)).isoformat(), "date_to": DAY.isoformat()})
    assert dated.json()["count"] == 3  # two of district 1's and district 2's
    assert city.get(URL, {"rule": "SC-20-RANKING"}).json()["count"] == 3
    assert city.get(URL, {"violation": "SC-20-HOLIDAY"}).json()["count"] == 3
    assert city.get(URL, {"school": school_b.pk}).json()["count"] == 1


def test_the_endpoint_is_in_the_openapi_schema(client):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    assert "/api/v1/inspections/" in schema["paths"]
    post = schema["paths"]["/api/v1/inspections/"]["post"]
    assert {"application/json", "multipart/form-data"} <= set(post["requestBody"]["content"])
    params = {p["name"] for p in schema["paths"]["/api/v1/inspections/"]["get"]["parameters"]}
    assert {"district", "date_from", "date_to", "rule", "school", "institution"} <= params
    assert "/api/v1/inspections/{id}/" in schema["paths"]
