import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_public_landing_in_chinese_with_lang_attribute(client):
    resp = client.get("/")
    assert resp.status_code == 200
    html = resp.content.decode()
    assert '<html lang="zh-CN">' in html
    assert "北京市“双减”监管平台" in html


def test_each_role_gets_its_landing_page(client, city_user, district_user, school_user, institution_user):
    expected = {
        city_user: "市教委工作台",
        district_user: "东城区教委工作台",
        school_user: "东城区测试小学A",
        institution_user: "测试培训学校",
    }
    for user, text in expected.items():
        client.force_login(user)
        assert text in client.get("/").content.decode(), user.username
        client.logout()


def test_login_and_logout(client, district_user):
    from tests.factories import TEST_PASSWORD

    resp = client.post(reverse("login"), {"username": "district1", "password": TEST_PASSWORD})
    assert resp.status_code == 302
    assert "东城区教委工作台" in client.get("/").content.decode()
    client.post(reverse("logout"))
    assert "工作人员登录" in client.get("/").content.decode()


def test_wrong_password_keeps_the_username(client, district_user):
    resp = client.post(reverse("login"), {"username": "district1", "password": "wrong-password-123"})
    assert resp.status_code == 200
    assert 'value="district1"' in resp.content.decode()


def test_language_switch_to_english(client):
    resp = client.post("/i18n/setlang/", {"language": "en", "next": "/"}, follow=True)
    assert '<html lang="en">' in resp.content.decode()


def test_api_docs_and_schema_served_locally(client):
    docs = client.get("/api/docs/")
    assert docs.status_code == 200
    assert "cdn" not in docs.content.decode().lower()
    schema = client.get("/api/schema/")
    assert schema.status_code == 200
    assert b"/api/v1/schools/" in schema.content
