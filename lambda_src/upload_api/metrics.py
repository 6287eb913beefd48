"""Business metrics, emitted as CloudWatch embedded metric format (EMF) by Powertools Metrics.

The handler's `@metrics.log_metrics` prints one EMF blob per invocation that added a metric
(Lambda's log agent turns it into CloudWatch metrics; no PutMetricData call, no permission).
Namespace and `service` dimension come from the configuration (POWERTOOLS_METRICS_NAMESPACE,
POWERTOOLS_SERVICE_NAME, both set by Terraform), applied at cold start by `configure`.

| metric | unit | dimensions | when |
|---|---|---|---|
| `PresignsIssued` | Count | service, kind (`upload_post`, `upload_put`, `download_token`) | a 201/200 answer |
| `Refusals` | Count | service, code (the error's machine-readable `code`) | every error answer |
| `RateLimited` | Count | service, route (`uploads`, `downloads`) | a 429, in a blob of its own |

An invocation answers once, so a blob holds either a presign or a refusal; `RateLimited` has
another dimension set, hence its own blob (`single_metric`) next to the refusal's."""

from __future__ import annotations

from aws_lambda_powertools import Metrics
from aws_lambda_powertools.metrics import MetricUnit, single_metric

from upload_api.config import Config

PRESIGNS_ISSUED = "PresignsIssued"
REFUSALS = "Refusals"
RATE_LIMITED = "RateLimited"

metrics = Metrics()


def configure(config: Config) -> None:
    """Namespace and service from the one configuration source (the function's environment)."""
    metrics.namespace = config.metrics_namespace
    metrics.service = config.service_name


def presign_issued(kind: str) -> None:
    metrics.add_dimension(name="kind", value=kind)
    metrics.add_metric(name=PRESIGNS_ISSUED, unit=MetricUnit.Count, value=1)


def refused(code: str) -> None:
    metrics.add_dimension(name="code", value=code)
    metrics.add_metric(name=REFUSALS, unit=MetricUnit.Count, value=1)


def rate_limited(route: str) -> None:
    dimensions = {"service": str(metrics.service), "route": route}
    with single_metric(
        name=RATE_LIMITED, unit=MetricUnit.Count, value=1, namespace=metrics.namespace, default_dimensions=dimensions
    ):
        pass
