"""Text normalisation before matching: Unicode NFKC, case, zero-width characters, emoji,
repeated letters, Indonesian slang and affixes.

Two layers, so that evidence offsets stay exact:
- character level (:class:`FieldText`): NFKC + lower case, with an offset map back to the
  original text (identity in the common case, built per character only when NFKC or lower-casing
  changes the length);
- token level (:class:`Tokenizer`): each word token gets a small set of lookup keys -- zero-width
  characters removed, letter runs collapsed ("promoooo" -> "promo", the same collapse is applied
  to lexicon terms), slang expanded ("yg" -> "yang"), clitics stripped ("diskonnya" -> "diskon")
  and, marked with "~", affix stems ("dijamin" -> "~jamin") for concepts that ask for them.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

ZERO_WIDTH = "\u200b\u200c\u200d\u2060\ufeff\u00ad"
_ZW_TABLE = {ord(c): None for c in ZERO_WIDTH}
# Emoji and pictographs that carry meaning here (stars, cameras, beaches, cakes ...).
_EMOJI = (
    "\U0001f300-\U0001faff\u2600-\u27bf\u2b50\u2b55\u2190-\u21ff\u2934\u2935"
    "\u3030\u303d\u3297\u3299\U0001f000-\U0001f2ff\u2605\u2606"
)
TOKEN_RE = re.compile(rf"@\w[\w.]*\w|[#@]?\w[\w{ZERO_WIDTH}]*|[{_EMOJI}]")
_RUN_RE = re.compile(r"([^\W\d_])\1+")
# "150rb" -> "rb", "rm123456" -> "rm", "45yo" -> "yo": the letters of a number-word are a key too
_NUMBER_WORD = re.compile(r"^(?:(\d+)([^\W\d_]+)|([^\W\d_]+)(\d+))")
STEM_MARK = "~"


@dataclass(frozen=True, slots=True)
class FieldText:
    """One field's text: the raw value, its normalised forms and the way back to raw offsets."""

    raw: str
    text: str  # NFKC + lower case: what lexicons and most regexes read
    cased: str  # NFKC with case kept (same length as ``text``): for case-sensitive regexes
    offsets: tuple[int, ...] | None  # raw index of each char of ``text`` (+ end); None = same

    def raw_span(self, start: int, end: int) -> tuple[int, int]:
        """The span in the raw text that produced ``text[start:end]``."""
        if self.offsets is None:
            return start, end
        return self.offsets[start], self.offsets[end]


def normalise_field(raw: str) -> FieldText:
    """The normalised forms of ``raw`` with an exact map back to its offsets."""
    if raw.isascii():
        return FieldText(raw, raw.lower(), raw, None)
    if unicodedata.is_normalized("NFKC", raw):
        lower = raw.lower()
        if len(lower) == len(raw):
            return FieldText(raw, lower, raw, None)
    # Slow path (fancy fonts, ligatures, full-width text): normalise char by char, keep the map.
    text: list[str] = []
    cased: list[str] = []
    offsets: list[int] = []
    for i, ch in enumerate(raw):
        folded = unicodedata.normalize("NFKC", ch)
        low = folded.lower()
        if len(low) != len(folded):
            folded = low
        text.append(low)
        cased.append(folded)
        offsets.extend([i] * len(low))
    offsets.append(len(raw))
    return FieldText(raw, "".join(text), "".join(cased), tuple(offsets))


def collapse(word: str) -> str:
    """``word`` without zero-width characters and with letter runs collapsed to one letter."""
    return _RUN_RE.sub(r"\1", word.translate(_ZW_TABLE))


@dataclass(frozen=True)
class Morphology:
    """The data that turns a token into lookup keys (slang, clitics, affixes, emoji aliases)."""

    slang: Mapping[str, str]
    clitics: Sequence[str]
    prefixes: Sequence[tuple[str, str]]  # (prefix, letter it may have replaced, or "")
    suffixes: Sequence[str]
    emoji: Mapping[str, str]
    min_stem: int = 3


class Tokenizer:
    """Turns normalised text into tokens and each distinct token into its lookup keys (cached)."""

    def __init__(self, morph: Morphology, stem_vocab: frozenset[str] | None = None) -> None:
        self.morph = morph
        # Only stems some lexicon term uses become keys (None: every stem, for inspection).
        self.stem_vocab = stem_vocab
        self._slang = {collapse(k): collapse(v) for k, v in morph.slang.items()}
        self._emoji = {k.replace("\ufe0f", ""): collapse(v) for k, v in morph.emoji.items()}
        self._cache: dict[str, frozenset[str]] = {}

    def keys(self, token: str) -> frozenset[str]:
        """The lookup keys of one token (the word itself, its slang expansion, its stems)."""
        found = self._cache.get(token)
        if found is None:
            if len(self._cache) > 500_000:  # bounded memory on a long-running worker
                self._cache.clear()
            found = self._cache[token] = self._compute(token)
        return found

    def _compute(self, token: str) -> frozenset[str]:
        word = token.lstrip("#@").translate(_ZW_TABLE)
        if word in self._emoji:
            return frozenset({word, self._emoji[word]})
        base = collapse(word)
        keys = {base}
        expanded = self._slang.get(base)
        if expanded:
            keys.update(expanded.split())
            base = expanded if " " not in expanded else base
        shaped = _NUMBER_WORD.match(base)
        if shaped:
            keys.add(shaped.group(2) or shaped.group(3))
        bases = [base]
        # Clitics are cut before and after collapsing: "diskonnya" collapses to "diskonya".
        for form in (word, base):
            for clitic in self.morph.clitics:
                if form.endswith(clitic) and len(form) - len(clitic) >= self.morph.min_stem:
                    stem = collapse(form[: -len(clitic)])
                    alias = self._slang.get(stem, stem)
                    stem = alias if " " not in alias else stem
                    keys.add(stem)
                    bases.append(stem)
                    break
        vocab = self.stem_vocab
        if vocab is None or vocab:
            for form in bases:
                for stem in self._stems(form):
                    key = STEM_MARK + stem
                    if vocab is None or key in vocab:
                        keys.add(key)
        return frozenset(keys)

    def _stems(self, word: str) -> set[str]:
        """Candidate stems of an affixed Indonesian word ('menyembuhkan' -> 'sembuh', ...)."""
        minimum = self.morph.min_stem
        out = {word}
        heads = {word}
        for prefix, restored in self.morph.prefixes:
            if word.startswith(prefix) and len(word) - len(prefix) >= minimum:
                rest = word[len(prefix) :]
                heads.add(rest)
                if restored:
                    heads.add(restored + rest)
        for head in heads:
            out.add(head)
            for suffix in self.morph.suffixes:
                if head.endswith(suffix) and len(head) - len(suffix) >= minimum:
                    out.add(head[: -len(suffix)])
        return out

    def tokens(self, text: str) -> tuple[list[str], list[int], list[int]]:
        """The tokens of ``text`` with their start and end offsets in it."""
        words: list[str] = []
        starts: list[int] = []
        ends: list[int] = []
        for m in TOKEN_RE.finditer(text):
            words.append(m.group())
            starts.append(m.start())
            ends.append(m.end())
        return words, starts, ends
