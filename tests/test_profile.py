"""Profiles: the built-in ones load and say what they are; mistakes name the file and line."""

from __future__ import annotations

from pathlib import Path

import pytest

from kgcli.errors import InputError, UsageError
from kgcli.network.profile import (
    builtin_names,
    builtin_profiles,
    load_profile,
    parse_profile,
    profiles_dir,
    resolve_profile,
)
from kgcli.rdf.namespaces import RDFS_LABEL, local_name

KG = "https://w3id.org/kgcli/ontology#"


def test_builtin_profiles():
    assert builtin_names() == ["cluster", "co-location", "facility-sharing", "resource-sharing"]
    for profile in builtin_profiles():
        assert profile.title and profile.description and profile.nodes
        assert profile.name in builtin_names()
        assert "\n" not in profile.description
    sharing = resolve_profile("facility-sharing")
    assert sharing.projection is not None
    assert sharing.projection.keep == (KG + "HealthcareFacility",)
    assert sharing.projection.via == (KG + "SharedMedicalResource",)
    assert resolve_profile("resource-sharing").projection is None
    cluster = resolve_profile("cluster")
    member = next(rule for rule in cluster.edges if rule.path)
    assert (member.kind, member.path) == ("org:memberOf", "^org:member/org:organization")
    founded = next(a for a in cluster.attributes if a.name == "founded")
    assert founded.property == KG + "foundingDate" and founded.start


def test_every_builtin_profile_is_documented():
    readme = (profiles_dir() / "README.md").read_text(encoding="utf-8")
    for name in builtin_names():
        assert f"| `{name}` |" in readme


def test_unknown_profile_suggests_close_names():
    with pytest.raises(UsageError, match=r"unknown profile 'clustre'; did you mean cluster\?"):
        resolve_profile("clustre")
    with pytest.raises(UsageError, match="built-in profiles: cluster, co-location"):
        resolve_profile("nothing-like-it")
    with pytest.raises(InputError, match=r"profile file 'missing\.toml' does not exist"):
        resolve_profile("missing.toml")


def test_a_profile_file_by_path(tmp_path: Path):
    path = tmp_path / "mine.toml"
    path.write_text('title = "Mine"\n[[nodes]]\nclass = "kg:Company"\n', encoding="utf-8")
    profile = resolve_profile(str(path))
    assert (profile.name, profile.title, profile.labels[0]) == (str(path), "Mine", RDFS_LABEL)
    assert profile.nodes[0].iri == KG + "Company" and profile.nodes[0].kind is None


MINIMAL = 'title = "T"\n[[nodes]]\nclass = "kg:Company"\n'


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('title = "T"\n[[nodes]]\nclass = kg:Company\n', r"p\.toml:3:9: Invalid value"),
        ('title = "T"\ntitle = "U"\n', r"p\.toml:2:\d+: Cannot overwrite a value"),
        ("[[nodes]]\nclass = 'kg:Town'\n", r"p\.toml:1: the profile has no title"),
        ('title = "T"\n', r"p\.toml:1: the profile has no \[\[nodes\]\] table"),
        (MINIMAL + "colour = 1\n", r"p\.toml:2: unknown key 'colour' in \[\[nodes\]\]"),
        ('titel = "T"\n', r"p\.toml:1: unknown key 'titel' in the profile; did you mean 'title'"),
        (MINIMAL + "[[nodes]]\nkind = 'X'\n", r"p\.toml:4: \[\[nodes\]\] needs a class"),
        (
            'title = "T"\n[[nodes]]\nclass = "foo:Bar"\n',
            r"p\.toml:3: class 'foo:Bar' is not an IRI: .*add others under \[prefixes\]",
        ),
        (MINIMAL + "[[edges]]\nkind = 'x'\n", r"p\.toml:4: \[\[edges\]\] needs either"),
        (
            MINIMAL + "[[edges]]\npath = 'kg:a/'\nkind = 'x'\n",
            r"p\.toml:5: path 'kg:a/' is not a SPARQL property path",
        ),
        (
            MINIMAL + "[[edges]]\npath = 'kg:a } ?x ?y { ?z'\nkind = 'x'\n",
            r"p\.toml:5: path .* must be a SPARQL property path, not a pattern",
        ),
        (
            MINIMAL + "[[edges]]\npath = 'kg:a+'\n",
            r"p\.toml:4: \[\[edges\]\] with path .* needs a kind",
        ),
        (
            MINIMAL + "[[edges]]\nproperty = 'kg:a'\nweight = 'heavy'\n",
            r"p\.toml:6: weight must be a number",
        ),
        (
            MINIMAL + "[[attributes]]\nproperty = 'kg:a'\nname = 'label'\n",
            r"p\.toml:6: attribute name 'label' is reserved",
        ),
        (
            MINIMAL + "[[attributes]]\nproperty = 'kg:a'\n[[attributes]]\nproperty = 'ex:a'\n"
            "[prefixes]\nex = 'http://e/'\n",
            r"p\.toml:4: two attributes are named 'a'",
        ),
        (
            MINIMAL + "[projection]\nkeep = 'kg:Company'\nvia = 'kg:Town'\n",
            r"p\.toml:6: via class kg:Town is not one of the \[\[nodes\]\] classes",
        ),
        (MINIMAL + "[projection]\nkeep = 'kg:Company'\n", r"p\.toml:4: \[projection\] needs via"),
        (
            MINIMAL + "[[attributes]]\nproperty = 'kg:a'\nstart = 'yes'\n",
            r"p\.toml:4: start must be",
        ),
        (MINIMAL + "nodes = 1\n", r"p\.toml:\d+: "),
    ],
)
def test_mistakes_name_the_file_and_line(text, message):
    with pytest.raises(InputError, match=message):
        parse_profile(text, source="p.toml")


def test_load_profile_reports_the_path_and_line(tmp_path: Path):
    path = tmp_path / "broken.toml"
    path.write_text('title = "T"\n\n[[nodes]\nclass = "kg:Company"\n', encoding="utf-8")
    with pytest.raises(InputError, match=rf"^{path}:3:\d+: "):
        load_profile(path)


def test_names():
    assert local_name(KG + "Company") == "Company"
    assert local_name("https://w3id.org/kgcli/resource/akesobio") == "akesobio"
    assert local_name("urn:isbn:123") == "123"
    assert local_name("http://example.org/") == "http://example.org/"
    assert local_name("http://example.org/a#b/c") == "c"
