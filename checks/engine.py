"""Runs the rule set over posts and profiles: concept hits -> rules -> suppressions -> flags."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from checks.evidence import mask_evidence
from checks.matcher import Hit, Matcher, Scan
from checks.ruleset import PROFILE_FIELDS, Clause, RuleSet, RuleSpec
from checks.scoring import risk_score
from checks.types import Flag, PostForCheck, ProfileForCheck

IDENTIFIER_PREFIX = "identifier_"  # concepts that name or locate a patient
_EVIDENCE_MAX = 160  # longest evidence span (chars) that joins the trigger with its context
_MATCHERS: dict[str, Matcher] = {}


def matcher_for(ruleset: RuleSet) -> Matcher:
    """The compiled matcher of ``ruleset``, built once per process and version."""
    found = _MATCHERS.get(ruleset.version)
    if found is None:
        if len(_MATCHERS) > 8:  # rule edits in a long-lived process: drop the old ones
            _MATCHERS.clear()
        found = _MATCHERS[ruleset.version] = Matcher(ruleset)
    return found


@dataclass(frozen=True, slots=True)
class Suppressed:
    """A rule that matched but was excluded on purpose, and why."""

    rule_id: str
    by: str  # suppression id, or 'unless' for the rule's own must-not context
    reason: str
    evidence: str


@dataclass(frozen=True, slots=True)
class Explanation:
    """What the engine decided for one subject: its flags and what it suppressed."""

    flags: list[Flag]
    suppressed: list[Suppressed] = field(default_factory=list)


def check_posts(posts: Sequence[PostForCheck], ruleset: RuleSet) -> list[Flag]:
    """The flags of every post (one per rule that fired), in input order."""
    out: list[Flag] = []
    for post in posts:
        out.extend(explain_post(post, ruleset).flags)
    return out


def check_profile(profile: ProfileForCheck, ruleset: RuleSet) -> list[Flag]:
    """The flags of one profile (bio, external link, business category)."""
    return explain_profile(profile, ruleset).flags


def post_texts(post: PostForCheck) -> dict[str, str | None]:
    """The text fields of a post as the rules see them."""
    caption = post.caption or ""
    lowered = caption.lower()
    # Hashtags are normally in the caption already; read only the ones that are not.
    extra = [h for h in post.hashtags if f"#{h.lower()}" not in lowered]
    return {
        "caption": post.caption,
        "accessibility_caption": post.accessibility_caption,
        "hashtags": " ".join(f"#{h}" for h in extra) or None,
        "location": post.location,
        "tagged_users": " ".join(f"@{u}" for u in post.tagged_users) or None,
        "sponsor_users": " ".join(f"@{u}" for u in post.sponsor_users) or None,
    }


def explain_post(post: PostForCheck, ruleset: RuleSet) -> Explanation:
    """The flags of one post and the matches that suppressions or must-not context removed."""
    matcher = matcher_for(ruleset)
    scan = matcher.scan(
        post_texts(post),
        {
            "is_sponsored": post.is_sponsored,
            "sponsor_users": post.sponsor_users,
            "tagged_users": post.tagged_users,
        },
    )
    return _decide(scan, ruleset, "post", post.shortcode, post.owner_id)


def explain_profile(profile: ProfileForCheck, ruleset: RuleSet) -> Explanation:
    """The flags of one profile and what was suppressed."""
    matcher = matcher_for(ruleset)
    texts = {name: getattr(profile, name) for name in PROFILE_FIELDS}
    scan = matcher.scan(texts, {"is_business_account": profile.is_business_account})
    return _decide(scan, ruleset, "profile", None, profile.owner_id)


def _decide(
    scan: Scan, ruleset: RuleSet, subject: str, shortcode: str | None, owner_id: str | None
) -> Explanation:
    if not scan.hits:
        return Explanation([])
    fired: list[tuple[RuleSpec, list[Hit]]] = []
    suppressed: list[Suppressed] = []
    for rule in ruleset.rules:
        if rule.subject != subject:
            continue
        support, blocked = _match(rule.when, rule.fields, scan, rule.unless)
        if support is not None:
            fired.append((rule, support))
        elif blocked is not None:
            suppressed.append(
                Suppressed(rule.id, "unless", "must-not context", _shown(scan, [blocked]))
            )
    if fired and ruleset.suppressions:
        kept = []
        for rule, support in fired:
            reason = _suppression_for(rule.id, ruleset, scan)
            if reason is None:
                kept.append((rule, support))
            else:
                suppressed.append(Suppressed(rule.id, reason[0], reason[1], _shown(scan, support)))
        fired = kept
    score = risk_score([r.weight for r, _ in fired])
    flags = []
    for rule, support in fired:
        fld, text, span, norm = _evidence(scan, support)
        if rule.check == "patient_privacy" or _shows_identifier(scan, fld, norm):
            text = mask_evidence(text)
        flags.append(
            Flag(
                shortcode=shortcode,
                owner_id=owner_id,
                check_name=rule.check,
                rule_id=rule.id,
                severity=rule.severity,
                evidence=text,
                fatwa_ref=rule.fatwa_ref,
                rule_version=ruleset.version,
                risk_score=score,
                evidence_field=fld,
                span_start=span[0] if span else None,
                span_end=span[1] if span else None,
            )
        )
    return Explanation(flags, suppressed)


def _clause_hits(clause: Clause, default_fields: Sequence[str], scan: Scan) -> list[Hit]:
    fields = clause.fields or default_fields
    return [h for c in clause.concepts for h in scan.hits.get(c, ()) if h.field in fields]


def _holds(clause: Clause, hits: Sequence[Hit], anchor: Hit | None) -> list[Hit]:
    """The hits that satisfy ``clause`` around ``anchor`` (empty when it does not hold)."""
    if clause.within is not None and anchor is not None:
        hits = [
            h
            for h in hits
            if h.field == anchor.field
            and h.tok - clause.within <= anchor.tok
            and anchor.tok <= h.tok_end + clause.within
        ]
    if clause.before is not None and anchor is not None:
        hits = [
            h
            for h in hits
            if h.field == anchor.field and h.tok < anchor.tok <= h.tok_end - 1 + clause.before
        ]
    if len({h.term for h in hits}) < clause.min_hits:
        return []
    return list(hits)


def _match(
    when: Sequence[Clause],
    fields: Sequence[str],
    scan: Scan,
    unless: Sequence[Clause] = (),
) -> tuple[list[Hit] | None, Hit | None]:
    """(evidence hit + supporting hits, or None; the must-not hit that blocked a match).

    The first clause gives the evidence (anchor); later clauses may be bound to it with
    ``within``/``before``. Anchors are tried in field order, then text order, and an anchor
    whose must-not (``unless``) context holds is skipped, so "jangan percaya testimoni ...
    testimoni pasien kami" still finds the second mention.
    """
    first, *others = when
    candidates = _holds(first, _clause_hits(first, fields, scan), None)
    if not candidates:
        return None, None
    order = {f: i for i, f in enumerate(fields)}
    candidates.sort(key=lambda h: (order.get(h.field, 99), h.start, -h.end))
    other_hits = [_clause_hits(c, fields, scan) for c in others]
    blocked: Hit | None = None
    for anchor in candidates:
        support = [anchor]
        for clause, hits in zip(others, other_hits, strict=True):
            ok = _holds(clause, hits, anchor)
            if not ok:
                break
            same = [h for h in ok if h.field == anchor.field]
            support.append(min(same or ok, key=lambda h: abs(h.tok - anchor.tok)))
        else:
            block = _first_holding(unless, fields, scan, anchor)
            if block is None:
                return support, None
            blocked = blocked or block
    return None, blocked


def _first_holding(
    clauses: Sequence[Clause], default_fields: Sequence[str], scan: Scan, anchor: Hit | None
) -> Hit | None:
    for clause in clauses:
        ok = _holds(clause, _clause_hits(clause, default_fields, scan), anchor)
        if ok:
            return ok[0]
    return None


def _suppression_for(rule_id: str, ruleset: RuleSet, scan: Scan) -> tuple[str, str] | None:
    for sup in ruleset.suppressions:
        if rule_id not in sup.rules:
            continue
        support, _ = _match(sup.when, sup.fields, scan, sup.unless)
        if support is not None:
            return sup.id, sup.reason
    return None


def _evidence(
    scan: Scan, support: Sequence[Hit]
) -> tuple[str, str, tuple[int, int] | None, tuple[int, int] | None]:
    """(field, original text, span in the original field, span in the normalised field)."""
    anchor = support[0]
    if anchor.start < 0:
        return anchor.field, scan.structural.get(anchor.field, anchor.field), None, None
    scanned = scan.fields[anchor.field]
    near = [h for h in support if h.field == anchor.field and h.start >= 0]
    start = min(h.start for h in near)
    end = max(h.end for h in near)
    if end - start > _EVIDENCE_MAX:
        start, end = anchor.start, anchor.end
    raw_start, raw_end = scanned.text.raw_span(start, end)
    return anchor.field, scanned.text.raw[raw_start:raw_end], (raw_start, raw_end), (start, end)


def _shown(scan: Scan, support: Sequence[Hit]) -> str:
    """Evidence text for an explanation, masked when it may show a patient identifier."""
    fld, text, _, norm = _evidence(scan, support)
    return mask_evidence(text) if _shows_identifier(scan, fld, norm) else text


def _shows_identifier(scan: Scan, fld: str, span: tuple[int, int] | None) -> bool:
    """Whether an evidence span overlaps a patient identifier (concepts named identifier_*)."""
    if span is None:
        return False
    lo, hi = span
    return any(
        h.field == fld and h.start < hi and lo < h.end
        for concept, hits in scan.hits.items()
        if concept.startswith(IDENTIFIER_PREFIX)
        for h in hits
    )


def explain_many(posts: Sequence[PostForCheck], ruleset: RuleSet) -> Mapping[str, Explanation]:
    """Explanations keyed by shortcode (evaluation and debugging)."""
    return {p.shortcode: explain_post(p, ruleset) for p in posts}
