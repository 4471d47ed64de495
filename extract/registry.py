"""Reads the registry of doctors and their professional Instagram accounts (seeds/registry.csv).

Bad rows are reported with file and line and skipped; every good row still loads.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

COLUMNS = (
    "npa",
    "full_name",
    "branch",
    "specialty",
    "instagram_username",
    "registered_on",
    "branch_email",
)
MAX_ROWS = 1_000_000
MAX_FIELD = 1_000

# Instagram usernames: 1-30 of a-z 0-9 . _; no leading/trailing period, no '..'.
_USERNAME = re.compile(r"^(?!\.)(?!.*\.\.)(?!.*\.$)[a-z0-9._]{1,30}$")
_EMAIL = re.compile(r"^[^@\s,;<>]+@[^@\s,;<>]+\.[a-z]{2,}$", re.IGNORECASE)
_NPA = re.compile(r"^[0-9A-Za-z.\-/]{1,32}$")


class RegistryError(ValueError):
    """The registry file cannot be read at all (missing, wrong header, not CSV)."""


@dataclass(frozen=True)
class RegistryProblem:
    """One row that was not loaded, and why."""

    path: str
    line: int
    reason: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.reason}"


@dataclass(frozen=True)
class Doctor:
    npa: str
    full_name: str
    branch: str
    specialty: str | None
    branch_email: str | None
    registered_on: date | None


@dataclass(frozen=True)
class RegisteredAccount:
    npa: str
    username: str
    registered_on: date | None
    line: int


@dataclass
class RegistryLoad:
    """The good rows of a registry file and the problems found in the bad ones."""

    path: Path
    doctors: dict[str, Doctor] = field(default_factory=dict)
    accounts: list[RegisteredAccount] = field(default_factory=list)
    problems: list[RegistryProblem] = field(default_factory=list)


def normalise_username(raw: str) -> str:
    """A username as Instagram stores it: trimmed, without a leading '@', lower case."""
    return raw.strip().lstrip("@").strip().lower()


def is_valid_username(username: str) -> bool:
    """True when ``username`` obeys Instagram's username rules."""
    return bool(_USERNAME.match(username))


def _decode(path: Path, data: bytes, problems: list[RegistryProblem]) -> str:
    """The file as text; lines with bytes that are not UTF-8 are reported and blanked."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    lines = []
    for number, raw in enumerate(data.split(b"\n"), start=1):
        try:
            lines.append(raw.decode("utf-8-sig" if number == 1 else "utf-8"))
        except UnicodeDecodeError as exc:
            problems.append(
                RegistryProblem(str(path), number, f"not UTF-8 text (byte {exc.start + 1})")
            )
            lines.append("")
    return "\n".join(lines)


def _parse_date(value: str) -> date:
    return date.fromisoformat(value)


def load_registry(path: Path) -> RegistryLoad:
    """Loads the registry at ``path``; raises RegistryError only when nothing can be read."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise RegistryError(f"cannot read registry {path}: {exc.strerror or exc}") from exc
    result = RegistryLoad(path=path)
    text = _decode(path, data, result.problems)
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [h.strip().lower() for h in next(reader)]
    except StopIteration:
        raise RegistryError(f"{path}: the registry is empty") from None
    except csv.Error as exc:
        raise RegistryError(f"{path}: not a CSV file ({exc})") from exc
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        raise RegistryError(f"{path}:1: missing column(s) {', '.join(missing)}")
    index = {name: header.index(name) for name in COLUMNS}
    seen_usernames: dict[str, int] = {}
    rows = 0
    while True:
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            result.problems.append(RegistryProblem(str(path), reader.line_num, f"bad CSV: {exc}"))
            continue
        line = reader.line_num
        if not row or all(not cell.strip() for cell in row):
            continue
        rows += 1
        if rows > MAX_ROWS:
            result.problems.append(
                RegistryProblem(str(path), line, f"more than {MAX_ROWS} rows; the rest ignored")
            )
            break
        problem = _load_row(row, index, line, seen_usernames, result)
        if problem:
            result.problems.append(RegistryProblem(str(path), line, problem))
    return result


def _load_row(
    row: list[str],
    index: dict[str, int],
    line: int,
    seen_usernames: dict[str, int],
    result: RegistryLoad,
) -> str | None:
    """Adds one row to ``result``; returns why it was rejected, or None."""
    if len(row) < len(index):
        return f"expected {len(COLUMNS)} columns, found {len(row)}"
    cells = {name: row[i].strip() for name, i in index.items()}
    too_long = [name for name, value in cells.items() if len(value) > MAX_FIELD]
    if too_long:
        return f"{too_long[0]} longer than {MAX_FIELD} characters"
    npa, full_name, branch = cells["npa"], cells["full_name"], cells["branch"]
    if not _NPA.match(npa):
        return f"npa {npa!r} is not a member number"
    if not full_name or not branch:
        return "full_name and branch are required"
    username = normalise_username(cells["instagram_username"])
    if not is_valid_username(username):
        return (
            f"instagram_username {cells['instagram_username']!r} is not a valid Instagram "
            "username (1-30 of a-z, 0-9, '.', '_'; no leading, trailing or double '.')"
        )
    if username in seen_usernames:
        return (
            f"instagram_username {username!r} already registered on line {seen_usernames[username]}"
        )
    email = cells["branch_email"] or None
    if email and not _EMAIL.match(email):
        return f"branch_email {email!r} is not an e-mail address"
    try:
        registered_on = _parse_date(cells["registered_on"]) if cells["registered_on"] else None
    except ValueError:
        return f"registered_on {cells['registered_on']!r} is not a date (YYYY-MM-DD)"
    doctor = Doctor(npa, full_name, branch, cells["specialty"] or None, email, registered_on)
    known = result.doctors.get(npa)
    if known and known.branch != branch:
        return f"npa {npa} is already registered in {known.branch!r}, not {branch!r}"
    result.doctors.setdefault(npa, doctor)
    seen_usernames[username] = line
    result.accounts.append(RegisteredAccount(npa, username, registered_on, line))
    return None
