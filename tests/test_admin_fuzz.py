"""Random valid edits through the real admin forms never break a public page (issue 12, item 4).

A superuser opens an admin change (or add) form, changes one to a few fields (inline rows of
the point and condition forms too) to random values the form accepts (odd unicode, strings
at their maximum length, boundary numbers, every choice, point codes in every valid
spelling, case variants of existing codes and aliases) and submits it. The form either saves
or shows its errors (never a 500); then every public page, htmx panel and sheet answers 200
(or the designed 404 of a draft), through the page cache, which stays on: every save raises
the content version, so a page cached before the edit cannot answer for it.

Each example runs in a savepoint that is rolled back, so Hypothesis can replay it. Runs on
whichever database the suite runs on (SQLite, then PostgreSQL in ``make test``).
"""

import os
from collections import Counter

import pytest
from django.contrib.messages import get_messages
from django.core.cache import cache
from django.db import transaction
from django.test import Client, TestCase
from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st

from points import codes
from points.models import (
    Alias,
    Citation,
    CitationClaim,
    Condition,
    ContentVersion,
    Discrepancy,
    Illustration,
    Indication,
    Meridian,
    Placement,
    Point,
    ReachMethod,
    RedFlag,
    Region,
    Revision,
    Source,
    Status,
)

from .admin_forms import admin_form_data

pytestmark = [pytest.mark.django_db, pytest.mark.fuzz]

FUZZ = settings(
    max_examples=12,
    # CI replays the same examples every run (a red main must mean a change broke something);
    # a developer's run draws new ones each time and finds what CI has not tried yet
    derandomize=os.environ.get("CI") == "true",
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)
REASON = "Random edit (admin fuzz test)"


def admin_edit(client, url, data, approver):
    """Apply one edit through the admin: submit ``data`` (the whole form, as a browser sends
    it) to the add or change form at ``url``; a change readers would see is proposed, and
    ``approver`` (a second person) approves it on its review page. Returns the response: a
    redirect when it was saved or approved, the form with its errors when not."""
    with TestCase.captureOnCommitCallbacks(execute=True):  # the content version's cache entry
        response = client.post(url, {**data, "change_reason": REASON, "reason": REASON})
        if response.status_code == 302 and response["Location"].startswith("/admin/points/revision/"):
            revision = Revision.objects.latest("pk")
            approved = approver.post(response["Location"], {"_approve": "1"})
            assert approved.status_code == 302, approved.content.decode()[:500]
            revision.refresh_from_db()
            if revision.status != "approved":  # refused at approval (e.g. stale): the message says why
                return approver.get(response["Location"])
        return response


# Values an editor may type


def odd_text(max_size, *, min_size=0):
    """Any printable or odd unicode (no NUL: the site refuses it with a 400, and no lone
    surrogates, which no browser can send), at any length up to the field's."""
    chars = st.characters(codec="utf-8", exclude_characters="\x00")
    specials = [
        "<script>alert(1)</script>", "{{ 7|add:1 }} {% now 'Y' %}", "%s %(x)s {0}", "[1] [note] **x**", "&amp; &lt;",
        "Article 1 BL23 E12 C3", "\u202eevil", "🙂" * 10, "足三里", "Zúsānlǐ", "https://example.org/?a=1&b=<2>",
        "line one\nline two", "' OR 1=1 --", "\\", "  padded  ", "x",
    ]  # fmt: skip
    options = [st.text(chars, min_size=max(min_size, 1), max_size=max_size)]
    if max_size:
        options.append(st.text(chars, min_size=max_size, max_size=max_size))  # the longest that fits
    options.append(st.sampled_from([s[:max_size] for s in specials if len(s.strip()) >= min_size]))
    return st.one_of(options).filter(lambda s: len(s.strip()) >= min_size)


def text_for(model, name, *, required=True):
    field = model._meta.get_field(name)
    size = field.max_length or 3000
    return odd_text(size, min_size=1 if required else 0)


SMALL_INTS = st.one_of(st.sampled_from([0, 1, 2, 59, 60, 61, 119, 120, 32767]), st.integers(0, 32767))
SLUG = st.one_of(
    st.from_regex(r"[a-z0-9]{1,12}(-[a-z0-9]{1,12}){0,2}", fullmatch=True),
    st.just("s" * 40),
    st.just("-".join(["ab"] * 13) + "c"),  # 40 characters of words
)
REF = st.from_regex(r"[EC][1-9][0-9]{0,2}", fullmatch=True)
PERCENT = st.decimals(min_value=0, max_value=100, places=2, allow_nan=False, allow_infinity=False).map(str)


