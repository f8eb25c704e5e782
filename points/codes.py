"""Reading point codes the way people write them.

People write BL23 as UB23, B23, Bl-23, V23 or "bl 023"; LR3 as LV3 or Liv3; TE5 as
TW5 or SJ5. Older (Gach-style) books number the middle of the bladder channel
differently, so B47 in those books is WHO BL52. ``readings`` returns every WHO
code a spelling can stand for, each with the reason.
"""

import re
from dataclasses import dataclass

from .text import fold

# Every prefix we accept, folded to lower case, and the WHO meridian it means.
PREFIXES = {
    "li": "LI", "co": "LI",
    "st": "ST", "s": "ST",
    "sp": "SP",
    "bl": "BL", "ub": "BL", "b": "BL", "v": "BL",
    "ki": "KI", "k": "KI", "kd": "KI", "kid": "KI",
    "te": "TE", "tw": "TE", "sj": "TE", "th": "TE", "tb": "TE",
    "gb": "GB", "g": "GB",
    "lr": "LR", "lv": "LR", "liv": "LR",
    "gv": "GV", "du": "GV",
    "cv": "CV", "ren": "CV",
    "exue": "EX-UE", "ex": "EX-UE", "mue": "EX-UE",
}  # fmt: skip

# Prefixes used by authors who follow the old (Gach-style) bladder numbering.
OLD_NUMBERING_PREFIXES = {"b", "ub"}

MERIDIAN_SIZES = {
    "LI": 20, "ST": 45, "SP": 21, "BL": 67, "KI": 27, "TE": 23,
    "GB": 44, "LR": 14, "GV": 28, "CV": 24, "EX-UE": 11,
}  # fmt: skip

CODE_RE = re.compile(r"^([a-z]+)0*(\d{1,3})$")


def old_bladder_to_who(number):
    """Old-style B36-B54 to the WHO number; None where the systems agree."""
    if 36 <= number <= 49:
        return number + 5
    if 50 <= number <= 54:
        return number - 14
    return None


@dataclass(frozen=True)
class Reading:
    code: str
    why: str
    numbering: str = "who"  # "who" or "old"


def canonical(meridian, number):
    return f"{meridian}{number}"


def readings(text):
    """All WHO codes ``text`` can mean as a point code, most likely first.

    Returns an empty list when ``text`` is not a code at all."""
    match = CODE_RE.match(fold(text))
    if not match:
        return []
    prefix, number = match.group(1), int(match.group(2))
    meridian = PREFIXES.get(prefix)
    if meridian is None or not 1 <= number <= MERIDIAN_SIZES[meridian]:
        return []
    who = Reading(canonical(meridian, number), "point code")
    if meridian != "BL" or prefix not in OLD_NUMBERING_PREFIXES:
        return [who]
    old = old_bladder_to_who(number)
    if old is None:
        return [who]
    spelled = f"{prefix.upper()}{number}"
    return [
        Reading(
            canonical("BL", old),
            f"{spelled} in the old (Gach-style) bladder numbering used by several "
            f"articles is BL{old} in the WHO numbering",
            "old",
        ),
        Reading(
            who.code,
            f"{spelled} read with WHO numbering is BL{number}",
        ),
    ]


def slug_for(code):
    return code.lower()


@dataclass(frozen=True)
class WhoCode:
    code: str  # canonical, e.g. BL23 or EX-UE7
    meridian: str  # the code's meridian as MERIDIAN_SIZES names it (BL, EX-UE)
    number: int

    @property
    def family(self):
        """The ``Meridian`` row's code: EX-UE7 is one of the extra points (EX)."""
        return self.meridian.split("-")[0]


# The WHO spelling of each meridian, folded as CODE_RE reads it ("exue" for EX-UE).
WHO_PREFIXES = {fold(meridian): meridian for meridian in MERIDIAN_SIZES}
MERIDIAN_FAMILIES = frozenset(meridian.split("-")[0] for meridian in MERIDIAN_SIZES)


def who_code(text):
    """``text`` as a WHO point code (BL23, "bl-23", "Bl 023" all read as BL23), or None when
    it is not one: another spelling (UB23, Liv3), an unknown meridian or a number the
    meridian does not have. What a point's own code must be: it is the page's address."""
    match = CODE_RE.match(fold(text or ""))
    if not match or match.group(1) not in WHO_PREFIXES:
        return None
    meridian, number = WHO_PREFIXES[match.group(1)], int(match.group(2))
    if not 1 <= number <= MERIDIAN_SIZES[meridian]:
        return None
    return WhoCode(canonical(meridian, number), meridian, number)
