"""The runner pool as an ECS service: watch desired/running/pending tasks and cold starts, scale it.

Takes an injected boto3 ECS client (``client=``) so tests use moto or botocore's Stubber. Never imports locust.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from .clock import Clock, SystemClock
from .errors import Error

__all__ = ["EcsRunnerPool", "PoolState", "RunnerTask", "EcsError"]


class EcsError(Error):
    """The ECS service could not be read or scaled."""


@dataclass(frozen=True)
class RunnerTask:
    """One Fargate task of the service (one runner)."""

    arn: str
    last_status: str
    desired_status: str
    created_at: datetime | None = None
    started_at: datetime | None = None
    stopped_at: datetime | None = None
    stopped_reason: str = ""

    @property
    def cold_start_s(self) -> float | None:
        """Task created to container started: what an ephemeral runner pays before it can take a job."""
        if self.created_at is None or self.started_at is None:
            return None
        return max(0.0, (self.started_at - self.created_at).total_seconds())

    @classmethod
    def from_api(cls, data: dict[str, Any]) -> RunnerTask:
        return cls(
            arn=data["taskArn"],
            last_status=data.get("lastStatus", ""),
            desired_status=data.get("desiredStatus", ""),
            created_at=data.get("createdAt"),
            started_at=data.get("startedAt"),
            stopped_at=data.get("stoppedAt"),
            stopped_reason=data.get("stoppedReason", ""),
        )


@dataclass(frozen=True)
class PoolState:
    """The service at one moment."""

    desired: int
    running: int
    pending: int
    tasks: tuple[RunnerTask, ...] = ()

    @property
    def steady(self) -> bool:
        return self.running == self.desired and self.pending == 0


class EcsRunnerPool:
    """The ECS service ``service`` of ``cluster``, seen as a pool of runners."""

    max_runners: int = 100
    """The most runners :meth:`scale` sets (Terraform's ``runner_count`` is bounded 0-100); raise it on a
    subclass or an instance for a larger pool."""

    def __init__(
        self,
        cluster: str,
        service: str,
        client: Any = None,
        *,
        clock: Clock | None = None,
        region: str | None = None,
        endpoint_url: str | None = None,
    ) -> None:
        if client is None:
            import boto3

            client = boto3.client("ecs", region_name=region, endpoint_url=endpoint_url)
        self.cluster, self.service, self.client = cluster, service, client
        self.clock = clock or SystemClock()

    def _call(self, name: str, **kwargs: Any) -> dict[str, Any]:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            return getattr(self.client, name)(**kwargs)
        except ClientError as exc:
            error = exc.response.get("Error", {})
            raise EcsError(
                f"ECS {name} on {self.cluster}/{self.service} failed: {error.get('Code')}: {error.get('Message')}"
            ) from None
        except BotoCoreError as exc:
            raise EcsError(f"ECS {name} on {self.cluster}/{self.service} failed: {exc}") from None

    def state(self, with_tasks: bool = True) -> PoolState:
        """Desired, running and pending counts, and (``with_tasks``) each task with its times."""
        answer = self._call("describe_services", cluster=self.cluster, services=[self.service])
        services = [s for s in answer.get("services", []) if s.get("status") != "INACTIVE"]
        if not services:
            raise EcsError(
                f"service {self.service!r} not found in cluster {self.cluster!r}: "
                "check --ecs-cluster, --ecs-service and the region"
            )
        service = services[0]
        tasks: tuple[RunnerTask, ...] = ()
        if with_tasks:
            arns: list[str] = []
            for status in ("RUNNING", "STOPPED"):
                arns += self._call("list_tasks", cluster=self.cluster, serviceName=self.service, desiredStatus=status).get(
                    "taskArns", []
                )
            for i in range(0, len(arns), 100):
                described = self._call("describe_tasks", cluster=self.cluster, tasks=arns[i : i + 100])
                tasks += tuple(RunnerTask.from_api(t) for t in described.get("tasks", []))
        return PoolState(
            int(service.get("desiredCount", 0)), int(service.get("runningCount", 0)), int(service.get("pendingCount", 0)), tasks
        )

    def sample(self) -> PoolState:
        """The counts only (one API call), for samples.csv."""
        return self.state(with_tasks=False)

    def scale(self, count: int, *, wait: bool = True, timeout: float = 900.0, poll: float = 10.0) -> PoolState:
        """Set the desired count; with ``wait``, return once ``count`` tasks run and none is pending."""
        if isinstance(count, bool) or not isinstance(count, int):
            raise EcsError(f"cannot scale to {count!r} runners: the count must be a whole number (int)")
        if not 0 <= count <= self.max_runners:
            raise EcsError(f"cannot scale to {count} runners: the count must be between 0 and {self.max_runners} (max_runners)")
        self._call("update_service", cluster=self.cluster, service=self.service, desiredCount=count)
        return self.wait_until_steady(count, timeout=timeout, poll=poll) if wait else self.sample()

    def wait_until_steady(self, count: int, *, timeout: float = 900.0, poll: float = 10.0) -> PoolState:
        deadline = self.clock.time() + timeout
        while True:
            state = self.sample()
            if state.running == count and state.pending == 0:
                return state
            if self.clock.time() >= deadline:
                raise EcsError(
                    f"{self.service}: {state.running} of {count} runners running after {timeout:.0f} s ({state.pending} pending)"
                )
            self.clock.sleep(poll)

    def protect(self, task_arns: list[str], *, minutes: int = 60, enabled: bool = True) -> int:
        """Task scale-in protection, so scaling down does not stop a runner in the middle of a job."""
        if not task_arns:
            return 0
        answer = self._call(
            "update_task_protection",
            cluster=self.cluster,
            tasks=task_arns,
            protectionEnabled=enabled,
            **({"expiresInMinutes": minutes} if enabled else {}),
        )
        if answer.get("failures"):
            raise EcsError(f"task protection failed for {len(answer['failures'])} tasks: {answer['failures'][0].get('reason')}")
        return len(answer.get("protectedTasks", []))
