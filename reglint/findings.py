"""What a rule reports, independent of how it is shown."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, order=True)
class Location:
    row: int  # 1-based
    column: int  # 1-based, in characters


@dataclass(frozen=True)
class Edit:
    """Replace the text between ``location`` and ``end_location`` by ``content``."""

    content: str
    location: Location
    end_location: Location


@dataclass(frozen=True)
class Fix:
    message: str
    edits: tuple[Edit, ...]
    applicability: str = "safe"  # "safe" fixes are applied by --fix; "unsafe" are shown only


@dataclass(frozen=True)
class Finding:
    code: str
    message: str
    filename: str
    location: Location
    end_location: Location
    fix: Fix | None = None
    cell: int | None = None  # notebook cell index (0-based), when linting a notebook
    cell_location: Location | None = None  # the location inside that cell
    fixed: bool = field(default=False, compare=False)
    #: Other places the finding is about, ``(filename, location, message)``: the
    #: layer a helper builds, for a finding at the helper's call.
    related: tuple[tuple[str, Location, str], ...] = ()

    def sort_key(self) -> tuple:
        # In a notebook, locations are relative to the cell: order by cell first.
        cell = -1 if self.cell is None else self.cell
        return (self.filename, cell, self.location.row, self.location.column, self.code)
