"""Structure items (pilier, axe, volet, operational objective, enjeu, transversal
orientation) as SKOS concepts of the contract's scheme: part of the mapper.

Volets and operational objectives of action plans are numbered within their pilier, so
their IRIs carry the pilier ("volet/2-1" is volet 1 of pilier 2); transversal orientations
are known by their wording.
"""

from __future__ import annotations

from functools import lru_cache

from policykg.graph.iris import PARENT_SEGMENT, is_code, split_code, structure_segment, text_key
from policykg.graph.nquads import PKG, RDFS, SKOS, iri, literal
from policykg.loaders import records as rec
from policykg.ontology.loader import label_key as _uncached_label_key


@lru_cache(maxsize=1 << 16)
def label_key(text: str) -> str:
    """:func:`policykg.ontology.loader.label_key`, cached."""
    return _uncached_label_key(text)


# Structure segments (see iris.STRUCTURE_SEGMENTS) -> their classes.
_SEGMENT_CLASSES = {
    "pilier": (PKG.Pilier,),
    "axe": (PKG.Axe,),
    "volet": (PKG.Volet,),
    "objectif": (PKG.OperationalObjective,),
    "enjeu": (PKG.Enjeu,),
    "orientation-transversale": (PKG.TransversalOrientation,),
}
# Structure segments numbered within their pilier in action plans.
_SCOPED_BY_PILIER = ("volet", "objectif")


class StructureMapping:
    """The structure part of the mapper (mixed into ``mapper._Mapper``, whose ``add``,
    ``typed``, ``where``, ``iris``… it uses)."""

    @staticmethod
    @lru_cache(maxsize=1024)
    def _kind(kind: str) -> tuple[str, tuple[str, ...]]:
        segment = structure_segment(kind)
        extra = (PKG.TransversalEnjeu,) if label_key(kind) == "enjeu transversal" else ()
        return segment, _SEGMENT_CLASSES.get(segment, ()) + extra

    @staticmethod
    def _key(segment: str, code: str, label: str | None, pilier: str | None) -> str:
        """The IRI key of a structure item: volets and operational objectives are numbered
        within their pilier ("2-1" is volet 1 of pilier 2); transversal orientations are
        known by their wording, since each plan numbers them on its own."""
        if segment == "orientation-transversale" and label:
            return text_key(label)
        if segment in _SCOPED_BY_PILIER and pilier:
            return text_key(f"{split_code(pilier)[0]}-{code}")
        return text_key(code)

    def _structure_index(self, items: list[rec.StructureItem]) -> dict[tuple[str, str], str]:
        """Structure items by (segment, code or label), and by (segment, "pilier code")."""
        volet_pilier: dict[str, str | None] = {}  # the latest volet of each code, in order
        index: dict[tuple[str, str], str] = {}
        self.item_pilier: dict[int, str | None] = {}
        for item in items:
            segment, _ = self._kind(item.kind)
            code, label = split_code(item.code, item.label)
            pilier = item.parent if segment == "volet" else None
            if segment == "volet":
                volet_pilier[code] = item.parent
            if segment == "objectif" and item.parent:
                pilier = volet_pilier.get(split_code(item.parent)[0])
            self.item_pilier[id(item)] = pilier
            value = self.iris.structure(segment, self._key(segment, code, label, pilier))
            for name in (item.code, code, label):
                if name:
                    index.setdefault((segment, label_key(name)), value)
            if pilier:
                index.setdefault((segment, label_key(f"{pilier} {code}")), value)
        return index

    def _concept(
        self,
        segment: str,
        classes: tuple[str, ...],
        code: str,
        label: str | None,
        pilier: str | None = None,
    ) -> str:
        node = iri(self.iris.structure(segment, self._key(segment, code, label, pilier)))
        self.typed(node, SKOS.Concept, PKG.StructureItem, *classes)
        self.add(node, SKOS.inScheme, self.scheme)
        self.add(node, PKG.partOfContract, self.contract_node)
        if is_code(code):
            self.add(node, SKOS.notation, literal(code))
        text = label or (None if is_code(code) else code)
        if text:
            self.add(node, SKOS.prefLabel, literal(text, "fr"))
            self.add(node, RDFS.label, literal(text, "fr"))
        if segment not in PARENT_SEGMENT:
            self.add(node, SKOS.topConceptOf, self.scheme)
        return node

    def map_structure_item(self, item: rec.StructureItem) -> None:
        segment, classes = self._kind(item.kind)
        code, label = split_code(item.code, item.label)
        node = self._concept(segment, classes, code, label, self.item_pilier.get(id(item)))
        self.add(node, PKG.sourceDocument, self.doc)
        self.where(node, item.line)
        if item.parent:
            preferred = PARENT_SEGMENT.get(segment)
            segments = [preferred] if preferred else []
            segments += sorted({s for s, _ in self.index} - set(segments))
            pilier = self.item_pilier.get(id(item))
            keys = [label_key(f"{pilier} {item.parent}")] if pilier else []
            keys.append(label_key(item.parent))
            parent = next(
                (self.index[(s, k)] for k in keys for s in segments if (s, k) in self.index), None
            )
            if parent is None and preferred:
                parent = self.iris.structure(preferred, text_key(split_code(item.parent)[0]))
            if parent:
                self.add(node, SKOS.broader, iri(parent))

    def structure_ref(
        self,
        kind: str,
        value: str,
        broader: str | None = None,
        pilier: str | None = None,
    ) -> str:
        """A fiche's or action's pilier, axe, volet, objectif or enjeu, as a concept
        (volets and objectives within their ``pilier`` when it is known)."""
        segment, classes = self._kind(kind)
        code, label = split_code(value)
        found = (
            (pilier and self.index.get((segment, label_key(f"{pilier} {code}"))))
            or self.index.get((segment, label_key(value)))
            or self.index.get((segment, label_key(code)))
        )
        if found:
            node = iri(found)
            self.typed(node, *classes)
            return node
        node = self._concept(segment, classes, code, label, pilier)
        if broader is not None:
            self.add(node, SKOS.broader, broader)
        return node
