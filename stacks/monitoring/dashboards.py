"""Dashboards and Logs Insights queries loaded from dashboards/ (JSON bodies and .query files)."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_logs as logs
from constructs import Construct

DASHBOARDS_DIR = Path(__file__).resolve().parents[2] / "dashboards"
QUERIES_DIR = DASHBOARDS_DIR / "queries"
PLACEHOLDER = re.compile(r"\$\{([A-Za-z][A-Za-z0-9]*)\}")
LOG_GROUPS_HEADER = "# log-groups:"


def render(text: str, values: Mapping[str, str], *, source: str) -> str:
    """``text`` with every ``${Name}`` replaced; an unknown name is an error naming the file."""
    unknown = sorted({name for name in PLACEHOLDER.findall(text) if name not in values})
    if unknown:
        raise ValueError(f"{source}: unknown placeholder(s) {', '.join(unknown)}; known: {', '.join(sorted(values))}")
    return PLACEHOLDER.sub(lambda match: values[match.group(1)], text)


def dashboard_files(directory: Path = DASHBOARDS_DIR) -> dict[str, str]:
    """``{name: body}`` for each ``<name>.json``, checked to be JSON before any placeholder is filled."""
    bodies: dict[str, str] = {}
    for path in sorted(directory.glob("*.json")):
        text = path.read_text(encoding="utf-8")
        json.loads(text)  # a syntax error surfaces here, naming the file in the traceback
        bodies[path.stem] = text
    return bodies


@dataclass(frozen=True)
class QuerySpec:
    """One Logs Insights query: its name (the file's stem), the workloads whose logs it reads, the query."""

    name: str
    workloads: tuple[str, ...]
    query: str


def query_files(directory: Path = QUERIES_DIR) -> list[QuerySpec]:
    """Each ``<name>.query``: ``#`` comment lines first (one of them ``# log-groups: api worker-gpu``), then
    the query."""
    specs = []
    for path in sorted(directory.glob("*.query")):
        lines = path.read_text(encoding="utf-8").splitlines()
        header = [line for line in lines if line.startswith("#")]
        body = "\n".join(line for line in lines if not line.startswith("#")).strip()
        groups = [line[len(LOG_GROUPS_HEADER) :].split() for line in header if line.startswith(LOG_GROUPS_HEADER)]
        if len(groups) != 1 or not groups[0] or not body:
            raise ValueError(f"{path.name}: needs one '{LOG_GROUPS_HEADER} <workload> ...' line and a query")
        specs.append(QuerySpec(name=path.stem, workloads=tuple(groups[0]), query=body))
    return specs


class Dashboards(Construct):
    """``dashboards[name]``: one CloudWatch dashboard ``<name_prefix>-<name>`` per dashboards/*.json."""

    def __init__(self, scope: Construct, id_: str, *, name_prefix: str, values: Mapping[str, str]) -> None:
        super().__init__(scope, id_)
        self.dashboards: dict[str, cloudwatch.CfnDashboard] = {
            name: cloudwatch.CfnDashboard(
                self,
                name,
                dashboard_name=f"{name_prefix}-{name}",
                dashboard_body=render(body, values, source=f"dashboards/{name}.json"),
            )
            for name, body in dashboard_files().items()
        }


class SavedQueries(Construct):
    """``queries[name]``: one Logs Insights query definition ``<name_prefix>/<name>`` per dashboards/queries/*.query,
    scoped to the log groups its header names."""

    def __init__(
        self,
        scope: Construct,
        id_: str,
        *,
        name_prefix: str,
        log_groups: Mapping[str, logs.ILogGroup],
        specs: Sequence[QuerySpec] | None = None,
    ) -> None:
        super().__init__(scope, id_)
        self.queries: dict[str, logs.CfnQueryDefinition] = {}
        for spec in query_files() if specs is None else specs:
            missing = [workload for workload in spec.workloads if workload not in log_groups]
            if missing:
                raise ValueError(f"{spec.name}.query names unknown log group(s) {', '.join(missing)}")
            self.queries[spec.name] = logs.CfnQueryDefinition(
                self,
                spec.name,
                name=f"{name_prefix}/{spec.name}",
                query_string=spec.query,
                log_group_names=[log_groups[workload].log_group_name for workload in spec.workloads],
            )
