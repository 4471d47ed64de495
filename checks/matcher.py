"""Finds the concepts of the rule set in a subject's fields.

Terms and phrases are looked up token by token in one dictionary (no regex per term); each
distinct token is resolved once -- its lookup keys, the phrases that may start with it, the
anchored regexes that may start at it -- and cached. Regex concepts run lazily, the first time a
rule asks for them, only on the fields rules read them from: an anchored regex is tried only at
its anchor tokens (``pattern.match`` at a handful of positions instead of a scan of the whole
text); a gated one scans the field only when its gate is present. Compound hashtags
("#diskonakhirtahun") are split with the lexicon's own words. Compiled once per process and
rule-set version.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Mapping
from typing import Any, NamedTuple

from checks.normalize import STEM_MARK, TOKEN_RE, FieldText, Tokenizer, collapse, normalise_field
from checks.ruleset import TEXT_FIELDS, ConceptSpec, RegexSpec, RuleSet

_EXCEPT = "!"  # prefix of the pseudo-concept holding a concept's 'except' phrases
_GATE_CHARS = {"<paren>": "(", "<dollar>": "$", "<mention>": "@", "<quote>": "\"“”'‘’"}
_DIGIT = re.compile(r"\d")
_SPAN_REACH = 40  # chars before/after an evidence span an identifier match may start
_HAS_LETTER = re.compile(r"[^\W\d_]")


class Hit(NamedTuple):
    """One match of a concept: its field, token range and character span in normalised text."""

    concept: str
    field: str
    tok: int
    tok_end: int
    start: int  # in FieldText.text; -1 for structural fields
    end: int
    term: str  # what matched (normalised), used to count distinct matches


# The lexicon is a trie over token keys: node[key] -> child node; node[END] -> the
# (concept, term) pairs of the phrases that end at this node.
Node = dict[str, Any]
END = ""  # no token key is empty


class TokenInfo(NamedTuple):
    """What one distinct token means to the rule set (cached)."""

    keys: frozenset[str]
    nodes: tuple[Node, ...]  # trie nodes of the phrases that may start here
    anchors: tuple[int, ...]  # anchored regexes that may start here
    # (concept, term) pairs when only one-word terms start here (no trie walk needed)
    single: tuple[tuple[str, str], ...] | None
    hashtag: bool


class _Regex(NamedTuple):
    concept: str
    pattern: re.Pattern[str]
    cased: bool
    anchored: bool
    words: frozenset[str]  # gate words
    chars: tuple[str, ...]  # gate characters
    digit: bool  # gate: any digit
    prefilter: re.Pattern[str] | None
    gated: bool


class ScannedField:
    """A field's normalised text, tokens and token lookup results."""

    __slots__ = ("_anchors", "_keys", "infos", "starts", "text")

    def __init__(self, text: FieldText, starts: list[int], infos: list[TokenInfo]) -> None:
        self.text = text
        self.starts = starts
        self.infos = infos
        self._keys: set[str] | None = None
        self._anchors: dict[int, list[int]] | None = None

    @property
    def keys(self) -> set[str]:
        """Every lookup key of every token of the field (for regex gates), computed once."""
        if self._keys is None:
            self._keys = set().union(*(info.keys for info in self.infos))
        return self._keys

    @property
    def anchors(self) -> dict[int, list[int]]:
        """Anchored regex id -> the token indexes where it may start, computed once."""
        if self._anchors is None:
            found: dict[int, list[int]] = {}
            for i, info in enumerate(self.infos):
                for rid in info.anchors:
                    found.setdefault(rid, []).append(i)
            self._anchors = found
        return self._anchors


