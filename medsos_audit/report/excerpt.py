"""Caption excerpts with the evidence highlighted, cut from the *masked* text only.

A flag's offsets (span_start, span_end) point into the original field text, but reports may
show only masked text. The whole field is masked first (identifiers are recognised by their
context, so masking pieces separately could miss a name whose cue word sits outside the
piece); the offsets are then carried over to the masked text through the unchanged stretches
both texts share. Every character shown is a slice of the masked text, so a highlight that is
carried over imperfectly can misplace the marking but never reveal an identifier.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher

from checks.masking import find_identifiers, mask_identifiers

ELLIPSIS = "…"
_LEAD, _TRAIL, _GAP = ELLIPSIS + " ", " " + ELLIPSIS, " " + ELLIPSIS + " "
CONTEXT = 110  # characters of masked text kept on each side of a highlight
HEAD = 240  # characters shown when a field has nothing to highlight


@dataclass(frozen=True, slots=True)
class Segment:
    """A piece of an excerpt; ``mark`` is True for the evidence itself."""

    text: str
    mark: bool = False


def _offset_map(original: str, masked: str) -> Sequence[tuple[str, int, int, int, int]]:
    if original == masked:
        return [("equal", 0, len(original), 0, len(masked))]
    return SequenceMatcher(None, original, masked, autojunk=False).get_opcodes()


def _to_masked(ops: Sequence[tuple[str, int, int, int, int]], pos: int, *, end: bool) -> int:
    """Where original offset ``pos`` lands in the masked text; a replaced stretch is kept whole."""
    for tag, i1, i2, j1, j2 in ops:
        inside = i1 < pos <= i2 if end else i1 <= pos < i2
        if inside:
            return j1 + (pos - i1) if tag == "equal" else (j2 if end else j1)
    return ops[-1][4] if ops else 0


def _merge(spans: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def _soft_left(text: str, pos: int) -> int:
    # Start the window at a word boundary so the excerpt does not begin mid-word.
    if pos <= 0:
        return 0
    space = text.rfind(" ", max(0, pos - 20), pos)
    return space + 1 if space >= 0 else pos


def _soft_right(text: str, pos: int) -> int:
    if pos >= len(text):
        return len(text)
    space = text.find(" ", pos, pos + 20)
    return space if space >= 0 else pos


def masked_excerpt(
    text: str | None,
    spans: Iterable[tuple[int | None, int | None]] = (),
    *,
    context: int = CONTEXT,
    head: int = HEAD,
) -> tuple[Segment, ...]:
    """The masked text around the given spans of ``text``, the spans marked; () for no text."""
    if not text:
        return ()
    masked = mask_identifiers(text)
    clean = [
        (max(0, s), min(len(text), e))
        for s, e in spans
        if s is not None and e is not None and 0 <= s < e
    ]
    clean = [(s, e) for s, e in clean if s < e]
    if not clean:
        cut = _soft_right(masked, head) if len(masked) > head + 20 else len(masked)
        tail = (Segment(_TRAIL),) if cut < len(masked) else ()
        return (Segment(masked[:cut]), *tail)
    # A highlight that starts or ends inside an identifier covers all of it, so it never
    # splits a masked name ("R***") into a marked and an unmarked half.
    idents = find_identifiers(text)
    widened = []
    for s, e in clean:
        for ident in idents:
            if ident.start < e and s < ident.end:
                s, e = min(s, ident.start), max(e, ident.end)
        widened.append((s, e))
    ops = _offset_map(text, masked)
    marks = _merge(
        (_to_masked(ops, s, end=False), _to_masked(ops, e, end=True)) for s, e in widened
    )
    # Marks close to each other share one window; far-apart ones get their own, joined by "…".
    windows: list[tuple[int, int, list[tuple[int, int]]]] = []
    for start, end in marks:
        lo = 0 if start - context <= 0 else min(_soft_left(masked, start - context), start)
        hi = (
            len(masked)
            if end + context >= len(masked)
            else max(_soft_right(masked, end + context), end)
        )
        if windows and lo <= windows[-1][1]:
            windows[-1] = (windows[-1][0], max(hi, windows[-1][1]), [*windows[-1][2], (start, end)])
        else:
            windows.append((lo, hi, [(start, end)]))
    segments: list[Segment] = []
    for lo, hi, inside in windows:
        if lo > 0:
            segments.append(Segment(_LEAD))
        cursor = lo
        for start, end in inside:
            if start > cursor:
                segments.append(Segment(masked[cursor:start]))
            segments.append(Segment(masked[start:end], mark=True))
            cursor = end
        if hi > cursor:
            segments.append(Segment(masked[cursor:hi]))
        if hi < len(masked):
            segments.append(Segment(_TRAIL))
    return tuple(_join_ellipses(segments))


def _join_ellipses(segments: list[Segment]) -> list[Segment]:
    out: list[Segment] = []
    for seg in segments:
        if seg.text == _LEAD and not seg.mark and out and out[-1].text == _TRAIL:
            out[-1] = Segment(_GAP)
            continue
        out.append(seg)
    return out


def plain(segments: Iterable[Segment], marker: tuple[str, str] = ("", "")) -> str:
    """The excerpt as one string, the evidence wrapped in ``marker`` (e.g. ('[', ']'))."""
    return "".join(f"{marker[0]}{s.text}{marker[1]}" if s.mark else s.text for s in segments)
