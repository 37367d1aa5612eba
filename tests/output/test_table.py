"""The table format read by a person: numbers whole, floats short, durations in words, and text
that wraps at word boundaries (#17). Exact text at widths 60, 80 and 100."""

from __future__ import annotations

import io
import json

import pyoxigraph as ox
import pytest

from kgcli.engine.results import SelectResult
from kgcli.output.render import render
from kgcli.output.table import blocks_that_fit, widths_that_fit, wrap
from kgcli.output.terms import duration_words, short_number

XSD = "http://www.w3.org/2001/XMLSchema#"
KGR = "https://w3id.org/kgcli/resource/"
VARIABLES = ["firm", "label", "pagerank_score", "staff", "travel"]


def typed(value: str, datatype: str) -> ox.Literal:
    return ox.Literal(value, datatype=ox.NamedNode(XSD + datatype))


ROWS = [
    (
        ox.NamedNode(KGR + "chia-tai-tianqing-pharmaceutical"),
        ox.Literal("Chia-Tai Tianqing Pharmaceutical Co", language="en"),
        typed("0.0000000314352", "double"),
        typed("1234567", "integer"),
        typed("PT10M", "duration"),
    ),
    (
        ox.NamedNode(KGR + "shanghai-nanxiang-precision-medicine-industrial-park"),
        ox.Literal("Shanghai (Nanxiang) Precision Medicine Industrial Park"),
        typed("0.666666666666666666", "decimal"),
        typed("12", "integer"),
        typed("P1DT2H", "dayTimeDuration"),
    ),
    (
        ox.NamedNode(KGR + "x"),
        ox.Literal("Supercalifragilisticexpialidocious-and-more words"),
        typed("123456789", "double"),
        typed("-3", "integer"),
        typed("-P3D", "duration"),
    ),
]


def rendered(variables: list[str], rows: list, fmt: str = "table", width: int = 100) -> str:
    out = io.BytesIO()
    render(SelectResult(variables, iter(rows)), fmt, out, width=width)
    return out.getvalue().decode()


EXPECTED_60 = (
    "columns 1-2 of 5\n"
    "firm                   label\n"
    "────────────────────────────────────────────────────────────\n"
    "kgr:chia-tai-          Chia-Tai Tianqing Pharmaceutical Co\n"
    "tianqing-\n"
    "pharmaceutical\n"
    "kgr:shanghai-          Shanghai (Nanxiang) Precision\n"
    "nanxiang-precision-    Medicine Industrial Park\n"
    "medicine-industrial-\n"
    "park\n"
    "kgr:x                  Supercalifragilisticexpialidocious-\n"
    "                       and-more words\n"
    "\n"
    "columns 3-5 of 5\n"
    "                         pagerank_\n"
    "firm                         score     staff   travel\n"
    "────────────────────────────────────────────────────────────\n"
    "kgr:chia-tai-          3.14352e-08   1234567   10 minutes\n"
    "tianqing-\n"
    "pharmaceutical\n"
    "kgr:shanghai-             0.666667        12   1 day 2 hours\n"
    "nanxiang-precision-\n"
    "medicine-industrial-\n"
    "park\n"
    "kgr:x                  1.23457e+08        -3   -P3D\n"
    "3 rows\n"
)
EXPECTED_80 = (
    "columns 1-3 of 5\n"
    "                                                                       pagerank_\n"
    "firm                         label                                         score\n"
    "────────────────────────────────────────────────────────────────────────────────\n"
    "kgr:chia-tai-tianqing-       Chia-Tai Tianqing Pharmaceutical Co     3.14352e-08\n"
    "pharmaceutical\n"
    "kgr:shanghai-nanxiang-       Shanghai (Nanxiang) Precision              0.666667\n"
    "precision-medicine-          Medicine Industrial Park\n"
    "industrial-park\n"
    "kgr:x                        Supercalifragilisticexpialidocious-     1.23457e+08\n"
    "                             and-more words\n"
    "\n"
    "columns 4-5 of 5\n"
    "firm                           staff   travel\n"
    "────────────────────────────────────────────────────\n"
    "kgr:chia-tai-tianqing-       1234567   10 minutes\n"
    "pharmaceutical\n"
    "kgr:shanghai-nanxiang-            12   1 day 2 hours\n"
    "precision-medicine-\n"
    "industrial-park\n"
    "kgr:x                             -3   -P3D\n"
    "3 rows\n"
)
EXPECTED_100 = (
    "                                                                 pagerank_\n"
    "firm                     label                                       score     "
    "staff   travel\n" + "─" * 100 + "\n"
    "kgr:chia-tai-tianqing-   Chia-Tai Tianqing Pharmaceutical Co   3.14352e-08   "
    "1234567   10 minutes\n"
    "pharmaceutical\n"
    "kgr:shanghai-nanxiang-   Shanghai (Nanxiang) Precision            0.666667      "
    "  12   1 day 2 hours\n"
    "precision-medicine-      Medicine Industrial Park\n"
    "industrial-park\n"
    "kgr:x                    Supercalifragilisticexpialidocious-   1.23457e+08        -3   -P3D\n"
    "                         and-more words\n"
    "3 rows\n"
)


