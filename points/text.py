"""Text folding shared by search, aliases and the content loader.

``fold`` turns every way people write a point name into one comparable key:
case, tone marks, spaces, hyphens, dots and apostrophes do not matter
("Zúsānlǐ", "Zu San Li", "zusanli" all fold to "zusanli"; "BL-23" to "bl23").
Chinese characters are kept as they are.
"""

import unicodedata


def strip_controls(text):
    """Remove control characters (NUL, escapes, bidi controls) from user input."""
    return "".join(ch for ch in text if ch in "\t\n\r" or unicodedata.category(ch) not in {"Cc", "Cf", "Cs", "Co"})


def fold(text):
    decomposed = unicodedata.normalize("NFKD", text or "")
    kept = []
    for ch in decomposed:
        category = unicodedata.category(ch)
        if category.startswith("M"):  # combining marks: tones, accents
            continue
        if category[0] in {"L", "N"}:
            kept.append(ch.lower())
    return unicodedata.normalize("NFC", "".join(kept))
