"""The English interface: key pages speak English when a reader switches, Chinese stays the default,
and the catalogue has a finished translation for every string the code marks."""

import datetime as dt
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

pytestmark = pytest.mark.django_db

CATALOGUE = Path(settings.BASE_DIR) / "locale" / "en" / "LC_MESSAGES" / "django.po"
#: Chinese characters and the full-width punctuation that comes with them (，。：（）“” …)
CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uf900-\ufaff\uff00-\uffef]")


class _UiText(HTMLParser):
    """The text of every <h1>, <label> and <button> inside <main>, leaving out the options of a select
    (names of districts and schools are data, not interface) and anything marked as Chinese with ``lang``."""

    TAGS = ("h1", "label", "button")
    SKIP = ("option", "select", "textarea", "script", "style")

    def __init__(self):
        super().__init__()
        self.found = {tag: [] for tag in self.TAGS}
        self._in_main = False
        self._open = []  # [tag, text parts] of the watched elements open now
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "main":
            self._in_main = True
        if not self._in_main:
            return
        if tag in self.SKIP or (attrs.get("lang") or "").startswith("zh"):
            self._skip += 1
        elif tag in self.TAGS:
            self._open.append([tag, []])

    def handle_endtag(self, tag):
        if tag == "main":
            self._in_main = False
        if not self._in_main:
            return
        if tag in self.SKIP and self._skip:
            self._skip -= 1
        elif self._open and self._open[-1][0] == tag:
            name, parts = self._open.pop()
            text = " ".join("".join(parts).split())
            self.found[name].append(text)
            if self._open:
                self._open[-1][1].append(text)

    def handle_data(self, data):
        if self._open and not self._skip:
            self._open[-1][1].append(data)


def ui_text(response) -> dict[str, list[str]]:
    assert response.status_code == 200, response.status_code
    parser = _UiText()
    parser.feed(response.content.decode())
    return parser.found


def assert_english(found: dict[str, list[str]], *, except_h1: bool = False):
    """No Chinese in any heading, label or button the page shows."""
    for tag, texts in found.items():
        if tag == "h1" and except_h1:
            continue
        chinese = [t for t in texts if CJK.search(t)]
        assert not chinese, f"<{tag}> still in Chinese: {chinese}"


@pytest.fixture
def english(client):
    """A browser that chose English with the site's language switch."""
    resp = client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert resp.status_code == 302
    return client


def test_public_landing_in_english(english):
    resp = english.get("/")
    html = resp.content.decode()
    assert '<html lang="en">' in html
    found = ui_text(resp)
    assert found["h1"] == ["Beijing “Double Reduction” Supervision Portal"]
    for link in ("Complaints", "Track a complaint", "Look up an institution"):
        assert f">{link}</a>" in html
    assert "Staff login" in html
    assert not CJK.search(
        re.sub(r'<button[^>]*lang="zh-CN"[^>]*>.*?</button>', "", html).split("<main", 1)[1].split("</main>", 1)[0]
    )


def test_institution_lookup_in_english(english, institution):
    found = ui_text(english.get(reverse("institutions:lookup")))
    assert found["h1"] == ["Look up an institution"]
    assert "Search" in found["button"]
    assert_english(found)


def test_complaint_form_in_english(english, district1):
    resp = english.get(reverse("complaints:submit"))
    found = ui_text(resp)
    assert found["h1"] == ["Complaints"]
    labels = {text.rstrip(":") for text in found["label"]}
    assert {"Category", "Description", "Date it happened", "Photos (optional, at most 5, up to 5 MB each)"} <= labels, (
        labels
    )
    assert "Submit complaint" in found["button"]
    assert_english(found)


