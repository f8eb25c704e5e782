"""Numbered footnotes for one rendered page.

Every page gets a fresh ``CitationList`` (context processor). Templates add
citations with ``{% cite %}`` / ``{% cite_refs %}`` and print the numbered list
with ``{% cited_sources %}``; numbers are shared, so a source cited twice with
the same locator keeps one number.
"""

from dataclasses import dataclass


@dataclass
class Footnote:
    number: int
    key: str
    locator: str
    note: str
    source: object = None


class CitationList:
    def __init__(self):
        self.pending = []
        self.numbers = {}

    def add(self, key, *, locator="", note="", source=None):
        ident = (key, locator)
        if ident not in self.numbers:
            self.numbers[ident] = len(self.numbers) + 1
            self.pending.append(Footnote(self.numbers[ident], key, locator, note, source))
        return self.numbers[ident]

    def drain(self):
        pending, self.pending = self.pending, []
        return pending


def page_citations(request):
    return {"page_citations": CitationList()}