class Scan:
    """The concept hits of one subject. Term hits are found eagerly in one pass; regexes run
    lazily: all anchored ones together the first time a rule asks for any regex concept, a
    gated one the first time a rule asks for its concept."""

    __slots__ = ("_anchored", "_blockers", "_matcher", "_pending", "fields", "hits", "structural")

    def __init__(
        self,
        matcher: Matcher,
        hits: dict[str, list[Hit]],
        fields: dict[str, ScannedField],
        structural: dict[str, str],
        blockers: dict[str, list[Hit]],
    ) -> None:
        self._matcher = matcher
        self.hits = hits
        self.fields = fields
        self.structural = structural
        self._blockers = blockers
        self._pending = set(matcher.lazy_concepts)
        self._anchored = False

    def run_batch(self) -> None:
        """Runs the anchored regexes of the rules' trigger concepts (once)."""
        if not self._anchored:
            self._anchored = True
            self._matcher.run_anchored(self)

    def get(self, concept: str) -> list[Hit]:
        """The hits of ``concept`` (running its regexes now if they have not run yet)."""
        if not self._anchored and concept in self._matcher.batch_concepts:
            self.run_batch()
        if concept in self._pending:
            self._pending.discard(concept)
            self._matcher.run_lazy(self, concept)
        return self.hits.get(concept, [])

    def has(self, concept: str) -> bool:
        """Whether ``concept`` has any hit."""
        return bool(self.get(concept))

    def add(self, concept: str, found: list[Hit]) -> None:
        """Records regex hits of ``concept``, dropping those inside its 'except' phrases."""
        blockers = self._blockers.get(concept)
        if blockers:
            found = [h for h in found if not _overlaps_any(h, blockers)]
        if found:
            self.hits.setdefault(concept, []).extend(found)


