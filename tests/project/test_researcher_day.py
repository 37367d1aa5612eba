"""The researcher's day of issue #17, "Done when": each question about the articles is answered by
a catalogue query, through `kg query` and through the Python API, without writing SPARQL.

The answers are the articles' (../shared/seeds/): the Minhang article ("Making headway with new
health industry cluster") and the Jiading one. Where the articles only imply an answer (what the
Huashan branch shares, the other facilities' use of the center's resources), the question is asked
again with inference (`--infer`, `infer=True`), and the answer is marked 'derived'.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass, field

import pytest
from support import SHARED

import kgcli

MINHANG = "Making headway with new health industry cluster"
CENTER = "New Hongqiao International Medical Center"
SHARED_FOUR = "clinical laboratory; imaging department; inpatient building; pharmacy"
NANXIANG_PARK = "Shanghai (Nanxiang) Precision Medicine Industrial Park"
BRANCH = "Huashan Hospital's Hongqiao Branch"


@dataclass(frozen=True)
class Question:
    """A question, the catalogue query that answers it, and the answer: the rows of `columns`."""

    id: str
    query: str
    params: dict[str, str]
    columns: tuple[str, ...]
    answer: list[tuple[str, ...]]
    infer: bool = False
    quotes: tuple[str, ...] = field(default=())  # words of the articles the answer rests on


QUESTIONS = [
    # Which hospital has a branch in the center: stated. What it shares: only implied ("Hospitals
    # and clinics at the New Hongqiao International Medical Center share the medical resources").
    Question(
        "branch-in-the-center",
        "branches",
        {"center": "New Hongqiao"},
        ("branch", "branchOf", "medicalCenter", "shares", "how"),
        [(BRANCH, "Huashan Hospital", CENTER, "", "")],
        quotes=("The Huashan Hospital's Hongqiao Branch offers high-quality services",),
    ),
    Question(
        "branch-in-the-center-and-what-it-shares",
        "branches",
        {"center": "New Hongqiao"},
        ("branch", "branchOf", "medicalCenter", "shares", "how"),
        [(BRANCH, "Huashan Hospital", CENTER, SHARED_FOUR, "derived")],
        infer=True,
        quotes=(
            "Hospitals and clinics at the New Hongqiao International Medical Center share the "
            "medical resources",
        ),
    ),
    Question(
        "firms-of-huacao-by-sector",
        "firms-by-sector",
        {"place": "Huacao", "sector": "*"},
        ("sectorLabel", "firmLabel"),
        [
            *(
                ("biomedicine", firm)
                for firm in (
                    "Akesobio",
                    "Chia-Tai Tianqing Pharmaceutical Co",
                    "Innovent Biologics",
                    "Neosoft",
                    "Simcere Pharmaceutical Group",
                    "Wego Holding",
                    "Yunnan Baiyao",
                )
            ),
            ("biomedicine cold-chain delivery", "Shengsheng Logistics"),
            ("medical appliances", "Wego Holding"),
            ("medicine", "Wego Holding"),
        ],
        quotes=(
            "attracts a cluster of leading companies like Innovent Biologics, Wego Holding, Yunnan "
            "Baiyao, Simcere Pharmaceutical Group, Neosoft, Akesobio and Chia-Tai Tianqing "
            "Pharmaceutical Co",
            "the biomedicine cold-chain delivery firm Shengsheng Logistics",
            "a leading medical appliances and medicine producer",
        ),
    ),
    Question(
        "what-liu-jiren-said",
        "quotes-by-speaker",
        {"speaker": "Liu Jiren"},
        ("speakerLabel", "quote", "article"),
        [
            (
                "Liu Jiren",
                "We chose Shanghai for its talent and for the business environment of the "
                "Hongqiao CBD",
                MINHANG,
            )
        ],
        quotes=('the Hongqiao CBD," said Liu Jiren, chairman of Neosoft Holding',),
    ),
    Question(
        "jiading-park-founding-and-focus",
        "parks-and-focus-areas",
        {"place": "Jiading"},
        ("parkLabel", "locatedIn", "founded", "focusArea"),
        [
            (NANXIANG_PARK, "Nanxiang town", "2018-11", area)
            for area in ("accurate diagnosis", "prevention", "rehabilitation", "treatment")
        ],
        quotes=(
            "Shanghai (Nanxiang) Precision Medicine Industrial Park was founded in November 2018 "
            "in Nanxiang town, Jiading district, focusing on four core areas: accurate diagnosis, "
            "treatment, rehabilitation, and prevention.",
        ),
    ),
    Question(
        "travel-times-from-hongqiao",
        "transport-links",
        {"place": "Hongqiao"},
        ("from", "to", "link", "mode", "duration", "qualifier", "reportedBy"),
        [
            ("Huacao Town", "Hongqiao Comprehensive Traffic Hub", "near", "", "", "", ""),
            (
                "Hongqiao Railway Station",
                CENTER,
                "travel time",
                "walk",
                "PT10M",
                "within",
                "a patient surnamed Qin",
            ),
        ],
        quotes=(
            "I arrived at the center within 10 minutes after I walked from the Hongqiao Railway "
            "Station.",
            "Huacao Town, with its proximity to Hongqiao Comprehensive Traffic Hub",
        ),
    ),
    # The Bengbu patient, in two steps as a researcher takes them: who came from Bengbu, then the
    # source of that fact (the article and its words).
    Question(
        "who-came-from-bengbu",
        "people-and-roles",
        {"place": "Bengbu"},
        ("personLabel", "organization", "comesFrom"),
        [
            ("a patient surnamed Qin", "Dr Smile Surgical Clinic", "Bengbu City"),
            ("a patient surnamed Qin", CENTER, "Bengbu City"),
        ],
    ),
    Question(
        "source-of-the-bengbu-patient",
        "evidence-for-entity",
        {"entity": "a patient surnamed Qin"},
        ("entityLabel", "property", "value", "quote", "article"),
        [
            (
                "a patient surnamed Qin",
                "comes from",
                "Bengbu City",
                "said a patient surnamed Qin, who came from Bengbu City, Anhui Province.",
                MINHANG,
            )
        ],
        quotes=("said a patient surnamed Qin, who came from Bengbu City, Anhui Province.",),
    ),
    # A per-facility count of shared resources: the articles state only Dr Smile's use (Zhang
    # Qiang's words); the other facilities' follows from the sentence on sharing, by a rule.
    Question(
        "shared-resources-per-facility",
        "shared-resources-per-facility",
        {},
        ("facilityLabel", "sharedResources", "resources", "how"),
        [("Dr Smile Surgical Clinic", "4", SHARED_FOUR, "stated")],
        quotes=(
            "the imaging department, the clinical laboratory, the pharmacy and the inpatient "
            "building are shared with other institutes in the medical center",
        ),
    ),
    Question(
        "shared-resources-per-facility-derived",
        "shared-resources-per-facility",
        {},
        ("facilityLabel", "sharedResources", "resources", "how"),
        [
            ("Dr Smile Surgical Clinic", "4", SHARED_FOUR, "stated"),
            ("Huacao Community Health Service Center", "4", SHARED_FOUR, "derived"),
            (BRANCH, "4", SHARED_FOUR, "derived"),
        ],
        infer=True,
    ),
]

#: Questions whose answer keeps only some rows of the query's: the rest are other statements.
ROWS_KEPT = {"source-of-the-bengbu-patient": lambda row: row[1] == "comes from"}


def _kept(question: Question, rows: list[tuple[str, ...]]) -> list[tuple[str, ...]]:
    keep = ROWS_KEPT.get(question.id)
    return sorted(row for row in rows if keep is None or keep(row))


@pytest.mark.parametrize("question", QUESTIONS, ids=[q.id for q in QUESTIONS])
def test_answered_by_the_catalogue_on_the_command_line(question: Question, kg):
    args = ["query", question.query, "-f", "csv"]
    for name, value in question.params.items():
        args += ["-p", f"{name}={value}"]
    result = kg(*args, *(["--infer"] if question.infer else []))
    assert (result.exit_code, result.stderr) == (0, "")
    table = list(csv.DictReader(io.StringIO(result.stdout)))
    rows = [tuple(row[c] for c in question.columns) for row in table]
    assert _kept(question, rows) == sorted(question.answer)


def _text(value: object) -> str:
    """A Python value as CSV writes it: an unbound value is empty, a duration (a `timedelta` in
    Python) as xsd:duration writes it (`PT10M`)."""
    if isinstance(value, dt.timedelta):
        minutes, seconds = divmod(int(value.total_seconds()), 60)
        hours, minutes = divmod(minutes, 60)
        parts = ((hours, "H"), (minutes, "M"), (seconds, "S"))
        return "PT" + "".join(f"{n}{unit}" for n, unit in parts if n)
    return "" if value is None else str(value)


@pytest.mark.parametrize("question", QUESTIONS, ids=[q.id for q in QUESTIONS])
def test_answered_by_the_catalogue_in_python(question: Question):
    graph = kgcli.open(infer=question.infer)
    result = graph.query(question.query, **question.params)
    at = [result.columns.index(c) for c in question.columns]
    rows = [tuple(_text(row[i]) for i in at) for row in result.rows]
    assert _kept(question, rows) == sorted(question.answer)


def test_the_count_is_a_number_in_python():
    rows = kgcli.open().query("shared-resources-per-facility", facility="Dr Smile").rows
    assert [(row[0], row[1]) for row in rows] == [("Dr Smile Surgical Clinic", 4)]


def _articles() -> str:
    seeds = SHARED / "seeds"
    if not seeds.is_dir():
        pytest.skip(f"the source articles are not here ({seeds}): ../shared is absent")
    return " ".join(" ".join(p.read_text(encoding="utf-8").split()) for p in seeds.glob("*.txt"))


@pytest.mark.parametrize(
    "quote", [quote for q in QUESTIONS for quote in q.quotes], ids=lambda quote: quote[:40]
)
def test_the_answers_rest_on_the_articles_words(quote: str):
    assert quote in _articles()