def shipped_svgs():
    from django.conf import settings as django_settings

    root = django_settings.BASE_DIR / "static"
    return sorted(str(p.relative_to(root)) for p in (root / "illustrations").glob("*.svg"))


def choices(model, name):
    return st.sampled_from([value for value, _ in model._meta.get_field(name).choices])


def spellings(meridian, number):
    """Every way the form accepts the WHO code of meridian/number: BL23, bl23, Bl-23, BL 023."""
    code = codes.canonical(meridian, number)
    letters = meridian.replace("-", "")
    shapes = [code, code.lower(), code.title(), f"{meridian}-{number}", f"{meridian.lower()} {number:03d}"]
    return st.sampled_from([*shapes, letters + str(number)])


@st.composite
def point_code(draw):
    """A code, with the meridian and number it must agree with."""
    meridian = draw(st.sampled_from(sorted(codes.MERIDIAN_SIZES)))
    number = draw(st.integers(1, codes.MERIDIAN_SIZES[meridian]))
    row = Meridian.objects.get(code=meridian.split("-")[0])
    return {"code": draw(spellings(meridian, number)), "meridian": row.pk, "number": number}


def pks(model, **filters):
    return st.sampled_from(sorted(model.objects.filter(**filters).values_list("pk", flat=True)))


def optional(strategy):
    return st.one_of(st.just(""), strategy)


def main_fields():
    """For each model: field name -> strategy of values the admin form may be given."""
    return {
        Point: {
            "code": None,  # point_code(): with meridian and number
            "region": pks(Region),
            "status": choices(Point, "status"),
            "pinyin": text_for(Point, "pinyin"),
            "hanzi_simplified": text_for(Point, "hanzi_simplified"),
            "hanzi_traditional": text_for(Point, "hanzi_traditional"),
            "english_name": text_for(Point, "english_name"),
            "summary": text_for(Point, "summary"),
            "where": text_for(Point, "where", required=False),
            "location": text_for(Point, "location"),
            "how_to_find": text_for(Point, "how_to_find"),
            "uses": text_for(Point, "uses"),
            "notes": text_for(Point, "notes", required=False),
            "technique_method": text_for(Point, "technique_method"),
            "pressure": choices(Point, "pressure"),
            "hold_seconds_min": SMALL_INTS,
            "hold_seconds_max": SMALL_INTS,
            "repetitions": optional(SMALL_INTS),
            "times_per_day": optional(SMALL_INTS),
            "posture": text_for(Point, "posture", required=False),
            "laterality": choices(Point, "laterality"),
            "reach_alternative": optional(pks(Point)),
            "pregnancy_caution": choices(Point, "pregnancy_caution"),
            "pregnancy_note": text_for(Point, "pregnancy_note", required=False),
            "pregnancy_alternative": optional(pks(Point)),
            "key_caution": text_for(Point, "key_caution", required=False),
            "cautions": text_for(Point, "cautions", required=False),
            "confidence": choices(Point, "confidence"),
            "confidence_note": text_for(Point, "confidence_note", required=False),
            "reference_only": st.booleans(),
        },
        Condition: {
            "slug": SLUG,
            "name": text_for(Condition, "name"),
            "order": SMALL_INTS,
            "status": choices(Condition, "status"),
            "summary": text_for(Condition, "summary"),
            "keywords": text_for(Condition, "keywords", required=False),
            "red_flags": text_for(Condition, "red_flags", required=False),
            "red_flags_source": optional(pks(Source)),
            "red_flags_locator": text_for(Condition, "red_flags_locator", required=False),
            "notes": text_for(Condition, "notes", required=False),
        },
        Source: {
            "key": SLUG,
            "kind": choices(Source, "kind"),
            "title": text_for(Source, "title"),
            "author": text_for(Source, "author", required=False),
            "publisher": text_for(Source, "publisher", required=False),
            "year": text_for(Source, "year", required=False),
            "url": st.sampled_from(["", "https://example.org/a?b=c&d=%3Ce%3E", "http://x.test/" + "a" * 180]),
            "summary": text_for(Source, "summary", required=False),
            "claims": text_for(Source, "claims", required=False),
            "order": SMALL_INTS,
        },
        Discrepancy: {
            "ref": REF,
            "order": SMALL_INTS,
            "severity": choices(Discrepancy, "severity"),
            "claim": text_for(Discrepancy, "claim"),
            "fact": text_for(Discrepancy, "fact"),
            "fact_source": optional(pks(Source)),
            "display": choices(Discrepancy, "display"),
            "point": optional(pks(Point)),
            "condition": optional(pks(Condition)),
            "sources": st.lists(pks(Source), min_size=1, max_size=3, unique=True),
        },
        Illustration: {
            "region": pks(Region),
            "slug": SLUG,
            "view": text_for(Illustration, "view"),
            "static_path": st.sampled_from(shipped_svgs()),
            "alt_text": text_for(Illustration, "alt_text"),
            "description": text_for(Illustration, "description", required=False),
            "credit": text_for(Illustration, "credit"),
            "licence": text_for(Illustration, "licence"),
            "order": SMALL_INTS,
            "overview": st.booleans(),
        },
        Region: {
            "slug": SLUG,
            "name": text_for(Region, "name"),
            "order": SMALL_INTS,
            "description": text_for(Region, "description", required=False),
        },
        Meridian: {"name": text_for(Meridian, "name"), "order": SMALL_INTS},
        RedFlag: {
            "group": choices(RedFlag, "group"),
            "text": text_for(RedFlag, "text"),
            "order": SMALL_INTS,
            "source": pks(Source),
            "locator": text_for(RedFlag, "locator", required=False),
        },
        Placement: {"x": PERCENT, "y": PERCENT, "side": choices(Placement, "side")},
    }