@pytest.mark.parametrize(
    ("width", "expected"), [(60, EXPECTED_60), (80, EXPECTED_80), (100, EXPECTED_100)]
)
def test_table_exact_text(width: int, expected: str) -> None:
    """Numbers whole on one line; the widest text column wraps first, after spaces and hyphens;
    a numeric header wraps at `_`; columns that still do not fit go into blocks, the key column
    (the first) in each, so no word is cut (at 60 and 80 the 35-cell word needs a block)."""
    assert rendered(VARIABLES, ROWS, width=width) == expected
    assert max(len(line) for line in expected.splitlines()) == width


def test_csv_and_json_keep_every_digit_and_the_typed_duration() -> None:
    csv = rendered(VARIABLES, ROWS, "csv")
    assert "0.0000000314352,1234567,PT10M" in csv
    assert "0.666666666666666666,12,P1DT2H" in csv
    first = json.loads(rendered(VARIABLES, ROWS, "json"))["results"]["bindings"][0]
    assert first["pagerank_score"]["value"] == "0.0000000314352"
    assert first["travel"] == {"type": "literal", "value": "PT10M", "datatype": XSD + "duration"}


def test_numbers_never_wrap_even_past_the_width() -> None:
    """Numbers that alone are wider than the terminal make the table wider (as `less -S` shows)."""
    rows = [(typed("12345678901234", "integer"), typed("98765432109876", "integer"))]
    assert rendered(["a", "b"], rows, width=20) == (
        "             a                b\n"
        + "─" * 31
        + "\n12345678901234   98765432109876\n1 row\n"
    )


@pytest.mark.parametrize(
    ("value", "datatype", "shown"),
    [
        ("0.0000000314352", "double", "3.14352e-08"),
        ("0.00917874", "double", "0.00917874"),
        ("1.0E3", "double", "1000"),
        ("123456789", "float", "1.23457e+08"),
        ("NaN", "double", "NaN"),
        ("-INF", "double", "-INF"),
        ("1e400", "double", "1e400"),
        ("0.666666666666666666", "decimal", "0.666667"),
        ("1234567.891", "decimal", "1234568"),  # a decimal keeps its whole part
        ("0.000012345678", "decimal", "0.0000123457"),
        ("2.50000001", "decimal", "2.5"),
        ("-0.10", "decimal", "-0.10"),  # few digits: as written
        ("12.75", "decimal", "12.75"),
        ("123456789012345678901234567890", "integer", "123456789012345678901234567890"),
        ("1 000", "decimal", "1 000"),  # not a decimal: as written
    ],
)
def test_short_number(value: str, datatype: str, shown: str) -> None:
    assert short_number(typed(value, datatype)) == shown


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("PT10M", "10 minutes"),
        ("P3D", "3 days"),
        ("PT1H30M", "1 hour 30 minutes"),
        ("P1Y2M", "1 year 2 months"),
        ("P1DT2H", "1 day 2 hours"),
        ("PT1.5S", "1.5 seconds"),
        ("PT0S", "0 seconds"),
        ("-P3D", None),
        ("P", None),
        ("PT", None),
        ("P1DT", None),
        ("10 minutes", None),
    ],
)
def test_duration_words(text: str, words: str | None) -> None:
    assert duration_words(text) == words


def test_a_malformed_duration_is_shown_as_written() -> None:
    rows = [(typed("ten minutes", "duration"),), (typed("PT10M", "yearMonthDuration"),)]
    assert rendered(["t"], rows) == "t\n" + "─" * 11 + "\nten minutes\n10 minutes\n2 rows\n"


