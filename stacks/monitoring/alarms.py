"""ServiceAlarms: an alarm for each failure an operator must act on, all notifying one topic.

Thresholds come from the stage (`filot:alarms`, defaults in stacks/alarm_thresholds.py). Each description is the
runbook: what the alarm means, what to check first (widgets of the operations dashboard in [brackets], the saved
Logs Insights queries, commands) and how to resolve it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from aws_cdk import Duration
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as actions
from aws_cdk import aws_sns as sns
from constructs import Construct

from stacks import alarm_thresholds as names
from stacks.metric_names import (
    BREAKER_OPEN,
    BULI2_RETRY_COUNT,
    DEAD_LETTERS,
    DOCUMENT_DECISION_TIME_MS,
    GPU_FALLBACKS,
    GPU_PROCESSING_TIME_MS,
    GPU_START_FAILURES,
    HTTP_REQUEST_DURATION_MS,
    NAMESPACE_SCHEDULER,
    QUEUE_BULI2,
    QUEUE_CPU,
    QUEUE_GPU,
    RECONCILER_RECOVERIES,
    insights_sum,
    metric,
    queue_length,
    summed,
)
from stacks.metric_names import WEBHOOK_DEAD_LETTERS as METRIC_WEBHOOK_DEAD_LETTERS
from stacks.monitoring import alarm_metrics as watch

FIVE_MINUTES = Duration.minutes(5)
ABOVE = cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD
AT_LEAST = cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD
BELOW = cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD
# The dashboard the runbooks point at (dashboards/operations.json) and the alarms without a tunable threshold.
DASHBOARD = "operations"
CIRCUIT_BREAKER_OPEN = "circuit-breaker-open"
# The queue metrics' heartbeat: no GPU queue length published for 10 minutes (missing data breaches).
QUEUE_METRICS_STOPPED = "queue-metrics-stopped"
DECISIONS_STALLED = "decisions-stalled"
API_TASKS_LOW = "api-tasks-low"
GPU_WORKERS_MISSING = "gpu-workers-missing"
CPU_WORKERS_MISSING = "cpu-workers-missing"
API_TARGETS_UNHEALTHY = "api-targets-unhealthy"
DEPENDENCY_DOWN = "dependency-down"
WEBHOOK_DEAD_LETTERS = "webhook-dead-letters"
DEPLOYMENT_FAILED = "deployment-failed"
LAMBDA_THROTTLED = "lambda-throttled"


@dataclass(frozen=True, kw_only=True)
class AlarmSpec:
    """One alarm: ``watched`` compared with ``threshold`` over ``periods`` of its period (``datapoints`` of them
    breaching; all by default); ``description`` is the runbook."""

    name: str
    watched: cloudwatch.IMetric
    threshold: float
    periods: int
    description: str
    comparison: cloudwatch.ComparisonOperator = ABOVE
    datapoints: int | None = None
    missing: cloudwatch.TreatMissingData = cloudwatch.TreatMissingData.NOT_BREACHING


@dataclass(frozen=True, kw_only=True)
class Watched:
    """The AWS resources the alarms read besides the services' own metrics (names, read from SSM parameters)."""

    load_balancer: str
    api_target_group: str
    api_tasks: cloudwatch.IMetric
    api_minimum: int
    gpu_worker_tasks: cloudwatch.IMetric
    cpu_worker_tasks: cloudwatch.IMetric
    scheduler: str
    functions: tuple[str, ...]
    failed_deployments: cloudwatch.IMetric


class ServiceAlarms(Construct):
    """``alarms[name]``: each named ``<name_prefix>-<name>``, with alarm and OK actions on ``topic``."""

    def __init__(
        self,
        scope: Construct,
        id_: str,
        *,
        name_prefix: str,
        topic: sns.ITopic,
        thresholds: Mapping[str, float],
        watched: Watched,
    ) -> None:
        super().__init__(scope, id_)
        action = actions.SnsAction(topic)
        self.alarms: dict[str, cloudwatch.Alarm] = {}
        for spec in alarm_specs(name_prefix=name_prefix, thresholds=thresholds, watched=watched):
            alarm = cloudwatch.Alarm(
                self,
                spec.name,
                alarm_name=f"{name_prefix}-{spec.name}",
                alarm_description=spec.description,
                metric=spec.watched,
                threshold=spec.threshold,
                comparison_operator=spec.comparison,
                evaluation_periods=spec.periods,
                datapoints_to_alarm=spec.datapoints or spec.periods,
                treat_missing_data=spec.missing,
            )
            alarm.add_alarm_action(action)
            alarm.add_ok_action(action)
            self.alarms[spec.name] = alarm


