"""Words that restate a safety fact (pressure, pregnancy level, reach) in free text.

Each of those facts is stored once and rendered by one template tag, inside an element
marked ``data-fact``; the same words anywhere else on a page are a second copy, and a
second copy is how two pages came to disagree (issue 10). The consistency test runs
these patterns over every rendered page; ``python -m tests.restated fixtures`` runs them
over the shipped content, for editors.
"""

import json
import re
import sys
from pathlib import Path

LEVEL = (
    r"gentle|gentler|gently|light|lighter|lightly|moderate|moderately|firm|firmer|firmly|"
    r"deep|deeper|deeply|hard|harder|strong|stronger|strongly|soft|softly"
)
ACTION = r"press\w*|push\w*|touch|stimulation|massage\w*|circles?"
PRESSURE = re.compile(
    rf"\b(?:{LEVEL})\b(?:\W+\w+){{0,3}}?\W+(?:{ACTION})\b|\b(?:{ACTION})\b(?:\W+\w+){{0,2}}?\W+(?:{LEVEL})\b"
    r"|\bgentle only\b",
    re.IGNORECASE,
)
PREGNANCY = re.compile(
    r"[^.;:]*\bpregnan\w*[^.;:]*",
    re.IGNORECASE,
)
PREGNANCY_LEVEL = re.compile(
    r"\b(?:avoid\w*|gentl\w*|light\w*|leave\b[^.]{0,20}\bout|skip\w*|forbid\w*|contraindicat\w*|caution\w*|"
    r"not at all|do not (?:use|press)|never (?:use|press)|safe)\b",
    re.IGNORECASE,
)
REACH = re.compile(
    r"\breach\w* (?:it|them|this point|these points|the points?)\b[^.]{0,20}\byourself\b|\btennis ball|"
    r"\bpartner\b|\bsomeone else\b|\bagainst a wall\b|\bhard to reach\b|\bcannot reach\b",
    re.IGNORECASE,
)
# the pressure a level word stands for
FAMILY = {
    **dict.fromkeys(["gentle", "gentler", "gently", "light", "lighter", "lightly", "soft", "softly"], "gentle"),
    **dict.fromkeys(["moderate", "moderately"], "moderate"),
    **dict.fromkeys(["firm", "firmer", "firmly", "deep", "deeper", "deeply", "hard", "harder", "strong", "stronger",
                     "strongly"], "firm"),
}  # fmt: skip
# what a pregnancy note (the reason, shown inside the pregnancy fact) must not say for each level
CONTRADICTS = {
    "gentle": re.compile(
        r"\b(?:avoid\w*|leave\b[^.]{0,20}\bout|skip|not at all|do not (?:use|press)|never (?:use|press)|"
        r"forbidden|contraindicated)\b",
        re.IGNORECASE,
    ),
    "avoid": re.compile(
        r"\b(?:gently|gentle only|lightly|light pressure|safe|palm only|gentle palm|only a palm)\b", re.IGNORECASE
    ),
    "none": re.compile(r"\b(?:avoid\w*|forbidden|contraindicated|gentle only)\b", re.IGNORECASE),
}


def restated(text, *, reach=True):
    """The phrases in ``text`` that restate a safety fact (empty when there are none)."""
    found = [m.group(0) for m in PRESSURE.finditer(text)]
    found += [m.group(0).strip() for m in PREGNANCY.finditer(text) if PREGNANCY_LEVEL.search(m.group(0))]
    if reach:
        found += [m.group(0) for m in REACH.finditer(text)]
    return found


# free-text fields of the shipped content; pregnancy_note is the reason and is checked
# against the level instead
POINT_TEXT = [
    "summary",
    "where",
    "location",
    "how_to_find",
    "uses",
    "key_caution",
    "cautions",
    "notes",
    "confidence_note",
]
TECHNIQUE_TEXT = ["method", "posture"]


def _fixture_problems(fixtures):
    fixtures = Path(fixtures)
    for path in sorted((fixtures / "points").glob("*.json")):
        item = json.loads(path.read_text())
        texts = [(f, item.get(f, "")) for f in POINT_TEXT] + [(f, item["technique"][f]) for f in TECHNIQUE_TEXT]
        for name, text in texts:
            for phrase in restated(text):
                yield f"{path.name} {name}: {phrase!r}"
        level = item["pregnancy_caution"]
        for m in CONTRADICTS[level].finditer(item["pregnancy_note"]):
            yield f"{path.name} pregnancy_note contradicts {level!r}: {m.group(0)!r}"
        # a citation's note is shown in the footnotes, beside the facts it cites: it may
        # say what the source says, but not a level other than the point's
        pressure = item["technique"]["pressure"]
        for n, citation in enumerate(item["citations"]):
            note = citation.get("note", "")
            for phrase in PRESSURE.findall(note):
                others = {FAMILY[w] for w in re.findall(r"\w+", phrase.lower()) if w in FAMILY} - {pressure}
                if others:
                    yield f"{path.name} citations[{n}] note says {sorted(others)}, point is {pressure!r}: {phrase!r}"
            for m in CONTRADICTS[level].finditer(note):
                yield f"{path.name} citations[{n}] note contradicts {level!r}: {m.group(0)!r}"
    for condition in json.loads((fixtures / "conditions.json").read_text()):
        flags = condition["red_flags"]
        texts = [("summary", condition["summary"]), ("red_flags", flags["text"] if isinstance(flags, dict) else flags)]
        texts += [("notes", condition.get("notes", ""))]
        texts += [(f"indication {i['point']}", i.get("note", "")) for i in condition["indications"]]
        for name, text in texts:
            for phrase in restated(text):
                yield f"conditions.json {condition['slug']} {name}: {phrase!r}"
    for source in json.loads((fixtures / "sources.json").read_text()):
        # what a source is and why we use it (its "claims" are what it says, kept as it says them)
        for phrase in PRESSURE.findall(source.get("summary", "")):
            yield f"sources.json {source['key']} summary: {phrase!r}"
    for item in json.loads((fixtures / "discrepancies.json").read_text()):
        for phrase in restated(item["fact"], reach=False):  # the claim is what a source said: kept as said
            yield f"discrepancies.json {item['ref']} fact: {phrase!r}"


if __name__ == "__main__":
    problems = list(_fixture_problems(sys.argv[1] if len(sys.argv) > 1 else "fixtures"))
    print("\n".join(problems) or "no restated safety facts")
    print(f"{len(problems)} problem(s)", file=sys.stderr)
    sys.exit(1 if problems else 0)