@pytest.mark.parametrize(
    ("text", "width", "lines"),
    [
        ("Chia-Tai Tianqing Pharmaceutical Co", 20, ["Chia-Tai Tianqing", "Pharmaceutical Co"]),
        ("kgr:new-hongqiao-medical-center", 14, ["kgr:new-", "hongqiao-", "medical-center"]),
        ("http://example.org/a/b", 12, ["http://", "example.org/", "a/b"]),
        ("label_propagation", 12, ["label_", "propagation"]),
        ("a -5 x", 2, ["a", "-5", "x"]),  # a minus sign is no hyphen
        ("  lead", 10, ["  lead"]),
        ("one\ntwo three", 5, ["one", "two", "three"]),
        ("Supercalifragilistic", 5, ["Supercalifragilistic"]),  # the table cuts it
    ],
)
def test_wrap_breaks_at_word_boundaries_only(text: str, width: int, lines: list[str]) -> None:
    assert wrap(text, width) == lines


def test_widths_that_fit() -> None:
    # Room enough: natural widths.
    assert widths_that_fit([10, 5], [3, 5], [True, False], 20) == [10, 5]
    # The widest text column gives way first, down to the next widest, then both share.
    assert widths_that_fit([30, 20, 5], [5, 5, 5], [True, True, False], 40) == [18, 17, 5]
    # A numeric header wraps (to its widest number or header word) before any text.
    assert widths_that_fit([20, 17], [5, 11], [True, False], 31) == [20, 11]
    # Text below its longest word is cut, never below 8 cells; numbers keep their width.
    assert widths_that_fit([40, 30], [40, 30], [True, False], 20) == [8, 30]


def test_blocks_that_fit() -> None:
    # Room enough at the least widths: one block, as `widths_that_fit` makes it.
    assert blocks_that_fit([30, 10], [10, 10], [True, False], 30) == [([0, 1], [17, 10])]
    # Else the key (a third of the width at most, a text column) heads blocks filled in order.
    natural, least = [30, 6, 6, 6, 6], [10, 6, 6, 6, 6]
    assert blocks_that_fit(natural, least, [True, *[False] * 4], 40) == [
        ([0, 1, 2, 3], [13, 6, 6, 6]),
        ([0, 4], [13, 6]),
    ]
    # A numeric key keeps its width; each block fits the room the key leaves.
    assert blocks_that_fit([5, 20, 20], [5, 20, 20], [False, True, True], 40) == [
        ([0, 1], [5, 20]),
        ([0, 2], [5, 20]),
    ]
    # A word wider than any block is cut there; a key word wider than half the width too.
    assert blocks_that_fit([10, 50, 5], [10, 50, 5], [True, True, False], 40) == [
        ([0, 1], [10, 27]),
        ([0, 2], [10, 5]),
    ]
    assert blocks_that_fit([60, 5, 30], [60, 5, 30], [True, False, True], 40) == [
        ([0, 1], [20, 5]),
        ([0, 2], [20, 17]),
    ]
    # Columns that would make one block anyway stay one table, the long word cut.
    assert blocks_that_fit([60, 5], [60, 5], [True, False], 40) == [([0, 1], [32, 5])]


def test_blocks_share_the_rows_and_one_footer() -> None:
    """Each block draws the same rows (at most max_rows), the count of all said once, at the end."""
    rows = [
        (ox.Literal(f"node {i}"), typed(f"{i}00000000{i}", "integer"), typed(f"0.{i}5", "decimal"),
         typed(f"-{i}", "integer"))
        for i in range(1, 4)
    ]  # fmt: skip
    out = io.BytesIO()
    result = SelectResult(["name", "population", "share", "rank"], iter(rows))
    render(result, "table", out, width=24, max_rows=2)
    assert out.getvalue().decode() == (
        "columns 1-2 of 4\n"
        "name     population\n" + "─" * 19 + "\n"
        "node 1   1000000001\n"
        "node 2   2000000002\n"
        "\n"
        "columns 3-4 of 4\n"
        "name     share   rank\n" + "─" * 21 + "\n"
        "node 1    0.15     -1\n"
        "node 2    0.25     -2\n"
        "2 of 3 rows shown; use -f csv or -o FILE for all\n"
    )
