"""Plain language first, evidence one tap away (issue 11, deliverable 2).

The body of a page speaks to the reader in the guide's own voice: where the point is, how
to press it, what it is used for, what to watch out for. Which article said what, the E and
C codes, how sure an identification is and where sources disagree belong in the evidence
fields (a point's ``notes`` and ``confidence_note``, a condition's ``notes``, the
discrepancies and the citation notes), shown under "Evidence and corrections". The citation
marks already say where each body claim comes from.

Also: every point a reader may press has one plain ``where`` sentence (the first screen on a
phone) and one ``key_caution`` sentence.

Checked on the shipped fixtures and on the loaded database (what an editor saved in the
admin is checked by the same rules). For editors: ``python -m tests.test_plain_language fixtures``.
"""

import json
import re
import sys
from pathlib import Path

import pytest

# What source talk looks like in body text. Case-insensitive unless the pattern sets (?-i).
SOURCE_TALK = [
    r"\barticles?\b",  # "Article-002 says", "article 2", "four of the five articles", "the article's claims"
    r"(?-i:\b[EC]\d{1,2}\b)",  # discrepancy codes: E14, C1
    r"\bidentifi(?:cation|ed)\b",  # "possible identification", "probable identification only"
    r"\bwe (?:could|can)(?: not|not|n't) (?:verify|confirm|be sure|identify)\b",  # "we could not verify"
    r"\bwe have(?: not|n't) (?:checked|verified|confirmed)\b",
    r"\b(?:unverified|unconfirmed)\b",
    r"\b(?:sources|references) (?:we checked|say|differ|disagree)\b",
    r"(?-i:\b(?:WHO|Gach|Deadman)\b)",  # naming a standard or book: the citation mark does that
]
SOURCE_TALK_RE = re.compile("|".join(SOURCE_TALK), re.IGNORECASE)

# the fields a reader meets before "Evidence and corrections"
POINT_BODY = ["summary", "where", "location", "how_to_find", "uses", "cautions", "key_caution", "pregnancy_note"]
TECHNIQUE_BODY = {"method": "technique_method", "posture": "posture"}  # fixture key: model field
WHERE_MAX = 160


def source_talk(text):
    """The phrases in ``text`` that talk about sources instead of to the reader."""
    return [m.group(0) for m in SOURCE_TALK_RE.finditer(text or "")]


def one_sentence(text):
    """True for one sentence on one line, ending with a full stop (or ! / ?)."""
    text = (text or "").strip()
    return bool(text) and "\n" not in text and text[-1] in ".!?" and not re.search(r"[.!?;]\s+\S", text)


def fixture_body(fixtures):
    """(where, field, text) for every body field of the shipped content."""
    fixtures = Path(fixtures)
    for path in sorted((fixtures / "points").glob("*.json")):
        item = json.loads(path.read_text())
        for name in POINT_BODY:
            yield path.name, name, item.get(name, "")
        for name in TECHNIQUE_BODY:
            yield path.name, f"technique.{name}", item["technique"][name]
        for way in item["reach"]:
            yield path.name, f"reach {way['kind']}", way["how"]
    for condition in json.loads((fixtures / "conditions.json").read_text()):
        where = f"conditions.json {condition['slug']}"
        yield where, "summary", condition["summary"]
        yield where, "red_flags", (condition["red_flags"] or {}).get("text", "")
        for ind in condition["indications"]:
            yield where, f"indication {ind['point']}", ind.get("note", "")


def database_body():
    """The same fields as saved in the database (published content only)."""
    from points.models import Condition, Indication, Point, ReachMethod, Status

    for point in Point.objects.published():
        for name in POINT_BODY:
            yield point.code, name, getattr(point, name)
        for name in TECHNIQUE_BODY.values():
            yield point.code, name, getattr(point, name)
    for way in ReachMethod.objects.filter(point__status=Status.PUBLISHED).select_related("point"):
        yield way.point.code, f"reach {way.kind}", way.how
    for condition in Condition.objects.published():
        yield condition.slug, "summary", condition.summary
        yield condition.slug, "red_flags", condition.red_flags
    for ind in Indication.objects.filter(condition__status=Status.PUBLISHED).select_related("point", "condition"):
        yield ind.condition.slug, f"indication {ind.point.code}", ind.note


def source_talk_problems(rows):
    return [f"{where} {name}: {phrase!r}" for where, name, text in rows for phrase in source_talk(text)]


