"""What the parse workers send back survives pickling field for field (medsos_audit.compact)."""

from __future__ import annotations

import pickle

from checks import load_ruleset
from extract.snapshot import parse_files, scan
from tests.conftest import SEEDS
from transform.prechecked import checks_task


def test_parsed_files_round_trip_through_pickle_unchanged() -> None:
    found = scan(SEEDS / "snapshot")
    task = checks_task(load_ruleset(SEEDS / "rules"))
    parsed = list(parse_files(found.files, "Asia/Jakarta", task=task))
    assert any(p.flags for p in parsed), "the sample must hold flagged posts"
    assert any(p.profile for p in parsed) and any(p.error for p in parsed)
    back = pickle.loads(pickle.dumps(parsed))
    assert back == parsed
    for before, after in zip(parsed, back, strict=True):
        assert type(after.file) is type(before.file)
        assert (after.post, after.profile, after.flags) == (
            before.post,
            before.profile,
            before.flags,
        )
