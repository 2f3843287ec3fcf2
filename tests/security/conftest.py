"""The world of ``tests/security/world.py``, shared by the permission matrix and the API fuzz tests."""

import importlib

import pytest
from django.apps import apps
from django.db import transaction
from django.test import Client, override_settings

from schools.models import District

from .world import STAFF_ROLES, build_world


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory):
    """The world of ``tests/security/world.py`` and a signed-in session per staff role, built once for the
    module inside a transaction rolled back at its end (each test adds its own savepoints inside it)."""
    media = tmp_path_factory.mktemp("media")
    with django_db_blocker.unblock(), override_settings(MEDIA_ROOT=media):
        with transaction.atomic():
            if not District.objects.exists():  # a transactional test before this module emptied the tables
                importlib.import_module("schools.migrations.0002_districts_and_calendar").load(apps, None)
                importlib.import_module("compliance.migrations.0002_default_parameters").load(apps, None)
            w = build_world()
            for role in STAFF_ROLES:
                client = Client()
                client.force_login(w.users[role])
                w.sessions[role] = client.cookies["sessionid"].value
            yield w
            transaction.set_rollback(True)