def test_complaint_form_errors_in_english(english, district1):
    """The service's checks name the field in the reader's language."""
    from django.utils import timezone

    resp = english.post(
        reverse("complaints:submit"),
        {
            "target_kind": "other",
            "target_text": "A tutoring centre without a sign",
            "district": district1.pk,
            "category": "unlicensed",
            "description": "Classes every Sunday.",
            "occurred_on": (timezone.localdate() + dt.timedelta(days=10)).isoformat(),
        },
    )
    html = resp.content.decode()
    assert "The date cannot be later than today" in html
    assert "发生日期不能晚于今天" not in html


def test_login_in_english(english):
    found = ui_text(english.get(reverse("login")))
    assert found["h1"] == ["Staff login"]
    assert found["label"] == ["Username", "Password"]
    assert found["button"] == ["Log in"]


def test_district_staff_landing_in_english(english, district_user):
    english.force_login(district_user)
    resp = english.get("/")
    found = ui_text(resp)
    assert found["h1"] == [f"{district_user.profile.district.name} education bureau workspace"]
    html = resp.content.decode()
    for link in ("District dashboard", "Findings", "Institution registry", "Complaint inbox"):
        assert f">{link}</a>" in html
    assert "Open findings" in html
    assert_english(found, except_h1=True)  # the district's name is data


def test_findings_list_in_english_with_rule_titles(english, district_user, school_a):
    from compliance.services import finding_create_case

    finding_create_case(
        rule_id="HW-4-GRADING",
        district=school_a.district,
        actor=district_user,
        evidence={"note": "inspection"},
        date=dt.date(2026, 3, 3),
        school=school_a,
    )
    english.force_login(district_user)
    resp = english.get(reverse("compliance:findings"))
    found = ui_text(resp)
    assert found["h1"] == ["Findings"]
    assert "Search" in found["button"]
    html = resp.content.decode()
    assert "Homework not fully graded" in html, "the rule's English title from the registry"
    assert '<span class="status status-open">Open</span>' in html
    assert "Date (newest first)" in html
    assert_english(found)


def test_district_dashboard_in_english(english, district_user, district1):
    english.force_login(district_user)
    resp = english.get(reverse("dashboards:district", args=[district1.code]))
    found = ui_text(resp)
    assert found["h1"] == [f"{district1.name} · Dashboard"]
    assert {"View", "Print"} <= set(found["button"])
    assert {"Date from", "Date to", "Stage", "Grade band"} <= set(found["label"]), found["label"]
    html = resp.content.decode()
    assert 'data-hw-bands="Written homework: share within the limit and minutes"' in html, "the charts' words"
    assert_english(found, except_h1=True)  # the district's name is data


def test_city_dashboard_in_english(english, city_user):
    english.force_login(city_user)
    found = ui_text(english.get(reverse("dashboards:city")))
    assert found["h1"] == ["Beijing · Dashboard"]
    assert_english(found)


def test_chinese_is_the_default(client, district_user):
    resp = client.get("/")
    assert '<html lang="zh-CN">' in resp.content.decode()
    assert ui_text(resp)["h1"] == ["北京市“双减”监管平台"]
    assert ui_text(client.get(reverse("login")))["button"] == ["登录"]
    client.force_login(district_user)
    assert ui_text(client.get("/"))["h1"] == ["东城区教委工作台"]


def test_switching_back_to_chinese(english):
    assert ui_text(english.get(reverse("login")))["h1"] == ["Staff login"]
    english.post(reverse("set_language"), {"language": "zh-hans", "next": "/"})
    assert ui_text(english.get(reverse("login")))["h1"] == ["工作人员登录"]


# -- the catalogue ------------------------------------------------------------------------------------------


def _unquote(line: str) -> str:
    body = line.strip()
    assert body.startswith('"') and body.endswith('"'), line
    return re.sub(r"\\(.)", lambda m: {"n": "\n", "t": "\t"}.get(m.group(1), m.group(1)), body[1:-1])


