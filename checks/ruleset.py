"""Loads the rule set (YAML under seeds/rules/) into plain, picklable, validated specs.

A broken file raises :class:`RulesError` naming the file and the rule or concept at fault.
The version is the declared version plus a short hash of every file's bytes, so any edit to
any rules file changes the version recorded on the flags.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import yaml

from checks.normalize import Morphology
from checks.types import CHECK_NAMES, SEVERITIES, CheckName, Severity

MANIFEST = "ruleset.yaml"
POST_FIELDS = (
    "caption",
    "accessibility_caption",
    "hashtags",
    "mentions",
    "location",
    "tagged_users",
    "sponsor_users",
)
PROFILE_FIELDS = ("biography", "full_name", "external_url", "business_category", "username")
TEXT_FIELDS = POST_FIELDS + PROFILE_FIELDS
# Structural concepts read a non-text field: a true boolean or a non-empty list.
STRUCTURAL_FIELDS = ("is_sponsored", "sponsor_users", "tagged_users", "is_business_account")
# Special gate / anchor words (see RegexSpec).
SPECIAL_WORDS = frozenset(
    {"<digit>", "<paren>", "<dollar>", "<mention>", "<quote>", "<number>", "<alnum>"}
)
_ID_RE = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)*$")


class RulesError(ValueError):
    """A rules file is missing, unreadable or invalid; the message names the file and item."""


@dataclass(frozen=True, slots=True)
class RegexSpec:
    r"""One regex of a concept and where it may match (which decides what it costs).

    ``anchor``: the match starts at a token with one of these words (or a token class:
    "<number>" starts with a digit, "<alnum>" mixes letters and digits, "<mention>" is an
    @account); the regex is then tried only at those tokens. Otherwise ``gate``: words one of
    which must be in the field (or "<digit>", "<paren>", "<dollar>", "<mention>", "<quote>"
    characters) for the regex to scan the field; ``prefilter``, a cheap regex (e.g.
    ``\(\s?\d``), must be found as well. None of these: it scans every field it reads.
    """

    pattern: str
    cased: bool = False  # read NFKC text with its case kept (codes, initials)
    gate: tuple[str, ...] = ()
    anchor: tuple[str, ...] = ()
    prefilter: str | None = None  # a quick regex that must be found before the full one runs


@dataclass(frozen=True, slots=True)
class ConceptSpec:
    """A named idea to look for: terms/phrases, regexes, or a structural field."""

    name: str
    source: str
    terms: tuple[str, ...] = ()
    regex: tuple[RegexSpec, ...] = ()
    affixes: bool = False  # single-word terms also match affixed forms (di-, me-, -kan ...)
    except_terms: tuple[str, ...] = ()  # phrases that cancel an overlapping hit ("harga diri")
    field: str | None = None  # structural: is_sponsored, sponsor_users, ...
    hashtags: bool = True  # single-word terms are also found inside compound hashtags


@dataclass(frozen=True, slots=True)
class Clause:
    """At least ``min_hits`` distinct matches of any of ``concepts`` in ``fields``."""

    concepts: tuple[str, ...]
    fields: tuple[str, ...] | None = None  # None: the rule's fields
    within: int | None = None  # at most this many tokens from the evidence hit (same field)
    before: int | None = None  # at most this many tokens before the evidence hit (same field)
    min_hits: int = 1


@dataclass(frozen=True, slots=True)
class RuleSpec:
    """A risk rule: when every ``when`` clause holds and no ``unless`` clause does, it fires."""

    id: str
    check: CheckName
    subject: str  # 'post' or 'profile'
    severity: Severity
    fatwa_ref: str
    weight: int
    fields: tuple[str, ...]
    when: tuple[Clause, ...]
    unless: tuple[Clause, ...]
    description: str
    source: str


@dataclass(frozen=True, slots=True)
class SuppressionSpec:
    """A named hard-negative exclusion: when it holds, the listed rules do not flag the post."""

    id: str
    rules: tuple[str, ...]  # resolved rule ids
    when: tuple[Clause, ...]
    unless: tuple[Clause, ...]
    fields: tuple[str, ...]
    reason: str
    source: str


@dataclass(frozen=True, slots=True)
class ShareSignalSpec:
    """Account-level share signal: flagged posts / posts over a window of weeks."""

    id: str
    check: CheckName
    signal: str
    threshold: float
    min_posts: int
    window_weeks: int
    severity: Severity
    fatwa_ref: str
    description: str


@dataclass(frozen=True, slots=True)
class RuleSet:
    """The whole rule set as data: picklable, compared and cached by ``version``."""

    version: str
    declared_version: str
    concepts: tuple[ConceptSpec, ...]
    rules: tuple[RuleSpec, ...]
    suppressions: tuple[SuppressionSpec, ...]
    morphology: Morphology
    signals: tuple[ShareSignalSpec, ...] = ()
    severity_weights: Mapping[str, int] = field(default_factory=dict)
    files: tuple[str, ...] = ()

    def signal(self, check: str) -> ShareSignalSpec | None:
        """The account share signal of ``check``, if the rules declare one."""
        return next((s for s in self.signals if s.check == check), None)


def load_ruleset(rules_dir: Path) -> RuleSet:
    """The rule set declared by ``rules_dir``/ruleset.yaml and the files it lists."""
    manifest_path = Path(rules_dir) / MANIFEST
    manifest = _read_yaml(manifest_path)
    where = str(manifest_path)
    _only_keys(where, manifest, {"version", "description", "files", "checks", "risk", "signals"})
    declared = manifest.get("version")
    if not isinstance(declared, str | int | float) or str(declared).strip() == "":
        raise RulesError(f"{where}: 'version' must be a non-empty string")
    files = _str_list(where, "files", manifest.get("files"))
    checks = _mapping(where, "checks", manifest.get("checks", {}))
    defaults: dict[str, dict[str, Any]] = {}
    for name, spec in checks.items():
        if name not in CHECK_NAMES:
            raise RulesError(f"{where}: checks: unknown check {name!r}")
        defaults[name] = _mapping(where, f"checks.{name}", spec)
    risk = _mapping(where, "risk", manifest.get("risk", {}))
    weights_raw = _mapping(where, "risk.severity_weights", risk.get("severity_weights", {}))
    weights = {str(k): _int(where, f"risk.severity_weights.{k}", v) for k, v in weights_raw.items()}
    for sev in SEVERITIES:
        weights.setdefault(sev, {"ringan": 20, "sedang": 45, "berat": 75}[sev])

    digest = hashlib.sha256()
    digest.update(manifest_path.read_bytes())
    concepts: dict[str, ConceptSpec] = {}
    rules: dict[str, RuleSpec] = {}
    raw_suppressions: list[tuple[str, dict[str, Any]]] = []
    morphology: Morphology | None = None
    for name in files:
        path = Path(rules_dir) / name
        doc = _read_yaml(path)
        digest.update(name.encode() + b"\0" + path.read_bytes())
        src = str(path)
        _only_keys(src, doc, {"normalise", "concepts", "rules", "suppressions", "description"})
        if "normalise" in doc:
            if morphology is not None:
                raise RulesError(f"{src}: 'normalise' is already defined in another file")
            morphology = _morphology(src, _mapping(src, "normalise", doc["normalise"]))
        for cname, cspec in _mapping(src, "concepts", doc.get("concepts", {})).items():
            if cname in concepts:
                raise RulesError(
                    f"{src}: concept {cname!r} is already defined in {concepts[cname].source}"
                )
            concepts[cname] = _concept(src, str(cname), cspec)
        for item in _list(src, "rules", doc.get("rules", [])):
            rule = _rule(src, item, defaults, weights)
            if rule.id in rules:
                raise RulesError(
                    f"{src}: rule {rule.id!r} is already defined in {rules[rule.id].source}"
                )
            rules[rule.id] = rule
        for item in _list(src, "suppressions", doc.get("suppressions", [])):
            raw_suppressions.append((src, _mapping(src, "suppression", item)))
    if morphology is None:
        raise RulesError(f"{where}: no listed file defines 'normalise'")

    suppressions = [_suppression(src, item, rules) for src, item in raw_suppressions]
    ids = [s.id for s in suppressions]
    dup = {i for i in ids if ids.count(i) > 1}
    if dup:
        raise RulesError(f"{where}: suppression ids defined twice: {sorted(dup)}")
    for rule in rules.values():
        _check_clause_concepts(rule.source, f"rule {rule.id!r}", rule.when + rule.unless, concepts)
    for sup in suppressions:
        _check_clause_concepts(
            sup.source, f"suppression {sup.id!r}", sup.when + sup.unless, concepts
        )
    signals = tuple(
        _signal(where, item, defaults)
        for item in _list(where, "signals", manifest.get("signals", []))
    )
    return RuleSet(
        version=f"{str(declared).strip()}+{digest.hexdigest()[:8]}",
        declared_version=str(declared).strip(),
        concepts=tuple(concepts.values()),
        rules=tuple(rules.values()),
        suppressions=tuple(suppressions),
        morphology=morphology,
        signals=signals,
        severity_weights=weights,
        files=tuple(files),
    )


# --- validation helpers -------------------------------------------------------------------


def _read_yaml(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise RulesError(f"{path}: cannot read rules file ({exc.strerror or exc})") from exc
    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise RulesError(f"{path}: not valid YAML: {exc}") from exc
    if doc is None:
        return {}
    if not isinstance(doc, dict):
        raise RulesError(f"{path}: the top level must be a mapping")
    return cast(dict[str, Any], doc)


def _only_keys(where: str, doc: Mapping[str, Any], allowed: set[str]) -> None:
    unknown = set(doc) - allowed
    if unknown:
        raise RulesError(
            f"{where}: unknown key(s) {sorted(map(str, unknown))}; allowed {sorted(allowed)}"
        )


def _mapping(where: str, what: str, value: Any) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise RulesError(f"{where}: {what} must be a mapping")
    return cast(dict[str, Any], value)


def _list(where: str, what: str, value: Any) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise RulesError(f"{where}: {what} must be a list")
    return value


def _str_list(where: str, what: str, value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        value = [value]
    if isinstance(value, list) and any(isinstance(v, bool) for v in value):
        # YAML reads bare no/yes/on/off/y/n as booleans: make the author quote them
        raise RulesError(
            f"{where}: {what} has a yes/no value; quote words like 'no', 'on', 'off', 'y'"
        )
    if not isinstance(value, list) or not all(isinstance(v, str | int | float) for v in value):
        raise RulesError(f"{where}: {what} must be a list of strings")
    return tuple(str(v) for v in value)


def _int(where: str, what: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise RulesError(f"{where}: {what} must be a whole number, got {value!r}")
    return value


def _concept(src: str, name: str, spec: Any) -> ConceptSpec:
    where = f"{src}: concept {name!r}"
    if not _ID_RE.match(name):
        raise RulesError(f"{where}: names are lower_case words (a-z, 0-9, _ and .)")
    if isinstance(spec, list):  # shorthand: a plain list of terms
        spec = {"terms": spec}
    spec = _mapping(src, f"concept {name!r}", spec)
    _only_keys(
        where,
        spec,
        {
            "terms",
            "regex",
            "cased_regex",
            "gate",
            "anchor",
            "affixes",
            "except",
            "field",
            "hashtags",
            "note",
        },
    )
    gate = _str_list(where, "gate", spec.get("gate"))
    anchor = _str_list(where, "anchor", spec.get("anchor"))
    regexes = _regexes(where, "regex", spec.get("regex"), False, gate, anchor)
    regexes += _regexes(where, "cased_regex", spec.get("cased_regex"), True, gate, anchor)
    fld = spec.get("field")
    if fld is not None and fld not in STRUCTURAL_FIELDS:
        raise RulesError(f"{where}: field must be one of {STRUCTURAL_FIELDS}, got {fld!r}")
    concept = ConceptSpec(
        name=name,
        source=src,
        terms=tuple(t.strip() for t in _str_list(where, "terms", spec.get("terms")) if t.strip()),
        regex=regexes,
        affixes=bool(spec.get("affixes", False)),
        except_terms=_str_list(where, "except", spec.get("except")),
        field=fld,
        hashtags=bool(spec.get("hashtags", True)),
    )
    if not (concept.terms or concept.regex or concept.field):
        raise RulesError(f"{where}: needs terms, regex, cased_regex or field")
    return concept


def _regexes(
    where: str,
    what: str,
    value: Any,
    cased: bool,
    gate: tuple[str, ...],
    anchor: tuple[str, ...],
) -> tuple[RegexSpec, ...]:
    """Regex entries: a pattern, or {re: pattern, gate/anchor: [...]} overriding the concept's."""
    out = []
    items = [value] if isinstance(value, str | dict) else _list(where, what, value)
    for item in items:
        own_gate, own_anchor, prefilter = gate, anchor, None
        if isinstance(item, dict):
            _only_keys(f"{where}: {what}", item, {"re", "gate", "anchor", "prefilter"})
            if "gate" in item or "anchor" in item or "prefilter" in item:
                own_gate = _str_list(where, f"{what}.gate", item.get("gate"))
                own_anchor = _str_list(where, f"{what}.anchor", item.get("anchor"))
            prefilter = item.get("prefilter")
            if prefilter is not None:
                if not isinstance(prefilter, str):
                    raise RulesError(f"{where}: {what}.prefilter must be a pattern")
                try:
                    re.compile(prefilter)
                except re.error as exc:
                    raise RulesError(f"{where}: bad prefilter {prefilter!r}: {exc}") from exc
            item = item.get("re")
        if not isinstance(item, str):
            raise RulesError(f"{where}: {what} entries are patterns or {{re: ..., anchor: [...]}}")
        try:
            re.compile(item)
        except re.error as exc:
            raise RulesError(f"{where}: bad regex {item!r}: {exc}") from exc
        bad = [w for w in own_gate + own_anchor if w.startswith("<") and w not in SPECIAL_WORDS]
        if bad:
            raise RulesError(f"{where}: unknown gate/anchor {bad}; known {sorted(SPECIAL_WORDS)}")
        out.append(RegexSpec(item, cased, own_gate, own_anchor, prefilter))
    return tuple(out)


def _clauses(where: str, what: str, value: Any) -> tuple[Clause, ...]:
    out = []
    for i, item in enumerate(_list(where, what, value)):
        label = f"{what}[{i}]"
        if isinstance(item, str | list):
            item = {"any": item}
        item = _mapping(where, label, item)
        _only_keys(f"{where}: {label}", item, {"any", "fields", "within", "before", "min_hits"})
        concepts = _str_list(where, f"{label}.any", item.get("any"))
        if not concepts:
            raise RulesError(f"{where}: {label} needs 'any: [concept, ...]'")
        fields = item.get("fields")
        within = item.get("within")
        before = item.get("before")
        out.append(
            Clause(
                concepts=concepts,
                fields=_fields(where, f"{label}.fields", fields) if fields is not None else None,
                within=_int(where, f"{label}.within", within) if within is not None else None,
                before=_int(where, f"{label}.before", before) if before is not None else None,
                min_hits=_int(where, f"{label}.min_hits", item.get("min_hits", 1)),
            )
        )
    return tuple(out)


def _fields(where: str, what: str, value: Any) -> tuple[str, ...]:
    fields = _str_list(where, what, value)
    bad = [f for f in fields if f not in TEXT_FIELDS + STRUCTURAL_FIELDS]
    if bad:
        raise RulesError(f"{where}: {what}: unknown field(s) {bad}")
    return fields


def _rule(
    src: str, item: Any, defaults: Mapping[str, Mapping[str, Any]], weights: Mapping[str, int]
) -> RuleSpec:
    item = _mapping(src, "rule", item)
    rule_id = item.get("id")
    if not isinstance(rule_id, str) or not _ID_RE.match(rule_id):
        raise RulesError(f"{src}: a rule needs an id like 'promotion.price' (got {rule_id!r})")
    where = f"{src}: rule {rule_id!r}"
    _only_keys(
        where,
        item,
        {
            "id",
            "check",
            "subject",
            "severity",
            "fatwa_ref",
            "weight",
            "fields",
            "when",
            "unless",
            "description",
        },
    )
    check = item.get("check")
    if check not in CHECK_NAMES:
        raise RulesError(f"{where}: check must be one of {CHECK_NAMES}, got {check!r}")
    base = defaults.get(check, {})
    severity = item.get("severity", base.get("severity"))
    if severity not in SEVERITIES:
        raise RulesError(f"{where}: severity must be one of {SEVERITIES}, got {severity!r}")
    fatwa = item.get("fatwa_ref", base.get("fatwa_ref"))
    if not isinstance(fatwa, str) or not fatwa.strip():
        raise RulesError(f"{where}: needs a fatwa_ref (or a default for check {check!r})")
    subject = item.get("subject", "post")
    if subject not in ("post", "profile"):
        raise RulesError(f"{where}: subject must be 'post' or 'profile'")
    default_fields = ("caption", "accessibility_caption") if subject == "post" else PROFILE_FIELDS
    fields = _fields(where, "fields", item["fields"]) if "fields" in item else default_fields
    weight = _int(where, "weight", item.get("weight", weights[severity]))
    if not 0 <= weight <= 100:
        raise RulesError(f"{where}: weight must be between 0 and 100")
    when = _clauses(where, "when", item.get("when"))
    if not when:
        raise RulesError(f"{where}: needs at least one 'when' clause")
    return RuleSpec(
        id=rule_id,
        check=cast(CheckName, check),
        subject=subject,
        severity=cast(Severity, severity),
        fatwa_ref=fatwa.strip(),
        weight=weight,
        fields=fields,
        when=when,
        unless=_clauses(where, "unless", item.get("unless")),
        description=str(item.get("description", "")).strip(),
        source=src,
    )


def _suppression(src: str, item: dict[str, Any], rules: Mapping[str, RuleSpec]) -> SuppressionSpec:
    sup_id = item.get("id")
    if not isinstance(sup_id, str) or not _ID_RE.match(sup_id):
        raise RulesError(f"{src}: a suppression needs an id like 'noise.health_campaign'")
    where = f"{src}: suppression {sup_id!r}"
    _only_keys(where, item, {"id", "suppresses", "fields", "when", "unless", "reason"})
    targets: list[str] = []
    for target in _str_list(where, "suppresses", item.get("suppresses")):
        if target in CHECK_NAMES:
            targets.extend(
                r.id for r in rules.values() if r.check == target and r.subject == "post"
            )
        elif target.endswith(".*"):
            matched = [r for r in rules if r.startswith(target[:-1])]
            if not matched:
                raise RulesError(f"{where}: {target!r} matches no rule")
            targets.extend(matched)
        elif target in rules:
            targets.append(target)
        else:
            raise RulesError(f"{where}: suppresses unknown rule or check {target!r}")
    if not targets:
        raise RulesError(f"{where}: needs 'suppresses: [rule id or check name, ...]'")
    reason = item.get("reason")
    if not isinstance(reason, str) or not reason.strip():
        raise RulesError(f"{where}: needs a 'reason' (shown to reviewers)")
    when = _clauses(where, "when", item.get("when"))
    if not when:
        raise RulesError(f"{where}: needs at least one 'when' clause")
    fields = item.get("fields")
    return SuppressionSpec(
        id=sup_id,
        rules=tuple(dict.fromkeys(targets)),
        when=when,
        unless=_clauses(where, "unless", item.get("unless")),
        fields=_fields(where, "fields", fields) if fields is not None else TEXT_FIELDS,
        reason=" ".join(reason.split()),
        source=src,
    )


def _check_clause_concepts(
    src: str, what: str, clauses: tuple[Clause, ...], concepts: Mapping[str, ConceptSpec]
) -> None:
    for clause in clauses:
        for name in clause.concepts:
            if name not in concepts:
                raise RulesError(f"{src}: {what} uses unknown concept {name!r}")


def _morphology(src: str, spec: Mapping[str, Any]) -> Morphology:
    where = f"{src}: normalise"
    _only_keys(where, spec, {"slang", "clitics", "prefixes", "suffixes", "emoji", "min_stem"})
    slang = {str(k): str(v) for k, v in _mapping(src, "normalise.slang", spec.get("slang")).items()}
    emoji = {str(k): str(v) for k, v in _mapping(src, "normalise.emoji", spec.get("emoji")).items()}
    prefixes: list[tuple[str, str]] = []
    for entry in _str_list(where, "prefixes", spec.get("prefixes")):
        # "meny>s" means: strip "meny", and also try the stem with "s" restored.
        head, _, restored = entry.partition(">")
        prefixes.append((head, restored))
    return Morphology(
        slang=slang,
        clitics=_str_list(where, "clitics", spec.get("clitics")),
        prefixes=tuple(prefixes),
        suffixes=_str_list(where, "suffixes", spec.get("suffixes")),
        emoji=emoji,
        min_stem=_int(where, "min_stem", spec.get("min_stem", 3)),
    )


def _signal(where: str, item: Any, defaults: Mapping[str, Mapping[str, Any]]) -> ShareSignalSpec:
    item = _mapping(where, "signal", item)
    sig_id = item.get("id")
    label = f"{where}: signal {sig_id!r}"
    _only_keys(
        label,
        item,
        {
            "id",
            "check",
            "signal",
            "threshold",
            "min_posts",
            "window_weeks",
            "severity",
            "fatwa_ref",
            "description",
        },
    )
    check = item.get("check")
    if not isinstance(sig_id, str) or check not in CHECK_NAMES:
        raise RulesError(f"{label}: needs an id and a check from {CHECK_NAMES}")
    threshold = item.get("threshold")
    if not isinstance(threshold, int | float) or not 0 < float(threshold) <= 1:
        raise RulesError(f"{label}: threshold must be a share between 0 and 1")
    severity = item.get("severity", defaults.get(check, {}).get("severity"))
    if severity not in SEVERITIES:
        raise RulesError(f"{label}: severity must be one of {SEVERITIES}")
    fatwa = item.get("fatwa_ref", defaults.get(check, {}).get("fatwa_ref"))
    if not isinstance(fatwa, str) or not fatwa.strip():
        raise RulesError(f"{label}: needs a fatwa_ref")
    return ShareSignalSpec(
        id=sig_id,
        check=cast(CheckName, check),
        signal=str(item.get("signal", "share")),
        threshold=float(threshold),
        min_posts=_int(label, "min_posts", item.get("min_posts", 1)),
        window_weeks=_int(label, "window_weeks", item.get("window_weeks", 12)),
        severity=cast(Severity, severity),
        fatwa_ref=fatwa.strip(),
        description=str(item.get("description", "")).strip(),
    )
