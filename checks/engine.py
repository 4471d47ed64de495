"""Runs the rule set over posts and profiles: concept hits -> rules -> suppressions -> flags."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from checks.evidence import age_numbers, identifying_words, mask_evidence
from checks.matcher import Hit, Matcher, Scan
from checks.ruleset import PROFILE_FIELDS, Clause, RuleSet, RuleSpec, SuppressionSpec
from checks.scoring import risk_score
from checks.types import Flag, PostForCheck, ProfileForCheck

IDENTIFIER_PREFIX = "identifier_"  # concepts that name or locate a patient
_EVIDENCE_MAX = 160  # longest evidence span (chars) that joins the trigger with its context


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


@dataclass(frozen=True, slots=True)
class _Plan:
    """A rule set prepared for fast evaluation (built once per process and version)."""

    matcher: Matcher
    rules: Mapping[str, list[tuple[RuleSpec, frozenset[str], bool]]]  # subject -> rules
    suppressions: Mapping[str, list[SuppressionSpec]]  # rule id -> suppressions
    identifiers: tuple[str, ...]


_PLANS: dict[str, _Plan] = {}


def _plan(ruleset: RuleSet) -> _Plan:
    found = _PLANS.get(ruleset.version)
    if found is None:
        if len(_PLANS) > 8:  # rule edits in a long-lived process: drop the old ones
            _PLANS.clear()
        matcher = Matcher(ruleset)
        rules: dict[str, list[tuple[RuleSpec, frozenset[str], bool]]] = {}
        for rule in ruleset.rules:
            first = frozenset(rule.when[0].concepts)
            # trigger concepts found by regexes outside the batch must be asked for one by one
            lazy = not first.isdisjoint(matcher.lazy_concepts)
            rules.setdefault(rule.subject, []).append((rule, first, lazy))
        sups: dict[str, list[SuppressionSpec]] = {}
        for sup in ruleset.suppressions:
            for rule_id in sup.rules:
                sups.setdefault(rule_id, []).append(sup)
        ids = tuple(c.name for c in ruleset.concepts if c.name.startswith(IDENTIFIER_PREFIX))
        found = _PLANS[ruleset.version] = _Plan(matcher, rules, sups, ids)
    return found


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
    # Hashtags and mentions are normally in the caption already; read only the ones that are not.
    extra = [h for h in post.hashtags if f"#{h.lower()}" not in lowered]
    named = [m for m in post.mentions if f"@{m.lower()}" not in lowered]
    return {
        "caption": post.caption,
        "accessibility_caption": post.accessibility_caption,
        "hashtags": " ".join(f"#{h}" for h in extra) or None,
        "mentions": " ".join(f"@{m}" for m in named) or None,
        "location": post.location,
        "tagged_users": " ".join(f"@{u}" for u in post.tagged_users) or None,
        "sponsor_users": " ".join(f"@{u}" for u in post.sponsor_users) or None,
    }


def explain_post(post: PostForCheck, ruleset: RuleSet) -> Explanation:
    """The flags of one post and the matches that suppressions or must-not context removed."""
    plan = _plan(ruleset)
    scan = plan.matcher.scan(
        post_texts(post),
        {
            "is_sponsored": post.is_sponsored,
            "sponsor_users": post.sponsor_users,
            "tagged_users": post.tagged_users,
        },
    )
    return _decide(scan, plan, ruleset.version, "post", post.shortcode, post.owner_id)


def explain_profile(profile: ProfileForCheck, ruleset: RuleSet) -> Explanation:
    """The flags of one profile and what was suppressed."""
    plan = _plan(ruleset)
    texts = {name: getattr(profile, name) for name in PROFILE_FIELDS}
    scan = plan.matcher.scan(texts, {"is_business_account": profile.is_business_account})
    return _decide(scan, plan, ruleset.version, "profile", None, profile.owner_id)


def _decide(
    scan: Scan, plan: _Plan, version: str, subject: str, shortcode: str | None, owner_id: str | None
) -> Explanation:
    if not scan.hits and not scan.fields:
        return Explanation([])
    fired: list[tuple[RuleSpec, list[Hit]]] = []
    suppressed: list[Suppressed] = []
    scan.run_batch()  # trigger regexes: one pass over the anchor tokens
    present = scan.hits.keys()
    for rule, first, lazy in plan.rules.get(subject, ()):
        # Most rules: none of their trigger concepts is here. Regex triggers run on demand.
        if first.isdisjoint(present) and not (lazy and any(scan.has(c) for c in first)):
            continue
        support, blocked = _match(rule.when, rule.fields, scan, rule.unless)
        if support is not None:
            fired.append((rule, support))
        elif blocked is not None:
            suppressed.append(
                Suppressed(rule.id, "unless", "must-not context", _shown(scan, plan, [blocked]))
            )
    if fired:
        kept = []
        for rule, support in fired:
            sup = _suppression_for(rule.id, plan, scan)
            if sup is None:
                kept.append((rule, support))
            else:
                shown = _shown(scan, plan, support)
                suppressed.append(Suppressed(rule.id, sup.id, sup.reason, shown))
        fired = kept
    if not fired:
        return Explanation([], suppressed)
    score = risk_score([r.weight for r, _ in fired])
    flags = []
    for rule, support in fired:
        fld, text, span, norm = _evidence(scan, support)
        if rule.check == "patient_privacy" or _shows_identifier(scan, plan, fld, norm):
            text = _masked(scan, fld, text, norm)
        flags.append(
            Flag(
                shortcode=shortcode,
                owner_id=owner_id,
                check_name=rule.check,
                rule_id=rule.id,
                severity=rule.severity,
                evidence=text,
                fatwa_ref=rule.fatwa_ref,
                rule_version=version,
                risk_score=score,
                evidence_field=fld,
                span_start=span[0] if span else None,
                span_end=span[1] if span else None,
            )
        )
    return Explanation(flags, suppressed)


def _clause_hits(clause: Clause, default_fields: Sequence[str], scan: Scan) -> list[Hit]:
    fields = clause.fields or default_fields
    get = scan.get
    return [h for c in clause.concepts for h in get(c) if h.field in fields]


def _holds(clause: Clause, hits: list[Hit], anchor: Hit | None) -> list[Hit]:
    """The hits that satisfy ``clause`` around ``anchor`` (empty when it does not hold)."""
    if anchor is not None:
        if clause.within is not None:
            lo, hi = anchor.tok - clause.within, anchor.tok + clause.within
            hits = [h for h in hits if h.field == anchor.field and h.tok <= hi and h.tok_end >= lo]
        if clause.before is not None:
            reach = clause.before
            hits = [
                h
                for h in hits
                if h.field == anchor.field and h.tok < anchor.tok <= h.tok_end - 1 + reach
            ]
    if clause.min_hits > 1 and len({h.term for h in hits}) < clause.min_hits:
        return []
    return hits


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
    other_hits = []
    for clause in others:
        hits = _clause_hits(clause, fields, scan)
        if not hits:  # a later clause with no hit at all: no anchor can help
            return None, None
        other_hits.append(hits)
    if len(candidates) > 1:
        order = {f: i for i, f in enumerate(fields)}
        candidates.sort(key=lambda h: (order.get(h.field, 99), h.start, -h.end))
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
            block = _first_holding(unless, fields, scan, anchor) if unless else None
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


def _suppression_for(rule_id: str, plan: _Plan, scan: Scan) -> SuppressionSpec | None:
    for sup in plan.suppressions.get(rule_id, ()):
        support, _ = _match(sup.when, sup.fields, scan, sup.unless)
        if support is not None:
            return sup
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


def _shown(scan: Scan, plan: _Plan, support: Sequence[Hit]) -> str:
    """Evidence text for an explanation, masked when it may show a patient identifier."""
    fld, text, _, norm = _evidence(scan, support)
    if not _shows_identifier(scan, plan, fld, norm):
        return text
    return _masked(scan, fld, text, norm)


# Concepts whose hits contain a patient's name or home town (masked word by word).
_NAME_CONCEPTS = (
    "identifier_name",
    "identifier_initials",
    "identifier_town",
    "town_mention",
    "town_name",
)
# Concepts whose hits hold a patient's age (numbers masked).
_AGE_CONCEPTS = ("identifier_age", "identifier_age_bare")


def _masked(scan: Scan, fld: str, text: str, norm: tuple[int, int] | None) -> str:
    """Evidence with identifiers masked, including the names and ages the rules found in it."""
    return mask_evidence(
        text,
        identifying_words(_hit_texts(scan, fld, norm, _NAME_CONCEPTS)),
        age_numbers(_hit_texts(scan, fld, norm, _AGE_CONCEPTS)),
    )


def _hit_texts(
    scan: Scan, fld: str, norm: tuple[int, int] | None, concepts: Sequence[str]
) -> list[str]:
    """The original text of the hits of ``concepts`` that overlap the evidence span."""
    if norm is None or fld not in scan.fields:
        return []
    text = scan.fields[fld].text
    out = []
    for concept in concepts:
        for h in scan.get(concept):
            if h.field == fld and h.start < norm[1] and norm[0] < h.end:
                start, end = text.raw_span(h.start, h.end)
                out.append(text.raw[start:end])
    return out


def _shows_identifier(scan: Scan, plan: _Plan, fld: str, span: tuple[int, int] | None) -> bool:
    """Whether an evidence span overlaps a patient identifier (concepts named identifier_*)."""
    if span is None:
        return False
    return plan.matcher.matches_in_span(scan, plan.identifiers, fld, span[0], span[1])