def runbook(what: str, *, check: str, fix: str) -> str:
    """An alarm description: what it means, what to look at first, how to resolve it."""
    return f"{what}\nCheck: {check}\nFix: {fix}"


def alarm_specs(*, name_prefix: str, thresholds: Mapping[str, float], watched: Watched) -> list[AlarmSpec]:
    t = thresholds
    board = f"dashboard {name_prefix}-{DASHBOARD}"

    def q(name: str) -> str:
        return f"query {name_prefix}/{name}"

    return [
        # Queues: work piling up faster than the workers take it, escalations BULI2 does not accept.
        AlarmSpec(
            name=names.GPU_QUEUE_BACKLOG,
            watched=queue_length(QUEUE_GPU),
            threshold=t[names.GPU_QUEUE_BACKLOG],
            periods=10,
            description=runbook(
                f"More than {t[names.GPU_QUEUE_BACKLOG]:g} documents have waited for the GPU workers for 10 "
                "minutes: decisions are late.",
                check=f"{board} [Queue lengths], [Running tasks] (GPU workers at filot:gpuWorkerMax, or none "
                "starting?), [GPU processing time (ms)] (each document slower?); the GPU worker service's events.",
                fix="At the maximum: raise filot:gpuWorkerMax and deploy. Tasks not starting: no g4dn capacity or "
                "vCPU quota, or an image failing its health check (service events, worker-gpu logs).",
            ),
        ),
        AlarmSpec(
            name=names.CPU_QUEUE_BACKLOG,
            watched=queue_length(QUEUE_CPU),
            threshold=t[names.CPU_QUEUE_BACKLOG],
            periods=10,
            description=runbook(
                f"More than {t[names.CPU_QUEUE_BACKLOG]:g} documents have waited for the CPU fallback workers for "
                "10 minutes.",
                check=f"{board} [Queue lengths], [Running tasks], [OCR failures and GPU fallbacks] (GPU fallbacks "
                f"fill this queue); {q('errors-by-type')}.",
                fix="Find why the GPU path hands documents over (the fallback Reason, errors-by-type) and fix that; "
                "raise filot:cpuWorkerMax if the CPU workers are at their maximum.",
            ),
        ),
        AlarmSpec(
            name=names.BULI2_QUEUE_BACKLOG,
            watched=queue_length(QUEUE_BULI2),
            threshold=t[names.BULI2_QUEUE_BACKLOG],
            periods=30,
            description=runbook(
                f"More than {t[names.BULI2_QUEUE_BACKLOG]:g} escalations have waited to be sent to BULI2 for 30 "
                "minutes: documents needing review do not reach the reviewers.",
                check=f"{board} [BULI2 circuit breaker], [BULI2 retries]; {q('buli2-failures')} (escalation "
                "deferred lines and their code).",
                fix="BULI2 down or refusing: 401/403 means the buli2 secret's api_key is wrong (rotate it); 5xx or "
                "timeouts: contact the BULI2 team. Nothing is lost: the reconciler re-sends every pending escalation.",
            ),
        ),
        AlarmSpec(
            name=names.DEAD_LETTERS,
            watched=metric(DEAD_LETTERS, statistic="Maximum", period=FIVE_MINUTES, label="dead letters"),
            threshold=t[names.DEAD_LETTERS],
            comparison=AT_LEAST,
            periods=1,
            description=runbook(
                f"At least {t[names.DEAD_LETTERS]:g} document(s) failed after every attempt on both paths (status "
                "failed); each waits for an operator. The alarm clears when none is left.",
                check=f"{board} [Reconciler recoveries and dead letters]; `python -m services deadletters list` "
                "(with the stage's settings, e.g. a one-off task of the API task definition); a document's story "
                f"in {q('document-story')}.",
                fix="Fix the cause in each document's error, then `python -m services deadletters redrive ID...` "
                "(or --all). A document that can never pass (unreadable upload) stays failed; its owner re-uploads.",
            ),
        ),
        AlarmSpec(
            name=names.RECONCILER_RECOVERIES,
            watched=insights_sum(RECONCILER_RECOVERIES, label="reconciler recoveries", period=Duration.minutes(15)),
            threshold=t[names.RECONCILER_RECOVERIES],
            periods=1,
            description=runbook(
                f"The reconciler put more than {t[names.RECONCILER_RECOVERIES]:g} things right in 15 minutes "
                "(stalled jobs re-queued, stuck documents re-driven): something keeps dying.",
                check=f"{board} [Reconciler recoveries and dead letters] by Kind (gpu_requeued, reclaimed: workers "
                "killed mid-document; escalated, review_overdue: BULI2), [Running tasks] for restarts; "
                f"{q('errors-by-type')}.",
                fix="Workers dying: look for OOM kills and failed health checks in the ECS service events and fix "
                "memory or the image; BULI2 kinds: see buli2-queue-backlog. Recoveries are safe (idempotent).",
            ),
        ),
        # Processing: a card takes well under a second on the GPU; seconds mean a sick instance or release.
        AlarmSpec(
            name=names.GPU_PROCESSING_TIME,
            watched=metric(GPU_PROCESSING_TIME_MS, statistic="p95"),
            threshold=t[names.GPU_PROCESSING_TIME],
            periods=5,
            description=runbook(
                f"p95 GPU processing time (claim to decision) above {t[names.GPU_PROCESSING_TIME]:g} ms for 5 "
                "minutes; a card normally takes well under a second.",
                check=f"{board} [GPU processing time (ms)], [GPU jobs in progress]; {q('slowest-documents')} (which "
                "documents, which path); worker-gpu logs for CUDA errors.",
                fix="One slow instance: stop its task (ECS starts a fresh one). All slow: unusually large or noisy "
                "uploads, or a bad release: roll back filot:imageTag.",
            ),
        ),
        AlarmSpec(
            name=names.DECISION_TIME,
            watched=summed(
                DOCUMENT_DECISION_TIME_MS, statistic="p95", label="upload to decision p95", period=FIVE_MINUTES
            ),
            threshold=t[names.DECISION_TIME],
            periods=2,
            description=runbook(
                f"p95 time from upload to decision above {t[names.DECISION_TIME]:g} ms for 10 minutes (the worse "
                "of the GPU and CPU paths).",
                check=f"{board} [Upload to decision (ms)] against [GPU processing time (ms)]: processing fast means "
                f"documents wait in [Queue lengths]; {q('slowest-documents')}.",
                fix="Waiting: scale the workers (filot:gpuWorkerMax, filot:cpuWorkerMax) or find why they do not "
                "start (gpu-workers-missing). Processing slow: see gpu-processing-time.",
            ),
        ),
        AlarmSpec(
            name=names.OCR_FAILURE_RATE,
            watched=watch.ocr_failure_rate(FIVE_MINUTES),
            threshold=t[names.OCR_FAILURE_RATE],
            periods=3,
            description=runbook(
                f"More than {t[names.OCR_FAILURE_RATE]:g}% of OCR attempts failed in each of the last three "
                "5-minute windows.",
                check=f"{board} [OCR failures and GPU fallbacks]; {q('errors-by-type')} (logger filot.worker, by "
                f"code); a failing document in {q('document-story')}.",
                fix="One code on every document: a bad release or missing Tesseract models: roll back "
                "filot:imageTag. invalid_document: a client sends bad files; tell the integrator. Failed "
                "documents are retried, then dead-lettered (see dead-letters).",
            ),
        ),
        AlarmSpec(
            name=names.GPU_FALLBACKS,
            watched=insights_sum(GPU_FALLBACKS, label="GPU fallbacks", period=FIVE_MINUTES),
            threshold=t[names.GPU_FALLBACKS],
            periods=1,
            description=runbook(
                f"More than {t[names.GPU_FALLBACKS]:g} documents were handed from the GPU path to the CPU path in 5 "
                "minutes.",
                check=f"{board} [OCR failures and GPU fallbacks] (by Reason, the error code); worker-gpu lines in "
                f"{q('errors-by-type')}.",
                fix="CUDA or driver errors: stop the affected GPU task so a fresh instance replaces it; every "
                "instance failing: roll back filot:imageTag. The CPU workers carry the load: watch cpu-queue-backlog.",
            ),
        ),
        AlarmSpec(
            name=names.GPU_START_FAILURES,
            watched=insights_sum(GPU_START_FAILURES, label="GPU worker start failures", period=FIVE_MINUTES),
            threshold=t[names.GPU_START_FAILURES],
            comparison=AT_LEAST,
            periods=1,
            description=runbook(
                "A GPU worker refused to start because its CUDA kernels cannot run (it never runs the CPU twins "
                "on a GPU instance).",
                check=f"{board} [OCR failures and GPU fallbacks] (start failures by Reason); worker-gpu lines in "
                f"{q('errors-by-type')} (code=cuda_unavailable, with the cause).",
                fix="nvvm_missing or numba_cuda_missing: the image was built without requirements-gpu.txt; rebuild "
                "(its build compiles every kernel) or roll back filot:imageTag. no_gpu: the instance has no driver "
                "or GPU (AMI or instance type); check the capacity provider. Documents meanwhile move to the CPU "
                "queue: watch cpu-queue-backlog.",
            ),
        ),
        AlarmSpec(
            name=DECISIONS_STALLED,
            watched=watch.decisions_stalled(FIVE_MINUTES),
            threshold=1,
            comparison=AT_LEAST,
            periods=4,
            description=runbook(
                "Documents have been queued for 20 minutes while no document was decided.",
                check=f"{board} [Queue lengths], [Decisions (per 5 minutes)], [Running tasks]; "
                f"{q('errors-by-type')} for workers failing every claim (Redis, database or storage unreachable).",
                fix="No workers: see gpu-workers-missing and cpu-workers-missing. Workers failing: fix the dependency "
                "their error lines name (secrets, network); the reconciler then re-queues the stalled work.",
            ),
        ),
        # BULI2: retries, and the client's circuit breaker (2 = open: escalations are being held back).
        AlarmSpec(
            name=names.BULI2_RETRIES,
            watched=summed(BULI2_RETRY_COUNT, statistic="Sum", label="BULI2 retries", period=FIVE_MINUTES),
            threshold=t[names.BULI2_RETRIES],
            periods=1,
            description=runbook(
                f"More than {t[names.BULI2_RETRIES]:g} BULI2 calls were retried in 5 minutes (API, CPU and GPU "
                "workers together): BULI2 is slow or failing.",
                check=f"{board} [BULI2 retries], [BULI2 circuit breaker]; {q('buli2-failures')} for status codes.",
                fix="Transient: nothing to do, retries succeed. Persistent: contact the BULI2 team; 401/403 means "
                "the buli2 secret's api_key is wrong.",
            ),
        ),
        AlarmSpec(
            name=CIRCUIT_BREAKER_OPEN,
            watched=watch.breaker_state(),
            threshold=BREAKER_OPEN,
            comparison=AT_LEAST,
            periods=1,
            # The state is emitted on each transition only: missing data keeps the last state (ALARM while open).
            missing=cloudwatch.TreatMissingData.IGNORE,
            description=runbook(
                "A BULI2 circuit breaker opened (state 2; API, CPU or GPU worker): escalations are held back, not "
                "lost. States are emitted on each change, so the alarm stays on until a breaker reports half-open "
                "or closed.",
                check=f"{board} [BULI2 circuit breaker], [Queue lengths] (BULI2); {q('buli2-failures')}.",
                fix="Restore BULI2 (its team; or the buli2 secret's url/api_key). The breaker half-opens after a "
                "minute and closes on success; the reconciler then sends the held escalations.",
            ),
        ),
        # HTTP: latency as the API measures it, errors as the load balancer sees them.
        AlarmSpec(
            name=names.HTTP_LATENCY,
            watched=metric(HTTP_REQUEST_DURATION_MS, statistic="p95"),
            threshold=t[names.HTTP_LATENCY],
            periods=5,
            description=runbook(
                f"p95 API request duration above {t[names.HTTP_LATENCY]:g} ms for 5 minutes.",
                check=f"{board} [API request duration (ms)], [Running tasks] (API at filot:backendMax?); "
                f"{q('errors-by-type')} (database or Redis timeouts).",
                fix="At its maximum: raise filot:backendMax. A slow dependency (database, Redis, storage): fix it "
                "there. Right after a release: roll back filot:imageTag.",
            ),
        ),
        AlarmSpec(
            name=names.HTTP_5XX_RATE,
            watched=watch.error_rate(watched.load_balancer),
            threshold=t[names.HTTP_5XX_RATE],
            periods=5,
            description=runbook(
                f"More than {t[names.HTTP_5XX_RATE]:g}% of API requests were answered 5xx for 5 minutes.",
                check=f"{board} [Load balancer: requests and 5xx]: 5xx from the load balancer means no healthy API "
                f"task; from the API, {q('errors-by-type')} (logger filot.api).",
                fix="No healthy task: see api-tasks-low and the API service's events. API errors: fix the failing "
                "dependency, or roll back filot:imageTag.",
            ),
        ),
        # Task counts: the API below its minimum, or documents queued with no worker to take them.
        AlarmSpec(
            name=API_TASKS_LOW,
            watched=watched.api_tasks,
            threshold=watched.api_minimum,
            comparison=BELOW,
            periods=5,
            missing=cloudwatch.TreatMissingData.BREACHING,
            description=runbook(
                f"Fewer than {watched.api_minimum} API tasks (filot:backendMin) have been running for 5 minutes.",
                check=f"{board} [Running tasks]; the API service's events (failed /health checks, image pull, "
                f"secrets); api lines in {q('errors-by-type')}.",
                fix="Fix what stops tasks from starting (a secret field missing, database unreachable, a bad image: "
                "roll back filot:imageTag); the deployment circuit breaker rolls back a failed deployment itself.",
            ),
        ),
        AlarmSpec(
            name=GPU_WORKERS_MISSING,
            watched=watch.stranded(queue_length(QUEUE_GPU), watched.gpu_worker_tasks),
            threshold=1,
            comparison=AT_LEAST,
            periods=15,
            description=runbook(
                "GPU documents have been queued for 15 minutes with no GPU worker task running.",
                check=f"{board} [Queue lengths], [Running tasks]; the GPU worker service's events and its Auto "
                "Scaling group's activity (g4dn.xlarge capacity, the vCPU quota for G instances).",
                fix="Capacity or quota: request a G-instance vCPU quota increase or add a zone. Tasks failing: "
                f"worker-gpu lines in {q('errors-by-type')}. Documents stay queued; nothing is lost.",
            ),
        ),
        AlarmSpec(
            name=CPU_WORKERS_MISSING,
            watched=watch.stranded(queue_length(QUEUE_CPU), watched.cpu_worker_tasks),
            threshold=1,
            comparison=AT_LEAST,
            periods=15,
            description=runbook(
                "CPU fallback documents have been queued for 15 minutes with no CPU worker task running.",
                check=f"{board} [Queue lengths], [Running tasks]; the CPU worker service's events; worker-cpu lines "
                f"in {q('errors-by-type')}.",
                fix="Fix what stops the tasks (a secret field, a bad image: roll back filot:imageTag). Documents stay "
                "queued; nothing is lost.",
            ),
        ),
        # Without the scheduled function the queue metrics stop, and with them the worker scaling.
        AlarmSpec(
            name=names.SCHEDULER_ERRORS,
            watched=watch.lambda_metric("Errors", function_name=watched.scheduler),
            threshold=t[names.SCHEDULER_ERRORS],
            comparison=AT_LEAST,
            periods=1,
            description=runbook(
                f"The scheduled function failed {t[names.SCHEDULER_ERRORS]:g}+ times in 5 minutes: queue lengths "
                "stop being published (worker scaling freezes) and the reconciler does not run.",
                check=f"/ecs/{name_prefix}/scheduler lines in {q('errors-by-type')}; the function's Errors and "
                "Duration in the Lambda console.",
                fix="Usually Redis or the database unreachable from the private subnets, or a secret field missing: "
                "fix that. Meanwhile run `python -m services reconcile` by hand if documents are stuck.",
            ),
        ),
        # The heartbeat: every alarm above reads missing data as fine, so a scheduler that stops publishing (a
        # deleted rule, a function that cannot start) would silence them all. This one reads missing data as a breach.
        AlarmSpec(
            name=QUEUE_METRICS_STOPPED,
            watched=queue_length(QUEUE_GPU, period=FIVE_MINUTES).with_(statistic="SampleCount"),
            threshold=1,
            comparison=BELOW,
            periods=2,
            missing=cloudwatch.TreatMissingData.BREACHING,
            description=runbook(
                "No GPU queue length has been published for 10 minutes: the scheduled function is not running, so "
                "the worker scaling and every queue alarm see nothing.",
                check="The scheduler's EventBridge rule (enabled?), the function's invocations and errors in the "
                f"Lambda console, /ecs/{name_prefix}/scheduler lines in {q('errors-by-type')}.",
                fix="Re-enable or redeploy the schedule; fix what stops the function (scheduler-errors). Meanwhile "
                "`python -m services reconcile` by hand, and raise the worker services' desired count if needed.",
            ),
        ),
        # What ECS and Lambda do to the services, beside what the services say.
        AlarmSpec(
            name=API_TARGETS_UNHEALTHY,
            watched=watch.healthy_targets(load_balancer=watched.load_balancer, target_group=watched.api_target_group),
            threshold=1,
            comparison=BELOW,
            periods=2,
            missing=cloudwatch.TreatMissingData.BREACHING,
            description=runbook(
                "The load balancer has had no healthy API target for 2 minutes: every request is answered 503.",
                check=f"{board} [Running tasks]; the target group's health-check results (/health/live) and the API "
                f"service's events; api lines in {q('errors-by-type')}.",
                fix="Tasks crash on start: a secret field or a bad image (roll back filot:imageTag). Tasks run but "
                "fail /health/live: the process is wedged; force a new deployment.",
            ),
        ),
        AlarmSpec(
            name=DEPENDENCY_DOWN,
            watched=watch.dependencies_up(),
            threshold=1,
            comparison=BELOW,
            periods=3,
            description=runbook(
                "Redis or the database has not answered the scheduled function's probe for 3 minutes: uploads, "
                "workers and the API's readiness (/health 503) fail with it, though no task is replaced for it.",
                check=f"{board} [Dependencies answering] (which one), [Queue lengths]; the provider's status page "
                "(Upstash, Neon); the NAT gateways and the private subnets' routes.",
                fix="Restore the dependency at its provider, or correct its URL in the secret (redis, database) and "
                "force a new deployment. Documents already stored are kept; the reconciler catches up.",
            ),
        ),
        AlarmSpec(
            name=WEBHOOK_DEAD_LETTERS,
            watched=metric(
                METRIC_WEBHOOK_DEAD_LETTERS, statistic="Maximum", namespace=NAMESPACE_SCHEDULER, period=FIVE_MINUTES
            ),
            threshold=1,
            comparison=AT_LEAST,
            periods=1,
            description=runbook(
                "Result webhooks were given up after every attempt (FILOT_WEBHOOK_ATTEMPTS, about 4 hours of "
                "retries): the client has not been told of these decisions.",
                check=f"{board} [Reconciler recoveries and dead letters] (result webhook lines); scheduler lines "
                f"of logger filot.webhooks in {q('errors-by-type')} (the HTTP status or error the client's endpoint "
                "gave); the endpoint in FILOT_WEBHOOK_URL.",
                fix="Once the client's endpoint answers 2xx again: `python -m services webhooks redrive` (sends "
                "every given-up webhook within a minute, each with its Idempotency-Key).",
            ),
        ),
        AlarmSpec(
            name=DEPLOYMENT_FAILED,
            watched=watched.failed_deployments,
            threshold=1,
            comparison=AT_LEAST,
            periods=1,
            description=runbook(
                "An ECS deployment of this stage failed (ECS Deployment State Change SERVICE_DEPLOYMENT_FAILED): "
                "the circuit breaker rolled the service back to its last working task definition.",
                check=f"{board} [Running tasks]; the service's events and stopped tasks (their stop reason) in the "
                "ECS console; the pipeline run that deployed it.",
                fix="The previous version is serving. Fix the release (an image that cannot start, a missing "
                "secret field: `python -m stacks.preflight`), then deploy again.",
            ),
        ),
        AlarmSpec(
            name=LAMBDA_THROTTLED,
            watched=watch.lambda_throttles(watched.functions),
            threshold=1,
            comparison=AT_LEAST,
            periods=2,
            description=runbook(
                "Lambda refused invocations of this stage's functions for want of concurrency, 10 minutes running: "
                "scheduled runs (queue metrics, reconciler) or API requests on Lambda are being dropped.",
                check=f"{board} [Queue lengths] (gaps: scheduled runs dropped); the account's concurrent executions "
                "(Lambda console, account-level metrics) and what else runs in the account.",
                fix="Request a higher concurrency quota for the region (a new account starts at 10), or move the "
                "other workload; give the scheduler reserved concurrency once the quota allows it.",
            ),
        ),
    ]
