"""Finds every concept of the rule set in a subject's fields in one pass per field.

Terms and phrases are looked up token by token in one dictionary (no regex per term); the few
regex concepts (prices, ages, record numbers ...) run once per field; compound hashtags
("#diskonakhirtahun") are split with the lexicon's own words. Compiled once per process and
rule-set version.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from checks.normalize import STEM_MARK, TOKEN_RE, FieldText, Tokenizer, collapse, normalise_field
from checks.ruleset import ConceptSpec, RuleSet

_EXCEPT = "!"  # prefix of the pseudo-concept holding a concept's 'except' phrases


@dataclass(frozen=True, slots=True)
class Hit:
    """One match of a concept: its field, token range and character span in normalised text."""

    concept: str
    field: str
    tok: int
    tok_end: int
    start: int  # in FieldText.text; -1 for structural fields
    end: int
    term: str  # what matched (normalised), used to count distinct matches


@dataclass(frozen=True, slots=True)
class ScannedField:
    """A field's normalised text and tokens."""

    text: FieldText
    starts: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class Scan:
    """Every concept hit in a subject, by concept, plus the scanned fields."""

    hits: Mapping[str, list[Hit]]
    fields: Mapping[str, ScannedField]
    structural: Mapping[str, str]  # structural field -> evidence text


Phrase = tuple[tuple[str, ...], str, str]  # (keys after the first, concept, term)


class Matcher:
    """The compiled form of a rule set's concepts."""

    def __init__(self, ruleset: RuleSet) -> None:
        self.tokenizer = Tokenizer(ruleset.morphology)
        self.index: dict[str, list[Phrase]] = {}
        self.regexes: list[tuple[str, re.Pattern[str], bool]] = []
        self.structural: dict[str, list[str]] = {}
        self.with_except: set[str] = set()
        vocab: set[str] = set()
        for concept in ruleset.concepts:
            self._add_concept(concept, vocab)
        words = sorted((w for w in vocab if len(w) >= 4), key=lambda w: (-len(w), w))
        self._segmenter = re.compile("|".join(map(re.escape, words))) if words else None
        self._segments: dict[str, tuple[str, ...]] = {}

    def _add_concept(self, concept: ConceptSpec, vocab: set[str]) -> None:
        if concept.field:
            self.structural.setdefault(concept.field, []).append(concept.name)
        for term in concept.terms:
            keys = self._term_keys(term, concept.affixes)
            if keys:
                self._register(keys, concept.name, term)
                if concept.hashtags and len(keys) == 1 and not keys[0].startswith(STEM_MARK):
                    vocab.add(keys[0])
                elif concept.hashtags and len(keys) == 1:
                    vocab.add(keys[0][1:])
        for term in concept.except_terms:
            keys = self._term_keys(term, concept.affixes)
            if keys:
                self._register(keys, _EXCEPT + concept.name, term)
                self.with_except.add(concept.name)
                # so "#promosikesehatan" splits into the except phrase, not just "promosi"
                vocab.update(k.lstrip(STEM_MARK) for k in keys)
        for pattern in concept.regex:
            self.regexes.append((concept.name, re.compile(pattern), False))
        for pattern in concept.cased_regex:
            self.regexes.append((concept.name, re.compile(pattern), True))

    def _term_keys(self, term: str, affixes: bool) -> tuple[str, ...]:
        words = [m.group() for m in TOKEN_RE.finditer(normalise_field(term).text)]
        keys = tuple(collapse(w.lstrip("#@")).replace("\ufe0f", "") for w in words)
        if affixes:
            keys = tuple(k if not k.isalpha() else STEM_MARK + k for k in keys)
        return keys

    def _register(self, keys: tuple[str, ...], concept: str, term: str) -> None:
        self.index.setdefault(keys[0], []).append((keys[1:], concept, term))

    # --- scanning ---------------------------------------------------------------------------

    def scan(self, texts: Mapping[str, str | None], structural: Mapping[str, object]) -> Scan:
        """All concept hits in the given text fields and structural fields."""
        hits: dict[str, list[Hit]] = {}
        fields: dict[str, ScannedField] = {}
        for name, raw in texts.items():
            if raw:
                fields[name] = self._scan_field(name, raw, hits)
        evidence: dict[str, str] = {}
        for fld, concepts in self.structural.items():
            value = structural.get(fld)
            if value is True or (isinstance(value, tuple | list) and len(value) > 0):
                shown = "true" if value is True else ", ".join(f"@{v}" for v in value)
                evidence[fld] = f"{fld}: {shown}"
                for concept in concepts:
                    hits.setdefault(concept, []).append(Hit(concept, fld, 0, 0, -1, -1, fld))
        if self.with_except:
            self._apply_except(hits)
        return Scan(hits, fields, evidence)

    def _scan_field(self, name: str, raw: str, hits: dict[str, list[Hit]]) -> ScannedField:
        ft = normalise_field(raw)
        words, starts, ends = self.tokenizer.tokens(ft.text)
        keys = [self.tokenizer.keys(w) for w in words]
        index = self.index
        n = len(words)
        for i in range(n):
            matched = False
            for key in keys[i]:
                for rest, concept, term in index.get(key, ()):
                    j = i + 1 + len(rest)
                    if j <= n and all(rest[k] in keys[i + 1 + k] for k in range(len(rest))):
                        hits.setdefault(concept, []).append(
                            Hit(concept, name, i, j, starts[i], ends[j - 1], term)
                        )
                        matched = True
            if not matched and words[i][0] == "#":
                self._scan_hashtag(name, i, starts[i], ends[i], words[i], hits)
        for concept, pattern, cased in self.regexes:
            for m in pattern.finditer(ft.cased if cased else ft.text):
                tok = max(bisect_right(starts, m.start()) - 1, 0)
                tok_end = max(bisect_right(starts, max(m.end() - 1, m.start())), tok + 1)
                hits.setdefault(concept, []).append(
                    Hit(concept, name, tok, tok_end, m.start(), m.end(), m.group().lower())
                )
        return ScannedField(ft, tuple(starts))

    def _scan_hashtag(
        self, name: str, i: int, start: int, end: int, word: str, hits: dict[str, list[Hit]]
    ) -> None:
        parts = self._segments.get(word)
        if parts is None:
            body = collapse(word[1:])
            found = self._segmenter.findall(body) if self._segmenter else []
            parts = self._segments[word] = tuple(found) if len(found) > 0 else ()
        if not parts:
            return
        seg_keys = [frozenset({p, STEM_MARK + p}) for p in parts]
        for a, part_keys in enumerate(seg_keys):
            for key in part_keys:
                for rest, concept, term in self.index.get(key, ()):
                    b = a + 1 + len(rest)
                    if b <= len(parts) and all(
                        rest[k] in seg_keys[a + 1 + k] for k in range(len(rest))
                    ):
                        hits.setdefault(concept, []).append(
                            Hit(concept, name, i, i + 1, start, end, term)
                        )

    def _apply_except(self, hits: dict[str, list[Hit]]) -> None:
        for concept in self.with_except:
            blockers = hits.pop(_EXCEPT + concept, None)
            if not blockers or concept not in hits:
                continue
            kept = [h for h in hits[concept] if not _overlaps_any(h, blockers)]
            if kept:
                hits[concept] = kept
            else:
                del hits[concept]


def _overlaps_any(hit: Hit, others: Iterable[Hit]) -> bool:
    return any(o.field == hit.field and o.tok < hit.tok_end and hit.tok < o.tok_end for o in others)