def inline_fields():
    """Inline rows by formset prefix: field name -> strategy (rows of the point and condition forms)."""
    use = {
        "order": SMALL_INTS,
        "role": choices(Indication, "role"),
        "note": text_for(Indication, "note", required=False),
        "pressure_locator": text_for(Indication, "pressure_locator", required=False),
        "evidence_locator": text_for(Indication, "evidence_locator", required=False),
    }
    return {
        "aliases": {
            "text": text_for(Alias, "text"),
            "kind": choices(Alias, "kind"),
            "ambiguous": st.booleans(),
            "note": text_for(Alias, "note", required=False),
        },
        "citations": {
            "claim": st.sampled_from(CitationClaim.values),
            "source": pks(Source),
            "locator": text_for(Citation, "locator", required=False),
            "note": text_for(Citation, "note", required=False),
        },
        "reach_methods": {
            "kind": choices(ReachMethod, "kind"),
            "how": text_for(ReachMethod, "how"),
            "source": optional(pks(Source)),
            "locator": text_for(ReachMethod, "locator", required=False),
        },
        "indications": {**use, "condition": pks(Condition)},
    }


def set_field(data, key, value):
    if value is True:
        data[key] = "on"
    elif value is False or value is None:
        data.pop(key, None)  # an unticked box is not sent
    else:
        data[key] = value


@st.composite
def edit(draw, client):
    """(url, data): a form read from the admin and a few of its fields changed."""
    model = draw(st.sampled_from(MODELS))
    obj = model.objects.get(pk=draw(pks(model)))
    name = model._meta.model_name
    adding = model in (Point, Condition, Source, Region, Discrepancy) and draw(st.integers(0, 5)) == 0
    url = f"/admin/points/{name}/{obj.pk}/change/"
    data = admin_form_data(client, url)
    if adding:  # a new record from a copy of this one's fields (no inline rows)
        url = f"/admin/points/{name}/add/"
        fresh = admin_form_data(client, url)
        data = {k: v for k, v in data.items() if "-" not in k} | {k: v for k, v in fresh.items() if "-" in k}
        data.pop("version", None)
        unique = {Point: None, Condition: "slug", Source: "key", Region: "slug", Discrepancy: "ref"}[model]
        if unique:
            data[unique] = draw(main_fields()[model][unique])
    fields = main_fields()[model]
    for field in draw(st.lists(st.sampled_from(sorted(fields)), min_size=0 if adding else 1, max_size=3, unique=True)):
        if field == "code":
            data.update(draw(point_code()))
        else:
            set_field(data, field, draw(fields[field]))
    if model is Point and adding:
        data.update(draw(point_code()))
    if model is Point and draw(st.booleans()):
        data["code"] = draw(st.sampled_from([data["code"].lower(), data["code"].swapcase(), data["code"]]))
    if not adding and model in (Point, Condition):
        _inline_edits(draw, data)
    note(f"{url} {sorted(k for k in data if k != 'csrfmiddlewaretoken')}")
    return url, data


def _inline_edits(draw, data):
    """Change, add or delete a few inline rows (a case variant of an alias too)."""
    prefixes = [k.removesuffix("-TOTAL_FORMS") for k in data if k.endswith("-TOTAL_FORMS")]
    rows = inline_fields()
    for prefix in draw(st.lists(st.sampled_from(sorted(p for p in prefixes if p in rows)), max_size=2, unique=True)):
        total = int(data[f"{prefix}-TOTAL_FORMS"])
        action = draw(st.sampled_from(["change", "add", "delete", "case"]))
        if action in ("change", "delete", "case") and total == 0:
            action = "add"
        if action == "add":
            i = total
            data[f"{prefix}-TOTAL_FORMS"] = total + 1
            for field, strategy in rows[prefix].items():
                set_field(data, f"{prefix}-{i}-{field}", draw(strategy))
            continue
        i = draw(st.integers(0, total - 1))
        if action == "delete":
            data[f"{prefix}-{i}-DELETE"] = "on"
        elif action == "case" and prefix == "aliases":
            data[f"{prefix}-{i}-text"] = draw(
                st.sampled_from(sorted(Alias.objects.values_list("text", flat=True)))
            ).swapcase()
        else:
            for field in draw(st.lists(st.sampled_from(sorted(rows[prefix])), min_size=1, max_size=2, unique=True)):
                set_field(data, f"{prefix}-{i}-{field}", draw(rows[prefix][field]))


