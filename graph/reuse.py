"""A previous build's graph files, read back for the graphs an update keeps.

``policykg build --update`` writes ``graph.nq``, ``graph.trig`` and ``graph.ttl`` again
from every graph. The lines of a kept graph are already in the previous ``graph.nq`` and
its TriG body in the previous ``graph.trig`` (one ``<graph> {`` block per graph, at the
start of a line, triples indented), byte for byte what dumping it from the store and
serialising it again would give, since the build fingerprint is unchanged: reading them
back costs a pass over two files instead of a store dump per graph.

>>> blocks = trig_blocks(b'@prefix e: <http://e/> .\\n<http://e/g1> {\\n\\te:s e:p 1 .\\n}\\n'
...                      b'<http://e/g2> {\\n\\te:s e:p 2 .\\n}\\n')
>>> sorted(blocks)
['http://e/g1', 'http://e/g2']
"""

from __future__ import annotations

import mmap
import re
from collections.abc import Iterator
from pathlib import Path

from policykg.graph.serialize import GRAPH_FILES

_BLOCK = re.compile(rb"^<([^>\n]*)> \{\n", re.MULTILINE)
_CHUNK = 16 << 20


def trig_blocks(text: bytes | mmap.mmap) -> dict[str, slice]:
    """Where each graph's block is in a ``graph.trig``: ``{graph IRI: slice}``."""
    starts = [(m.group(1).decode(), m.start()) for m in _BLOCK.finditer(text)]
    ends = [start for _, start in starts[1:]] + [len(text)]
    return {graph: slice(start, end) for (graph, start), end in zip(starts, ends, strict=True)}


class PreviousGraphFiles:
    """The ``graph.nq`` and ``graph.trig`` of a previous build, opened for reading.

    Use as a context manager. :meth:`trig_body` gives one graph's TriG block,
    :meth:`nquads` the lines of some graphs. :func:`open_previous` returns None when the
    files are missing or do not hold every graph asked for.
    """

    def __init__(self, folder: Path):
        self._files = [open(folder / GRAPH_FILES[k], "rb") for k in ("trig", "nquads")]  # noqa: SIM115
        self._trig = mmap.mmap(self._files[0].fileno(), 0, access=mmap.ACCESS_READ)
        self.blocks = trig_blocks(self._trig)

    def __enter__(self) -> PreviousGraphFiles:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        """Release the files."""
        self._trig.close()
        for f in self._files:
            f.close()

    def trig_body(self, graph: str) -> bytes:
        """The TriG block of one graph, as :func:`policykg.graph.serialize.trig_body`."""
        return self._trig[self.blocks[graph]]

    def nquads(self, graphs: set[str]) -> Iterator[bytes]:
        """The lines of ``graph.nq`` whose graph is in ``graphs``, in chunks of lines."""
        wanted = {f"<{g}>".encode() for g in graphs}
        nquads = self._files[1]
        nquads.seek(0)
        while True:
            lines = nquads.readlines(_CHUNK)
            if not lines:
                return
            yield b"".join(line for line in lines if line.rsplit(b" ", 2)[-2] in wanted)


def open_previous(out: Path, graphs: set[str]) -> PreviousGraphFiles | None:
    """The graph files of the build in ``out`` if they hold every graph of ``graphs``."""
    try:
        previous = PreviousGraphFiles(out)
    except (OSError, ValueError):  # missing, or empty (mmap of an empty file)
        return None
    if not graphs <= previous.blocks.keys():
        previous.close()
        return None
    return previous