class Matcher:
    """The compiled form of a rule set's concepts."""

    def __init__(self, ruleset: RuleSet) -> None:
        self.tokenizer = Tokenizer(ruleset.morphology)
        self.trie: Node = {}
        stem_keys: set[str] = set()
        self._stem_keys = stem_keys
        self.structural: dict[str, list[str]] = {}
        self.with_except: set[str] = set()
        vocab: set[str] = set()
        self._all: list[_Regex] = []
        self._anchor_words: dict[str, list[int]] = {}
        self._anchor_class: dict[str, list[int]] = {"<number>": [], "<alnum>": [], "<mention>": []}
        for concept in ruleset.concepts:
            self._add_concept(concept, vocab)
        wanted = _concepts_by_field(ruleset)
        self.regexes: dict[str, list[tuple[int, _Regex]]] = {}
        for rid, rx in enumerate(self._all):
            self.regexes.setdefault(rx.concept, []).append((rid, rx))
        # Anchored regexes of trigger concepts (first clause of a rule) are needed on almost
        # every subject: they run together in one pass over the anchor tokens. The rest run
        # per concept, only when a rule asks for them.
        triggers = {c for r in ruleset.rules for c in r.when[0].concepts}
        self._batch = frozenset(
            rid for rid, rx in enumerate(self._all) if rx.anchored and rx.concept in triggers
        )
        self.batch_concepts = frozenset(self._all[rid].concept for rid in self._batch)
        self.lazy_concepts = frozenset(
            rx.concept for rid, rx in enumerate(self._all) if rid not in self._batch
        )
        # A regex runs only on the fields some rule or suppression reads its concept from.
        self.regex_fields = {
            concept: frozenset(f for f in TEXT_FIELDS if concept in wanted.get(f, ()))
            for concept in self.regexes
        }
        self._anchored_in = {
            fld: frozenset(
                rid for rid in self._batch if fld in self.regex_fields[self._all[rid].concept]
            )
            for fld in TEXT_FIELDS
        }
        self.tokenizer.stem_vocab = frozenset(stem_keys)
        words = sorted((w for w in vocab if len(w) >= 4), key=lambda w: (-len(w), w))
        self._segmenter = re.compile("|".join(map(re.escape, words))) if words else None
        self._segments: dict[str, tuple[str, ...]] = {}
        self._tokens: dict[str, TokenInfo] = {}
        self._span_cache: dict[tuple[str, ...], tuple[frozenset[int], list[_Regex]]] = {}

    def _add_concept(self, concept: ConceptSpec, vocab: set[str]) -> None:
        if concept.field:
            self.structural.setdefault(concept.field, []).append(concept.name)
        for term in concept.terms:
            keys = self._term_keys(term, concept.affixes)
            if keys:
                self._register(keys, concept.name, term)
                if concept.hashtags and len(keys) == 1:
                    vocab.add(keys[0].lstrip(STEM_MARK))
        for term in concept.except_terms:
            keys = self._term_keys(term, concept.affixes)
            if keys:
                self._register(keys, _EXCEPT + concept.name, term)
                self.with_except.add(concept.name)
                # so "#promosikesehatan" splits into the except phrase, not just "promosi"
                vocab.update(k.lstrip(STEM_MARK) for k in keys)
        for spec in concept.regex:
            self._add_regex(concept.name, spec)

    def _add_regex(self, concept: str, spec: RegexSpec) -> None:
        rid = len(self._all)
        for word in spec.anchor:
            if word in self._anchor_class:
                self._anchor_class[word].append(rid)
            else:
                self._anchor_words.setdefault(collapse(word.lower()), []).append(rid)
        self._all.append(
            _Regex(
                concept,
                re.compile(spec.pattern),
                spec.cased,
                bool(spec.anchor),
                frozenset(collapse(g.lower()) for g in spec.gate if not g.startswith("<")),
                tuple(_GATE_CHARS[g] for g in spec.gate if g in _GATE_CHARS),
                "<digit>" in spec.gate,
                re.compile(spec.prefilter) if spec.prefilter else None,
                bool(spec.gate),
            )
        )

    def _term_keys(self, term: str, affixes: bool) -> tuple[str, ...]:
        words = [m.group() for m in TOKEN_RE.finditer(normalise_field(term).text)]
        keys = tuple(collapse(w.lstrip("#@")).replace("\ufe0f", "") for w in words)
        if affixes:
            keys = tuple(k if not k.isalpha() else STEM_MARK + k for k in keys)
        return keys

    def _register(self, keys: tuple[str, ...], concept: str, term: str) -> None:
        node = self.trie
        for key in keys:
            if key.startswith(STEM_MARK):
                self._stem_keys.add(key)
            child = node.get(key)
            if child is None:
                child = node[key] = {}
            node = child
        node.setdefault(END, []).append((concept, term))

    def _token(self, word: str) -> TokenInfo:
        """A token's lookup keys, the phrases and anchored regexes that may start at it."""
        found = self._tokens.get(word)
        if found is None:
            if len(self._tokens) > 500_000:  # bounded memory on a long-running worker
                self._tokens.clear()
            keys = self.tokenizer.keys(word)
            nodes = tuple(n for k in keys if (n := self.trie.get(k)) is not None)
            anchors = {rid for k in keys for rid in self._anchor_words.get(k, ())}
            if word[0].isdigit():
                anchors.update(self._anchor_class["<number>"])
            if word[0] == "@":
                anchors.update(self._anchor_class["<mention>"])
            elif _DIGIT.search(word) and _HAS_LETTER.search(word):
                anchors.update(self._anchor_class["<alnum>"])
            single = None
            if len(nodes) == 1 and len(nodes[0]) == 1 and END in nodes[0]:
                single = tuple(nodes[0][END])
            found = self._tokens[word] = TokenInfo(
                keys, nodes, tuple(sorted(anchors)), single, word[0] == "#"
            )
        return found

    # --- scanning ---------------------------------------------------------------------------

    def scan(self, texts: Mapping[str, str | None], structural: Mapping[str, object]) -> Scan:
        """All term hits in the given text and structural fields (regex concepts on demand)."""
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
        blockers: dict[str, list[Hit]] = {}
        if self.with_except:
            blockers = self._apply_except(hits)
        return Scan(self, hits, fields, evidence, blockers)

    def _scan_field(self, name: str, raw: str, hits: dict[str, list[Hit]]) -> ScannedField:
        ft = normalise_field(raw)
        matches = list(TOKEN_RE.finditer(ft.text))
        cache = self._tokens
        infos = [cache.get(w) or self._token(w) for w in [m[0] for m in matches]]
        spans = [m.span() for m in matches]
        n = len(infos)
        for i, info in enumerate(infos):
            if info.single is not None:  # only one-word terms start here: no trie walk
                start, end = spans[i]
                for concept, term in info.single:
                    hits.setdefault(concept, []).append(
                        Hit(concept, name, i, i + 1, start, end, term)
                    )
                continue
            if info.nodes and self._walk(name, i, info.nodes, infos, spans, n, hits):
                continue
            if info.hashtag:
                self._scan_hashtag(name, i, spans[i][0], spans[i][1], matches[i][0], hits)
        return ScannedField(ft, [s for s, _ in spans], infos)

    @staticmethod
    def _walk(
        name: str,
        i: int,
        frontier: Iterable[Node],
        infos: list[TokenInfo],
        spans: list[tuple[int, int]],
        n: int,
        hits: dict[str, list[Hit]],
    ) -> bool:
        """Records the phrases starting at token ``i`` (walking the trie); True if any."""
        matched = False
        j = i
        while True:
            for node in frontier:
                ends = node.get(END)
                if ends:
                    matched = True
                    for concept, term in ends:
                        hits.setdefault(concept, []).append(
                            Hit(concept, name, i, j + 1, spans[i][0], spans[j][1], term)
                        )
            j += 1
            if j >= n:
                return matched
            keys = infos[j].keys
            frontier = [
                child
                for node in frontier
                for k in keys
                if (child := node.get(k)) is not None and k != END
            ]
            if not frontier:
                return matched

    def run_anchored(self, scan: Scan) -> None:
        """Runs every anchored regex at its anchor tokens, in every field that reads it."""
        found: dict[str, list[Hit]] = {}
        regexes = self._all
        for name, scanned in scan.fields.items():
            wanted = self._anchored_in.get(name)
            if not wanted:
                continue
            starts = scanned.starts
            last: dict[int, int] = {}
            for i, info in enumerate(scanned.infos):
                for rid in info.anchors:
                    if rid not in wanted or starts[i] < last.get(rid, -1):
                        continue
                    rx = regexes[rid]
                    m = rx.pattern.match(
                        scanned.text.cased if rx.cased else scanned.text.text, starts[i]
                    )
                    if m:
                        last[rid] = m.end()
                        found.setdefault(rx.concept, []).append(
                            self._regex_hit(rx.concept, name, starts, m)
                        )
        for concept, hits in found.items():
            scan.add(concept, hits)

    def run_lazy(self, scan: Scan, concept: str) -> None:
        """Runs the regexes of ``concept`` not run in the batch, over the fields that read it."""
        found: list[Hit] = []
        wanted = self.regex_fields[concept]
        for name, scanned in scan.fields.items():
            if name not in wanted:
                continue
            text = scanned.text.text
            starts = scanned.starts
            for rid, rx in self.regexes[concept]:
                if rid in self._batch:
                    continue
                subject = scanned.text.cased if rx.cased else text
                if rx.anchored:
                    last = -1
                    for tok in scanned.anchors.get(rid, ()):
                        if starts[tok] < last:
                            continue
                        m = rx.pattern.match(subject, starts[tok])
                        if m:
                            last = m.end()
                            found.append(self._regex_hit(concept, name, starts, m))
                    continue
                if rx.gated:  # any one gate item opens it
                    open_ = any(c in text for chars in rx.chars for c in chars)
                    if not open_ and rx.digit:
                        open_ = _DIGIT.search(text) is not None
                    if not open_ and rx.words:
                        open_ = not rx.words.isdisjoint(scanned.keys)
                    if not open_:
                        continue
                if rx.prefilter is not None and rx.prefilter.search(subject) is None:
                    continue  # and the prefilter must be found as well
                found.extend(
                    self._regex_hit(concept, name, starts, m) for m in rx.pattern.finditer(subject)
                )
        if found:
            scan.add(concept, found)

    def matches_in_span(
        self, scan: Scan, concepts: tuple[str, ...], field: str, lo: int, hi: int
    ) -> bool:
        """Whether a regex of ``concepts`` matches text overlapping ``field.text[lo:hi]``.

        Hits already found count; otherwise the anchored regexes are tried only at the anchor
        tokens near the span and the others only around it (evidence spans are short).
        """
        for concept in concepts:
            for h in scan.hits.get(concept, ()):
                if h.field == field and h.start < hi and lo < h.end:
                    return True
        scanned = scan.fields.get(field)
        if scanned is None:
            return False
        rids, scanning = self._span_regexes(concepts)
        starts, infos = scanned.starts, scanned.infos
        reach = max(lo - _SPAN_REACH, 0)
        for tok in range(bisect_left(starts, reach), bisect_left(starts, hi)):
            for rid in infos[tok].anchors:
                if rid in rids:
                    rx = self._all[rid]
                    subject = scanned.text.cased if rx.cased else scanned.text.text
                    m = rx.pattern.match(subject, starts[tok])
                    if m and m.end() > lo:
                        return True
        for rx in scanning:
            subject = scanned.text.cased if rx.cased else scanned.text.text
            end = min(hi + _SPAN_REACH, len(subject))
            if rx.prefilter is not None and not rx.prefilter.search(subject, reach, end):
                continue
            for m in rx.pattern.finditer(subject, reach, end):
                if m.start() < hi and lo < m.end():
                    return True
        return False

    def _span_regexes(self, concepts: tuple[str, ...]) -> tuple[frozenset[int], list[_Regex]]:
        found = self._span_cache.get(concepts)
        if found is None:
            pairs = [p for c in concepts for p in self.regexes.get(c, ())]
            found = self._span_cache[concepts] = (
                frozenset(rid for rid, rx in pairs if rx.anchored),
                [rx for _, rx in pairs if not rx.anchored],
            )
        return found

    @staticmethod
    def _regex_hit(concept: str, field: str, starts: list[int], m: re.Match[str]) -> Hit:
        tok = max(bisect_right(starts, m.start()) - 1, 0)
        tok_end = max(bisect_right(starts, max(m.end() - 1, m.start())), tok + 1)
        return Hit(concept, field, tok, tok_end, m.start(), m.end(), m.group().lower())

    def _scan_hashtag(
        self, name: str, i: int, start: int, end: int, word: str, hits: dict[str, list[Hit]]
    ) -> None:
        parts = self._segments.get(word)
        if parts is None:
            body = collapse(word[1:])
            found = self._segmenter.findall(body) if self._segmenter else []
            parts = self._segments[word] = tuple(found)
        if not parts:
            return
        seg = [TokenInfo(frozenset({p, STEM_MARK + p}), (), (), None, False) for p in parts]
        spans = [(start, end)] * len(parts)
        seg_found: dict[str, list[Hit]] = {}
        for a, info in enumerate(seg):
            nodes = tuple(nd for k in info.keys if (nd := self.trie.get(k)) is not None)
            if nodes:
                self._walk(name, a, nodes, seg, spans, len(seg), seg_found)
        for concept, seg_hits in seg_found.items():
            hits.setdefault(concept, []).extend(h._replace(tok=i, tok_end=i + 1) for h in seg_hits)

    def _apply_except(self, hits: dict[str, list[Hit]]) -> dict[str, list[Hit]]:
        """Drops term hits inside their concept's 'except' phrases; returns those phrases."""
        out: dict[str, list[Hit]] = {}
        for concept in self.with_except:
            blockers = hits.pop(_EXCEPT + concept, None)
            if not blockers:
                continue
            out[concept] = blockers
            if concept not in hits:
                continue
            kept = [h for h in hits[concept] if not _overlaps_any(h, blockers)]
            if kept:
                hits[concept] = kept
            else:
                del hits[concept]
        return out


def _overlaps_any(hit: Hit, others: Iterable[Hit]) -> bool:
    return any(o.field == hit.field and o.tok < hit.tok_end and hit.tok < o.tok_end for o in others)


def _concepts_by_field(ruleset: RuleSet) -> dict[str, set[str]]:
    """For each text field, the concepts some rule or suppression may read there."""
    out: dict[str, set[str]] = {}
    groups = [(r.fields, r.when + r.unless) for r in ruleset.rules]
    groups += [(s.fields, s.when + s.unless) for s in ruleset.suppressions]
    for default_fields, clauses in groups:
        for clause in clauses:
            for fld in clause.fields or default_fields:
                out.setdefault(fld, set()).update(clause.concepts)
    # evidence of any flag is masked when it overlaps a patient identifier, wherever it is
    identifiers = {c.name for c in ruleset.concepts if c.name.startswith("identifier_")}
    for fld in TEXT_FIELDS:
        out.setdefault(fld, set()).update(identifiers)
    return out