def parse_po(text: str) -> list[dict]:
    """Entries of a .po file: flags, msgctxt, msgid, msgid_plural and every msgstr (``msgstr[n]`` too)."""
    entries = []
    for block in re.split(r"\n\s*\n", text.strip()):
        entry = {"flags": set(), "msgstr": {}, "obsolete": False}
        field = None
        for line in block.splitlines():
            if line.startswith("#~"):
                entry["obsolete"] = True
            elif line.startswith("#,"):
                entry["flags"] |= {f.strip() for f in line[2:].split(",")}
            elif line.startswith("#"):
                continue
            elif line.startswith('"'):
                target = entry["msgstr"] if isinstance(field, int) else entry
                key = field if isinstance(field, int) else field
                target[key] = target[key] + _unquote(line)
            else:
                keyword, rest = line.split(" ", 1)
                match = re.fullmatch(r"msgstr\[(\d+)\]", keyword)
                if match:
                    field = int(match.group(1))
                    entry["msgstr"][field] = _unquote(rest)
                elif keyword == "msgstr":
                    field = 0
                    entry["msgstr"][0] = _unquote(rest)
                else:
                    field = keyword
                    entry[keyword] = _unquote(rest)
        entries.append(entry)
    return entries


def test_the_parser_reads_what_it_must_reject():
    sample = "\n\n".join(
        [
            'msgid ""\nmsgstr ""\n"Language: en\\n"',
            '#, fuzzy\nmsgid "旧"\nmsgstr "Old"',
            'msgid "空"\nmsgstr ""',
            'msgid "%(n)s 个"\nmsgid_plural "%(n)s 个"\nmsgstr[0] "%(n)s one"\nmsgstr[1] ""',
            'msgctxt "button"\nmsgid "提"\n"交"\nmsgstr "Sub"\n"mit"',
        ]
    )
    header, fuzzy, empty, plural, ctx = parse_po(sample)
    assert "fuzzy" in fuzzy["flags"]
    assert empty["msgstr"] == {0: ""}
    assert plural["msgid_plural"] == "%(n)s 个" and plural["msgstr"] == {0: "%(n)s one", 1: ""}
    assert ctx["msgctxt"] == "button" and ctx["msgid"] == "提交" and ctx["msgstr"] == {0: "Submit"}


def test_catalogue_has_no_untranslated_or_fuzzy_entry():
    entries = [e for e in parse_po(CATALOGUE.read_text(encoding="utf-8")) if not e["obsolete"]]
    header, messages = entries[0], entries[1:]
    assert header["msgid"] == "" and "Language: en" in header["msgstr"][0]
    assert len(messages) > 900
    fuzzy = [e["msgid"] for e in entries if "fuzzy" in e["flags"]]
    assert not fuzzy, f"fuzzy entries (check the translation, then drop the flag): {fuzzy}"
    untranslated = [
        e["msgid"]
        for e in messages
        if not all(s.strip() for s in e["msgstr"].values()) or len(e["msgstr"]) < (2 if "msgid_plural" in e else 1)
    ]
    assert not untranslated, f"strings without an English translation: {untranslated}"
    # Chinese may appear in a translation only where it quotes the original (input values such as 是/否)
    still_chinese = [
        e["msgid"]
        for e in messages
        for s in e["msgstr"].values()
        if any(run not in e["msgid"] for run in re.findall(CJK.pattern + "+", s))
    ]
    assert not still_chinese, f"translations that are still Chinese: {still_chinese}"


def test_compiled_catalogue_is_current():
    """CI serves the committed .mo: it must hold what the .po says (run compilemessages after editing)."""
    from django.utils import translation

    mo = CATALOGUE.with_suffix(".mo")
    assert mo.exists() and mo.stat().st_size > 0
    messages = [
        e
        for e in parse_po(CATALOGUE.read_text(encoding="utf-8"))[1:]
        if not e["obsolete"] and "msgid_plural" not in e and "msgctxt" not in e
    ]
    with translation.override("en"):
        stale = [e["msgid"] for e in messages if translation.gettext(e["msgid"]) != e["msgstr"][0]]
    assert not stale, f"the .mo is older than the .po for: {stale[:10]}"
