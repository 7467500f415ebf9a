"""Reading real exports' XML: streamed, forgiving, and never reaching outside the file.

lxml's iterparse in recover mode reads on past a broken tag or an undeclared prefix and logs what it mended;
entities are never resolved (no external entity is fetched, no entity bomb expands) and the network is never used.
Before the parser sees the bytes, `Cleaned` mends what exports commonly get wrong and a parser would drop: HTML
entities such as `&nbsp;` (undefined in XML), a bare `&`, and control characters XML forbids.
"""

import html.entities
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, Any

from lxml import etree

_XML_ENTITIES = frozenset({b"amp", b"lt", b"gt", b"quot", b"apos"})
_REFERENCE = re.compile(rb"&(#[0-9]{1,8};|#[xX][0-9a-fA-F]{1,8};|([A-Za-z][A-Za-z0-9]{0,31});)?")
# XML 1.0 allows tab, newline and carriage return below 0x20; one byte each in UTF-8, never inside a longer sequence.
_CONTROL = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_HELD_BACK = 48  # an entity cut by a read boundary is finished by the next read


def _mend_reference(match: re.Match[bytes]) -> bytes:
    if match.group(1) is None:
        return b"&amp;"
    name = match.group(2)
    if name is None or name in _XML_ENTITIES:
        return match.group(0)
    text = html.entities.html5.get(name.decode() + ";")
    if text is None:
        return b"&amp;" + name + b";"
    return b"".join(b"&#%d;" % ord(ch) for ch in text)


class Cleaned:
    """A binary file as the parser reads it, with entities and control characters mended (see the module)."""

    def __init__(self, raw: IO[bytes], chunk: int = 1 << 16) -> None:
        self.raw = raw
        self.chunk = chunk
        self.rest = b""
        self.done = False

    def read(self, size: int = -1) -> bytes:
        while not self.done and len(self.rest) < max(size, 1) + _HELD_BACK:
            data = self.raw.read(self.chunk)
            if not data:
                self.done = True
            self.rest += data
        if self.done:
            ready, self.rest = self.rest, b""
        else:
            cut = self.rest.rfind(b"&", len(self.rest) - _HELD_BACK)
            cut = cut if cut >= 0 else len(self.rest)
            ready, self.rest = self.rest[:cut], self.rest[cut:]
        return _REFERENCE.sub(_mend_reference, _CONTROL.sub(b"", ready))


def parse(raw: IO[bytes]) -> Any:
    """Events ("start" and "end") over the file, from a parser that recovers, resolves no entity and fetches
    nothing; its `error_log` holds what it mended."""
    return etree.iterparse(
        Cleaned(raw),
        events=("start", "end"),
        recover=True,
        resolve_entities=False,
        no_network=True,
        huge_tree=True,
        load_dtd=False,
        remove_comments=True,
        remove_pis=True,
    )


def name(element: Any) -> str:
    """An element's name without its namespace or prefix ("{http://wordpress.org/export/1.2/}post_id" and
    "wp:post_id" are both "post_id"), so every WXR version and an undeclared prefix read alike."""
    tag = element.tag
    if not isinstance(tag, str):
        return ""
    return tag.rpartition("}")[2].rpartition(":")[2]


def space(element: Any) -> str:
    """An element's namespace, or its undeclared prefix: what tells content:encoded from excerpt:encoded."""
    tag = element.tag
    if not isinstance(tag, str):
        return ""
    if tag.startswith("{"):
        return tag[1:].partition("}")[0]
    return tag.partition(":")[0] if ":" in tag else ""


def text(element: Any) -> str:
    """All the text inside an element, nested elements included (a stray tag in recover mode becomes one)."""
    if element is None:
        return ""
    return "".join(element.itertext())


def children(element: Any) -> Iterator[Any]:
    """The element's child elements (comments and processing instructions left out)."""
    return (child for child in element if isinstance(child.tag, str))


def fields(element: Any) -> dict[str, str]:
    """Each child's name and text; of a name given twice, the first."""
    found: dict[str, str] = {}
    for child in children(element):
        found.setdefault(name(child), text(child))
    return found


def attribute(element: Any, wanted: str) -> str:
    """An attribute by its name without namespace (dsq:id, {http://disqus.com/disqus-internals}id and id alike)."""
    for key, value in element.attrib.items():
        if key.rpartition("}")[2].rpartition(":")[2] == wanted:
            return str(value)
    return ""


def release(element: Any) -> None:
    """Free a handled element and the siblings before it, so memory holds one record at a time."""
    element.clear(keep_tail=False)
    parent = element.getparent()
    if parent is not None:
        while element.getprevious() is not None:
            del parent[0]


@dataclass(frozen=True)
class Problem:
    """Something the parser mended that may have cost text: where, and its own words."""

    line: int
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}"


class Damage:
    """The parser's log, handed out by line. It reads ahead, so what it logged may lie past the record at hand:
    a reader hands a record the problems before the line where the next record starts.

    Only problems that may lose text count (a tag left open, the file cut short); an undeclared prefix or an
    entity already mended by `Cleaned` costs nothing.
    """

    def __init__(self, events: Any) -> None:
        self.events = events
        self.taken = 0
        self.waiting: list[Problem] = []

    def before(self, line: int | None) -> list[Problem]:
        """The problems logged so far on lines before `line` (all of them for None), each handed out once."""
        log = self.events.error_log
        for index in range(self.taken, len(log)):
            entry = log[index]
            message = str(entry.message).strip()
            if "prefix" not in message and "Entity" not in message:
                self.waiting.append(Problem(int(entry.line), message))
        self.taken = len(log)
        found = [problem for problem in self.waiting if line is None or problem.line < line]
        self.waiting = [problem for problem in self.waiting if not (line is None or problem.line < line)]
        return found
