"""Make the README's screenshots from the small demo.

    .venv/bin/python scripts/readme_screenshots.py [--out docs/screenshots]

Builds the demo on a throwaway database of its own (on the server ``scripts/pgserver.py`` finds or starts; tasks
run in-process), dropped at the end: migrate, ``seed_demo --scale small --seed 1``, a compliance sweep of the seeded fortnight, a dashboard
refresh, the demo users. Serves it on a free loopback port, takes the pictures with Chromium through Playwright,
stops the server and removes the folder:

- ``complaint-form-phone.png``: the public complaint form on a 390×844 phone, a parent part-way through it;
- ``district-dashboard.png``: Dongcheng's dashboard for the seeded fortnight, as the ``district`` demo user sees it;
- ``school-landing-grid.png``: the ``school`` demo user's landing page, each class's filing state on the last school
  days (homework is seeded for the week before today as well, so the grid shows filed, late and over-limit days);
- ``finding-page.png``: a finding as the school reads it (evidence as a table, the history);
- ``city-dashboard-map.png``: the city dashboard with the district map, as the ``city`` demo user sees it.

Needs Chromium (``CHROMIUM_PATH``, default ``/usr/bin/chromium``) and the ``playwright`` package.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

BASE = Path(__file__).resolve().parents[1]
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
SEEDED = ("2026-11-09", "2026-11-20")  # seed_demo's default range
DEMO_PASSWORD = "shuangjian-demo-2026"


def manage(env: dict, *args: str) -> None:
    print("+ manage.py", " ".join(args), flush=True)
    done = subprocess.run([sys.executable, "manage.py", *args], cwd=BASE, env=env, capture_output=True, text=True)
    if done.returncode:
        raise SystemExit(f"manage.py {' '.join(args)} failed:\n{done.stdout[-3000:]}{done.stderr[-3000:]}")


def shrink(path: Path) -> None:
    """A 256-colour palette keeps text and charts sharp at well under half the size of a full-colour PNG."""
    from PIL import Image

    with Image.open(path) as im:
        palette = im.convert("RGB").quantize(colors=256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    palette.save(path, optimize=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until_up(url: str, server: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit("the demo server exited")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"the demo server did not answer at {url}")


def build_demo(env: dict) -> None:
    manage(env, "migrate", "--noinput")
    manage(env, "seed_demo", "--scale", "small", "--seed", "1")
    # the school landing grid shows today and the school days before it: seed homework for the week before today
    today = dt.date.today()
    manage(
        env,
        "seed_demo",
        "--scale",
        "small",
        "--seed",
        "2",
        "--only",
        "homework",
        "--date-from",
        (today - dt.timedelta(days=8)).isoformat(),
        "--date-to",
        (today - dt.timedelta(days=1)).isoformat(),
    )
    manage(env, "sweep", "--from", SEEDED[0], "--to", SEEDED[1], "--sync")
    manage(env, "refresh_dashboards", "--date-from", SEEDED[0], "--date-to", SEEDED[1])
    manage(env, "demo_users")


def take(base_url: str, out: Path) -> None:
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"]
        )

        phone = browser.new_context(
            viewport={"width": 390, "height": 844},
            device_scale_factor=2,
            is_mobile=True,
            has_touch=True,
            locale="zh-CN",
        ).new_page()
        phone.goto(f"{base_url}/complaints/new/")
        phone.get_by_label("培训机构名称").press_sequentially("培训", delay=30)
        expect(phone.locator("ul.autocomplete[data-for=institution_name] button").first).to_be_visible()
        phone.locator("ul.autocomplete[data-for=institution_name] button").first.click()
        phone.get_by_label("问题类别").select_option(label="节假日或夜间培训")
        phone.get_by_label("学生年级").select_option(label="四年级")
        phone.get_by_label("发生日期").fill("2026-11-21")
        phone.evaluate("document.activeElement.blur()")
        phone.screenshot(path=str(out / "complaint-form-phone.png"))  # the first screen a parent sees

        desktop = browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN").new_page()
        desktop.goto(f"{base_url}/login/")
        desktop.get_by_label("用户名").fill("district")
        desktop.get_by_label("密码").fill(DEMO_PASSWORD)
        desktop.get_by_role("button", name="登录").click()
        desktop.wait_for_url(f"{base_url}/")
        desktop.goto(f"{base_url}/dashboards/districts/110101/?date_from={SEEDED[0]}&date_to={SEEDED[1]}")
        expect(desktop.locator(".dash-head")).to_contain_text(f"{SEEDED[0]} — {SEEDED[1]}")
        desktop.wait_for_function(  # every chart drawn
            "() => [...document.querySelectorAll('[data-chart]')].every(el => el.querySelector('canvas, svg'))"
        )
        desktop.wait_for_timeout(600)  # the charts' entry animation
        desktop.screenshot(path=str(out / "district-dashboard.png"), full_page=True)

        school = browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN").new_page()
        login(school, base_url, "school")
        expect(school.locator("table.filing-grid")).to_be_visible()
        school.screenshot(path=str(out / "school-landing-grid.png"))
        school.goto(f"{base_url}/compliance/findings/")
        school.locator("table tbody td a[href*='/compliance/findings/']").first.click()
        school.wait_for_load_state()
        school.screenshot(path=str(out / "finding-page.png"), full_page=True)

        city = browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN").new_page()
        login(city, base_url, "city")
        city.goto(f"{base_url}/dashboards/city/?date_from={SEEDED[0]}&date_to={SEEDED[1]}")
        city.wait_for_function(
            "() => [...document.querySelectorAll('[data-chart]')].every(el => el.querySelector('canvas, svg'))"
        )
        city.wait_for_timeout(600)
        city.locator("section", has=city.locator("[data-chart=district-map]")).screenshot(
            path=str(out / "city-dashboard-map.png")
        )
        browser.close()


def login(page, base_url: str, username: str) -> None:
    page.goto(f"{base_url}/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{base_url}/")


def shoot(out: Path, database_url: str) -> None:
    """Build the demo on ``database_url``, serve it on a free port, take the pictures, stop the server."""
    with tempfile.TemporaryDirectory(prefix="sj-screens-") as tmp:
        env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "CELERY_BROKER_URL": "",
            "REDIS_URL": "",
            "CELERY_TASK_ALWAYS_EAGER": "true",
            "DJANGO_DEBUG": "true",
            "DJANGO_MEDIA_ROOT": f"{tmp}/media",
        }
        build_demo(env)
        port = free_port()
        server = subprocess.Popen(
            [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
            cwd=BASE,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            base_url = f"http://127.0.0.1:{port}"
            wait_until_up(f"{base_url}/login/", server)
            take(base_url, out)
        finally:
            server.terminate()
            server.wait(10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=BASE / "docs" / "screenshots")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    import psycopg
    from pgserver import _stop_embedded, database_url  # scripts/ is this script's own folder

    server_url, started = database_url()
    server = server_url.rsplit("/", 1)[0]
    name = f"sj_screens_{os.getpid()}"
    with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        shoot(args.out, f"{server}/{name}")
    finally:
        with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if started:
            _stop_embedded()
    for picture in ("complaint-form-phone.png", "district-dashboard.png"):
        path = args.out / picture
        shrink(path)
        print(f"{path.relative_to(BASE) if path.is_relative_to(BASE) else path}: {path.stat().st_size // 1024} KB")


if __name__ == "__main__":
    main()
