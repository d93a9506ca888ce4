"""Find the source line of a session, key or step in a program's TOML text.

``tomllib`` reports positions only for syntax errors; for problems found while
validating the parsed values, this module scans the text itself. It knows the
shapes program files take: ``[[sessions]]`` tables whose ``steps`` are inline
tables (``{ run = "0:15" }``, nested in ``steps = [...]`` of a repeat) or
``[[sessions.steps]]`` tables. When the text has another shape, it falls back
to the nearest enclosing line it can find.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["SourceMap"]

_HEADER = re.compile(r"^[ \t]*\[\[?[ \t]*([A-Za-z0-9_.\" \t-]+?)[ \t]*\]\]?", re.MULTILINE)

_STEP_HEADER = re.compile(r"^[ \t]*\[\[[ \t]*sessions\.steps", re.MULTILINE)


@dataclass(frozen=True)
class _Region:
    start: int
    end: int


def _key_pattern(key: str) -> re.Pattern[str]:
    escaped = re.escape(key)
    return re.compile(rf"^[ \t]*(?:{escaped}|\"{escaped}\"|'{escaped}')[ \t]*=", re.MULTILINE)


class SourceMap:
    """Line lookups in one program text.

    Parameters
    ----------
    text
        The TOML source.
    """

    def __init__(self, text: str) -> None:
        self.text = text
        self._code = _blank_strings_and_comments(text)
        self._sessions = self._session_regions()

    def line_of(self, offset: int) -> int:
        """1-based line of a character offset."""
        return self.text.count("\n", 0, offset) + 1

    def top_key(self, key: str) -> int | None:
        """Line of a top-level ``key = ...`` (before the first table header)."""
        first = _HEADER.search(self._code)
        end = first.start() if first else len(self._code)
        match = _key_pattern(key).search(self._code, 0, end)
        return self.line_of(match.start()) if match else None

    def table_key(self, table: str, key: str | None = None) -> int | None:
        """Line of ``key = ...`` in the ``[table]`` table, else of its header.

        Without a header (an inline table ``table = { ... }``), the line of the
        top-level ``table = ...``.
        """
        for header in _HEADER.finditer(self._code):
            if header.group(0).lstrip().startswith("[["):
                continue
            if header.group(1).replace(" ", "").replace('"', "") != table:
                continue
            following = _HEADER.search(self._code, header.end())
            end = following.start() if following else len(self._code)
            if key is not None:
                match = _key_pattern(key).search(self._code, header.end(), end)
                if match:
                    return self.line_of(match.start())
            return self.line_of(header.start())
        return self.top_key(table)

    def session(self, index: int) -> int | None:
        """Line of the ``[[sessions]]`` header of the ``index``-th session (from 0)."""
        if index < len(self._sessions):
            return self.line_of(self._sessions[index].start)
        return self.top_key("sessions")

    def session_key(self, index: int, key: str) -> int | None:
        """Line of ``key = ...`` in a session, else the session's line."""
        if index < len(self._sessions):
            region = self._sessions[index]
            match = _key_pattern(key).search(self._code, region.start, region.end)
            if match:
                return self.line_of(match.start())
        return self.session(index)

    def step(self, session_index: int, ordinal: int) -> int | None:
        """Line of a step of a session.

        Parameters
        ----------
        session_index
            The session, from 0.
        ordinal
            The step's position in a pre-order walk of the session's step tree
            (a repeat counts before the steps it holds), from 0.
        """
        if session_index >= len(self._sessions):
            return self.session(session_index)
        region = self._sessions[session_index]
        starts = self._step_starts(region)
        if ordinal < len(starts):
            return self.line_of(starts[ordinal])
        return self.session_key(session_index, "steps")

    def _session_regions(self) -> list[_Region]:
        headers = list(_HEADER.finditer(self._code))
        regions: list[_Region] = []
        for i, header in enumerate(headers):
            name = header.group(1).replace(" ", "").replace('"', "")
            if name != "sessions" or not header.group(0).lstrip().startswith("[["):
                continue
            end = len(self._code)
            for later in headers[i + 1 :]:
                later_name = later.group(1).replace(" ", "").replace('"', "")
                if not later_name.startswith("sessions."):
                    end = later.start()
                    break
            regions.append(_Region(header.start(), end))
        return regions

    def _step_starts(self, region: _Region) -> list[int]:
        """Offsets of every step (inline table or ``[[sessions.steps...]]``) in order."""
        starts: list[int] = []
        steps_key = _key_pattern("steps")
        in_steps = False
        depth = 0
        pos = region.start
        code = self._code
        while pos < region.end:
            if not in_steps:
                key = steps_key.search(code, pos, region.end)
                header = _STEP_HEADER.search(code, pos, region.end)
                candidates = [m for m in (key, header) if m is not None]
                if not candidates:
                    break
                first = min(candidates, key=lambda m: m.start())
                if first is header:
                    starts.append(first.start())
                    pos = first.end()
                    continue
                bracket = code.find("[", first.end(), region.end)
                if bracket < 0:
                    break
                in_steps, depth, pos = True, 1, bracket + 1
                continue
            char = code[pos]
            if char == "[":
                depth += 1
            elif char == "]":
                depth -= 1
                if depth == 0:
                    in_steps = False
            elif char == "{":
                starts.append(pos)
            pos += 1
        return starts


def _blank_strings_and_comments(text: str) -> str:
    """Replace the content of strings and comments by spaces (newlines kept).

    Offsets and line numbers stay valid, and brackets, braces or ``key =``
    patterns inside strings or comments can no longer mislead a scan.
    """
    out = list(text)
    i = 0
    n = len(text)
    while i < n:
        if text.startswith('"""', i) or text.startswith("'''", i):
            quote = text[i : i + 3]
            end = i + 3
            while True:
                end = text.find(quote, end)
                if end < 0:
                    end = n
                    break
                if quote == '"""' and _escaped(text, end):
                    end += 1
                    continue
                while text.startswith(quote[0], end + 3):
                    end += 1
                break
            _blank(out, i + 3, end)
            i = end + 3
        elif text[i] in "\"'":
            quote = text[i]
            end = i + 1
            while end < n and text[end] != quote and text[end] != "\n":
                if quote == '"' and text[end] == "\\":
                    end += 1
                end += 1
            _blank(out, i + 1, min(end, n))
            i = end + 1
        elif text[i] == "#":
            end = text.find("\n", i)
            end = n if end < 0 else end
            _blank(out, i, end)
            i = end
        else:
            i += 1
    return "".join(out)


def _escaped(text: str, index: int) -> bool:
    backslashes = 0
    while index - 1 - backslashes >= 0 and text[index - 1 - backslashes] == "\\":
        backslashes += 1
    return backslashes % 2 == 1


def _blank(out: list[str], start: int, end: int) -> None:
    for j in range(start, min(end, len(out))):
        if out[j] != "\n":
            out[j] = " "
