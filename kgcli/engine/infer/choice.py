"""The rule set `--rules` names: built-in sets, switches, and SPARQL rule files, all checked.

Apart from `kgcli.engine.infer.rules` because it reads SPARQL rules, which are rules too.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from kgcli.engine.infer.rules import RuleSet
from kgcli.engine.infer.sparql_rules import load_rules
from kgcli.errors import UsageError


def rule_set(
    specs: Iterable[str],
    *,
    domain_range: bool = False,
    same_as: bool = False,
    project_rules: str | Path | None = None,
) -> RuleSet:
    """The rule set `--rules` names: `rdfs`, `owl-rl`, a folder of `.rq` rules or one `.rq` file.

    With no spec, the default: `owl-rl` and the project's own SPARQL rules (`project_rules`).
    Every SPARQL rule file is read and checked here, before anything runs.
    """
    specs = list(specs)
    if not specs:
        specs = ["owl-rl"] + ([str(project_rules)] if project_rules is not None else [])
    rdfs = owl_rl = False
    paths: list[str] = []
    for spec in specs:
        if spec == "rdfs":
            rdfs = True
        elif spec == "owl-rl":
            owl_rl = True
        elif spec.endswith((".rq", ".sparql")) or Path(spec).is_dir() or "/" in spec:
            paths.append(spec)
        else:
            raise UsageError(
                f"--rules {spec}: not a rule set (rdfs, owl-rl), "
                "a folder of .rq rules or a .rq file"
            )
    if (domain_range or same_as) and not (rdfs or owl_rl):
        raise UsageError("--domain-range and --same-as need --rules rdfs or owl-rl")
    if same_as and not owl_rl:
        raise UsageError("--same-as needs --rules owl-rl (owl:sameAs is an OWL rule)")
    sparql = load_rules(paths, project=project_rules)
    return RuleSet(rdfs, owl_rl, domain_range, same_as, tuple(sparql))
