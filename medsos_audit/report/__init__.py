"""Weekly audit reports per branch: self-contained HTML, an XLSX workbook and CSV (issue 6)."""

from medsos_audit.report.build import (
    RenderedReport,
    ReportFiles,
    UnknownBranchError,
    build_reports,
    render_branch,
    resolve_branches,
)

__all__ = [
    "RenderedReport",
    "ReportFiles",
    "UnknownBranchError",
    "build_reports",
    "render_branch",
    "resolve_branches",
]
