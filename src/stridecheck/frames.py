"""DataFrames from ready-typed columns, without pandas' per-column inference.

Readers and decoders hold their columns as arrays of the final dtype. Building a
frame from them through ``pd.DataFrame(dict)`` costs about a millisecond
whatever the size (per-column checks, dtype inference, consolidation), which
is most of the time of reading a small file. :func:`frame_from_arrays` builds
the consolidated blocks itself (one 2-D block per numpy dtype, as pandas lays
them out) and hands them to pandas' public block constructor (pandas >= 3),
falling back to ``DataFrame._from_arrays`` and then to the public constructor
on other pandas versions. The frame is the same in every case.
"""

from __future__ import annotations

import functools
import importlib
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["column_index", "frame_from_arrays"]


@functools.lru_cache(maxsize=1024)
def column_index(names: tuple[str, ...]) -> pd.Index:
    """Column labels (immutable, so frames with the same columns share one Index)."""
    return pd.Index(names)


def _from_blocks_constructor() -> Any:
    """pandas' public constructor from ready blocks (pandas >= 3), or ``None``."""
    try:
        module = importlib.import_module("pandas.api.internals")
    except ImportError:  # pragma: no cover - older pandas
        return None
    return getattr(module, "create_dataframe_from_blocks", None)


#: Frame from consolidated blocks, skipping per-column checks and inference.
_FROM_BLOCKS = _from_blocks_constructor()
#: pandas' constructor from ready-typed arrays (skips per-column inference, which
#: would also turn object columns of strings into ``str``); public fallback below.
_FROM_ARRAYS = getattr(pd.DataFrame, "_from_arrays", None)


def _blocks_frame(
    names: Sequence[str], arrays: Sequence[Any], index: pd.Index, *, copy: bool
) -> pd.DataFrame | None:
    """The frame built from consolidated blocks, as pandas would lay them out.

    Columns of one numpy dtype are stacked into one 2-D block (what
    ``DataFrame._from_arrays`` does, minus its per-column checks); extension
    arrays (UTC datetimes) become one block each. ``None`` when a column is not
    a plain 1-D array of ``len(index)`` values, so the caller takes the general
    path.
    """
    if _FROM_BLOCKS is None:  # pragma: no cover - older pandas
        return None
    n = len(index)
    groups: dict[np.dtype[Any], list[int]] = {}
    blocks: list[tuple[Any, np.ndarray]] = []
    for i, array in enumerate(arrays):
        if isinstance(array, np.ndarray):
            if array.ndim != 1 or len(array) != n or array.dtype.kind not in "biufcO":
                return None
            groups.setdefault(array.dtype, []).append(i)
        elif isinstance(array, pd.arrays.DatetimeArray) and len(array) == n:
            blocks.append((array.copy() if copy else array, np.array([i], dtype=np.intp)))
        else:
            return None
    for where in groups.values():
        if len(where) == 1:
            single = arrays[where[0]]
            stacked = (single.copy() if copy else single).reshape(1, n)
        else:
            stacked = np.stack([arrays[i] for i in where])
        blocks.append((stacked, np.array(where, dtype=np.intp)))
    frame = _FROM_BLOCKS(blocks, index, column_index(tuple(names)))
    return frame if isinstance(frame, pd.DataFrame) else None


def frame_from_arrays(
    names: Sequence[str], arrays: Sequence[Any], index: pd.Index, *, copy: bool = False
) -> pd.DataFrame:
    """A frame of ready-typed columns, their dtypes kept as they are.

    Parameters
    ----------
    names
        Column names (unique for the fast path; duplicates are allowed).
    arrays
        One 1-D numpy array or pandas extension array per name, each of
        ``len(index)`` values, already of its final dtype.
    index
        The row index.
    copy
        Whether the frame must own its data. Without it a column may share
        memory with the array it came from.

    Returns
    -------
    pandas.DataFrame
        Consolidated like ``pd.DataFrame`` would build it.
    """
    if len(set(names)) == len(names):
        try:
            fast = _blocks_frame(names, arrays, index, copy=copy)
        except (TypeError, ValueError, AssertionError):  # pragma: no cover - other pandas
            fast = None
        if fast is not None:
            return fast
    if _FROM_ARRAYS is not None:
        try:
            frame = _FROM_ARRAYS(
                [array.copy() for array in arrays] if copy else list(arrays),
                columns=column_index(tuple(names)),
                index=index,
                verify_integrity=False,
            )
            if isinstance(frame, pd.DataFrame):
                return frame
        except (TypeError, ValueError):  # pragma: no cover - other pandas versions
            pass
    data = {  # pragma: no cover - public path for pandas without _from_arrays
        name: pd.Series(value, index=index, dtype=getattr(value, "dtype", None), copy=copy)
        for name, value in zip(names, arrays, strict=True)
    }
    return pd.DataFrame(data, index=index, copy=copy)  # pragma: no cover