# Every public page


def public_pages():
    """(path, headers, expected status) for every public page, panel and sheet."""
    anon = {}
    hx = {"HX-Request": "true"}
    pages = [(p, anon, 200) for p in ("/", "/conditions/", "/how-to-press/", "/safety/", "/sources/")]
    pages += [(f"/regions/{slug}/", anon, 200) for slug in Region.objects.values_list("slug", flat=True)]
    pages += [(f"/regions/{Region.objects.first().slug}/?pregnant=1", anon, 200)]
    published = []
    for slug, status in Point.objects.values_list("slug", "status"):
        expected = 200 if status == Status.PUBLISHED else 404
        pages += [(f"/points/{slug}/", anon, expected), (f"/points/{slug}/", hx, expected)]
        pages += [(f"/points/{slug}/sheet/", anon, expected)]
        if status == Status.PUBLISHED:
            published.append(slug)
    pages += [(f"/points/{published[0]}/?pregnant=1", anon, 200)] if published else []
    for slug, status in Condition.objects.values_list("slug", "status"):
        expected = 200 if status == Status.PUBLISHED else 404
        pages += [(f"/conditions/{slug}/", anon, expected), (f"/conditions/{slug}/sheet/", anon, expected)]
    chosen = ",".join(published[:6])
    pages += [(f"/sheet/?points={chosen}", anon, 200), (f"/sheet/tray/?points={chosen}&add=bl23", hx, 200)]
    for q in ("bl23", "li11", "back", "hegu", "zz"):
        pages += [(f"/search/?q={q}", anon, 200), (f"/search/?q={q}", hx, 200)]
    return pages


def broken_pages(reader):
    """The pages that did not answer as designed: [(path, headers, status)]."""
    broken = []
    for path, headers, expected in public_pages():
        status = reader.get(path, headers=headers).status_code
        if status != expected and not (expected == 200 and status in (301, 302) and path.startswith("/sheet/")):
            broken.append((path, headers, status))
    return broken


def _superuser(django_user_model, name):
    user = django_user_model.objects.create_superuser(name, f"{name}@example.org", "a-long-test-passphrase-1")
    client = Client(raise_request_exception=False)
    client.force_login(user)
    return client


@pytest.fixture
def superuser_client(django_user_model):
    return _superuser(django_user_model, "fuzz")


@pytest.fixture
def approver_client(django_user_model):
    return _superuser(django_user_model, "fuzz-reviewer")


MODELS = [Point, Condition, Source, Discrepancy, Illustration, Region, Meridian, RedFlag, Placement]


def test_random_admin_edits_never_break_a_public_page(superuser_client, approver_client):
    reader = Client(raise_request_exception=False)
    assert broken_pages(reader) == []  # the shipped guide itself
    outcomes = Counter()

    @FUZZ
    @given(data=st.data())
    def one_edit(data):
        cache.clear()
        with transaction.atomic():
            for _ in range(data.draw(st.integers(1, 4), label="edits before the pages are read")):
                before = ContentVersion.current()
                url, form = data.draw(edit(superuser_client))
                response = admin_edit(superuser_client, url, form, approver_client)
                assert response.status_code in (200, 302), (url, response.status_code)
                said = [str(m) for m in get_messages(response.wsgi_request)]
                if response.status_code == 302 and any(m.startswith("Nothing changed") for m in said):
                    outcomes["unchanged"] += 1  # the values drawn were the live ones
                    assert ContentVersion.current() == before
                elif response.status_code == 302:
                    outcomes["saved"] += 1
                    assert ContentVersion.current() != before, "a save must make every cached page obsolete"
                else:
                    outcomes["refused"] += 1
                    html = response.content.decode()
                    assert "errorlist" in html or "errornote" in html, f"{url}: the form again, without an error"
            assert broken_pages(reader) == []
            transaction.set_rollback(True)

    one_edit()
    # the values are valid ones: most edits must be saved, or the test would only try forms
    assert outcomes["saved"] >= outcomes["refused"], outcomes