def plain_line_problems(points):
    """``points``: (where, reference_only, where_text, key_caution) for every published point."""
    problems = []
    for label, reference_only, where, caution in points:
        if not reference_only or where:
            if not where:
                problems.append(f"{label}: no 'where' sentence")
            elif len(where) > WHERE_MAX or not one_sentence(where):
                problems.append(f"{label}: 'where' must be one sentence of at most {WHERE_MAX} characters: {where!r}")
        if not reference_only and not caution:
            problems.append(f"{label}: no 'key_caution'")
        if caution and not one_sentence(caution):
            problems.append(f"{label}: 'key_caution' must be one sentence: {caution!r}")
        if re.search(r"pregnan", caution or "", re.IGNORECASE):
            problems.append(f"{label}: 'key_caution' gives pregnancy advice (it has its own fields): {caution!r}")
    return problems


def fixture_points(fixtures):
    for path in sorted((Path(fixtures) / "points").glob("*.json")):
        item = json.loads(path.read_text())
        yield path.name, item["reference_only"], item.get("where", ""), item.get("key_caution", "")


# -- the lint itself catches what the issue found, and lets plain text through


@pytest.mark.parametrize(
    "text",
    [
        "Article-002 suggests steady pressure for 1 to 2 minutes.",
        "The waist-level point that four of the five articles recommend.",
        "As article 2 warns, do not press a weak back.",
        "Articles 001 and 002 recommend it.",
        "These are the article's claims.",
        "Calls it the Lower Back Points (see E14 and C1).",
        "Possible identification only: the nearest named point.",
        "It also claims these points improve kidney function, which we could not verify.",
        "No special cautions in the references we checked.",
        "In WHO terms it lies midway between LU5 and the elbow bump.",
    ],
)
def test_source_talk_is_caught(text):
    assert source_talk(text), text


@pytest.mark.parametrize(
    "text",
    [
        "Hold steady pressure for 1 to 2 minutes.",
        "On the lower back at waist level, two finger-widths either side of the spine.",
        "Level with the bony bump of the seventh neck vertebra (the one that stands out when you bow your head).",
        "Older charts number this point B47; its standard code is BL52.",
        "Do not press on the spine itself or over a recent injury.",
    ],
)
def test_plain_text_passes(text):
    assert not source_talk(text), source_talk(text)


def test_one_sentence_rule():
    assert one_sentence("On the lower back at waist level, two finger-widths either side of the spine.")
    assert one_sentence("About 1.5 cun out.")
    assert not one_sentence("On the lower back. At waist level.")
    assert not one_sentence("On the lower back; at waist level.")
    assert not one_sentence("On the lower back\nat waist level.")
    assert not one_sentence("On the lower back")
    assert not one_sentence("")


# -- the shipped content


def test_fixture_body_text_speaks_to_the_reader(settings):
    problems = source_talk_problems(fixture_body(settings.GUIDE_FIXTURES_DIR))
    assert not problems, f"{len(problems)} source-talk phrases in body text:\n" + "\n".join(problems[:60])


def test_fixture_points_have_plain_where_and_key_caution_lines(settings):
    problems = plain_line_problems(fixture_points(settings.GUIDE_FIXTURES_DIR))
    assert not problems, "\n".join(problems)


# -- the loaded database (the same rules hold for what is served)


@pytest.mark.django_db
def test_database_body_text_speaks_to_the_reader():
    problems = source_talk_problems(database_body())
    assert not problems, f"{len(problems)} source-talk phrases in body text:\n" + "\n".join(problems[:60])


@pytest.mark.django_db
def test_database_points_have_plain_where_and_key_caution_lines():
    from points.models import Point

    points = Point.objects.published()
    assert points.filter(reference_only=False).count() >= 25
    rows = [(p.code, p.reference_only, p.where, p.key_caution) for p in points]
    assert not (problems := plain_line_problems(rows)), "\n".join(problems)


@pytest.mark.django_db
def test_source_talk_saved_in_the_admin_is_caught_in_the_database():
    from points.models import Indication, Point

    point = Point.objects.get(code="BL23")
    point.uses = "Article-002 suggests it for tension in the lower back."
    point.save()
    Indication.objects.filter(point__code="SP6").update(note="Possible identification only (see E20).")
    problems = source_talk_problems(database_body())
    assert "BL23 uses: 'Article'" in problems
    assert any(p.endswith("indication SP6: 'identification'") for p in problems)
    assert any(p.endswith("indication SP6: 'E20'") for p in problems)


if __name__ == "__main__":
    fixtures = sys.argv[1] if len(sys.argv) > 1 else "fixtures"
    found = source_talk_problems(fixture_body(fixtures)) + plain_line_problems(fixture_points(fixtures))
    print("\n".join(found) or "body text is plain: no source talk, every point has its two lines")
    print(f"{len(found)} problem(s)", file=sys.stderr)
    sys.exit(1 if found else 0)
