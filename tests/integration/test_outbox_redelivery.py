"""Work survives a Redis restart and a worker killed with SIGKILL, and is done exactly once.

Each test has a redis-server of its own on a free loopback port (never the machine's shared
one), real `celery worker` processes started as production starts them (prefork), and the
live PostgreSQL database with the demo data. Small OUTBOX_REDELIVER_AFTER and
BROKER_VISIBILITY_TIMEOUT keep the waits short; production's are 300 s each.
"""
import os
import signal
import subprocess
import sys
import time
import uuid
from datetime import timedelta

import pytest

from commissioning.audit.models import AuditEntry
from commissioning.extensions import db
from commissioning.mail.models import EmailStatus, OutgoingEmail
from commissioning.mail.operations import queue_email
from commissioning.outbox.models import OutboxTask
from tests.fixtures.live import ROOT


class Worker:
    """`celery worker` with the prefork pool, in its own process group so SIGKILL takes it all."""

    def __init__(self, env, queue, log_path):
        self.log_path = log_path
        with open(log_path, "w") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "celery", "-A", "workers.celery_app", "worker", "--pool", "prefork",
                 "--concurrency", "2", "--loglevel", "INFO", "-Q", queue,
                 "-n", f"redelivery-{uuid.uuid4().hex[:6]}@%h", "--without-mingle", "--without-gossip"],
                cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        self.wait_for_log("ready.", timeout=60)

    def log(self):
        return self.log_path.read_text()

    def wait_for_log(self, needle, timeout=60):
        deadline = time.time() + timeout
        while needle not in self.log():
            if self.proc.poll() is not None or time.time() > deadline:
                raise AssertionError(f"worker log never showed {needle!r}:\n{self.log()[-3000:]}")
            time.sleep(0.1)

    def kill(self):
        """kill -9 of the worker and its pool processes at once."""
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=10)

    def stop(self):
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()


@pytest.fixture
def redelivery(live_config, make_app, private_redis, tmp_path):
    """``setup(**settings)``: an app on the private Redis and a queue of its own; ``worker(**env)`` starts one."""
    made, workers = [], []

    class Setup:
        def __call__(self, **settings):
            self.queue = f"redelivery-{uuid.uuid4().hex[:8]}"
            self.settings = {"REDIS_URL": private_redis.url, "CELERY_TASK_DEFAULT_QUEUE": self.queue, **settings}
            self.app = make_app(**self.settings)
            made.append(self.app)
            return self

        def worker(self, **env):
            full = {**os.environ, **live_config, **{k: str(v) for k, v in {**self.settings, **env}.items()},
                    "PYTHONUNBUFFERED": "1"}
            started = Worker(full, self.queue, tmp_path / f"worker-{len(workers)}.log")
            workers.append(started)
            return started

        def sweep(self):
            """What beat does every 15 seconds: ask a worker to run the outbox sweep."""
            self.app.extensions["celery"].send_task("outbox.dispatch_pending", kwargs={"min_age_seconds": 0},
                                                    ignore_result=True)

    yield Setup()
    for worker in workers:
        worker.stop()
    for app in made:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


def _wait(condition, what, timeout, every=None):
    """Poll ``condition`` (in a fresh transaction each time) until true; ``every()`` runs between polls."""
    deadline, last = time.time() + timeout, 0
    while time.time() < deadline:
        db.session.rollback()
        db.session.expire_all()
        if condition():
            return
        if every is not None and time.time() - last >= 1:
            every()
            last = time.time()
        time.sleep(0.2)
    raise AssertionError(f"{what} within {timeout}s")


def _row_for(task_name, **kwargs):
    query = db.select(OutboxTask).where(OutboxTask.task_name == task_name)
    for key, value in kwargs.items():
        query = query.where(OutboxTask.kwargs[key].as_integer() == value)
    return db.session.scalars(query).one()


def test_a_redis_restart_after_dispatch_loses_no_mail_and_sends_it_once(redelivery, private_redis, smtp_server):
    """Seen 2: the row was marked dispatched when Redis accepted it, Redis restarted empty, mail pending for ever."""
    setup = redelivery(OUTBOX_REDELIVER_AFTER=2)
    subject = f"Withdrawal noted {uuid.uuid4().hex[:8]}"
    with setup.app.app_context():
        email = queue_email("withdrawn@example.org", "test", subject, "password_changed", user_name="Withdrawn")
        db.session.commit()
        row = _row_for("mail.send_email", email_id=email.id)
        assert row.dispatched_at is not None, "Redis accepted the task"
        assert private_redis.client().llen(setup.queue) == 1
        private_redis.restart()  # no persistence: the queued task is gone
        assert private_redis.client().llen(setup.queue) == 0
        setup.worker()
        _wait(lambda: db.session.get(OutgoingEmail, email.id).status is EmailStatus.sent,
              "the mail stayed pending", timeout=90, every=setup.sweep)
        smtp_server.wait_for(Subject=subject, timeout=10)
        _wait(lambda: db.session.get(OutboxTask, row.id).completed_at is not None,
              "the outbox row was never completed", timeout=30)
        stored = db.session.get(OutboxTask, row.id)
        assert stored.redispatch_count >= 1 and "sent again" in stored.last_error
        # Exactly once: a later mail on the same path arrives, and still only one copy of the first.
        sentinel = f"Sentinel {uuid.uuid4().hex[:8]}"
        queue_email("sentinel@example.org", "test", sentinel, "password_changed", user_name="Sentinel")
        db.session.commit()
        smtp_server.wait_for(Subject=sentinel, timeout=60)
        for _ in range(3):  # a few more sweeps: a completed row is never sent again
            setup.sweep()
        time.sleep(2)
        assert len(smtp_server.matching(Subject=subject)) == 1
        assert db.session.get(OutgoingEmail, email.id).attempts == 1


# --- jobs a worker can be killed in the middle of ----------------------------------------

def _contract_pdf(factories):
    from commissioning.accounts.models import Role
    from commissioning.contracts import operations as ops
    from commissioning.contracts.models import AgreementDocument
    org = factories["create_organisation"](f"Killed Worker Trust {uuid.uuid4().hex[:6]}")
    factories["give_documents"](org)
    provider = factories["create_user"](Role.provider, organisation=org)
    agreement = factories["create_agreement"](org, provider)
    document = ops.issue(agreement, factories["create_user"](Role.commissioner), "Test Borough Council")
    db.session.commit()
    document_id, agreement_id = document.id, agreement.id

    def done():
        return db.session.get(AgreementDocument, document_id).file_id is not None

    def times_done():
        return db.session.scalar(db.select(db.func.count(AuditEntry.id)).where(
            AuditEntry.action == "agreement.document_rendered", AuditEntry.object_id == agreement_id))
    return ops.RENDER_TASK, _row_for(ops.RENDER_TASK, document_id=document_id).id, done, times_done


def _scoring_run(factories):
    from commissioning.evaluation.models import RunStatus, ScoringRun
    from commissioning.evaluation.operations import SCORE_TASK, request_scoring
    from commissioning.opportunities.models import Opportunity, OpportunityStatus
    opp = db.session.scalars(db.select(Opportunity).where(
        Opportunity.status.in_([OpportunityStatus.closed, OpportunityStatus.evaluation]))).first()
    run_id = request_scoring(opp, None).id
    db.session.commit()

    def done():
        return db.session.get(ScoringRun, run_id).status is RunStatus.done

    def times_done():
        return db.session.scalar(db.select(db.func.count(AuditEntry.id)).where(
            AuditEntry.action == "evaluation.scored", AuditEntry.details["run_id"].as_integer() == run_id))
    return SCORE_TASK, _row_for(SCORE_TASK, run_id=run_id).id, done, times_done


def _panel_count(factories):
    from commissioning.accounts.models import Role
    from commissioning.core.models import utcnow
    from commissioning.panels import operations as ops
    from commissioning.panels.models import AgeBand, AllocationRule, BallotType, Round, RoundResult, RoundStatus
    facilitator = factories["create_user"](Role.panel_facilitator)
    panel = ops.create_panel(f"Killed worker panel {uuid.uuid4().hex[:6]}", None, facilitator)
    members = [ops.add_member(panel, f"Voter {i}", AgeBand.age_16_17)[0] for i in range(3)]
    now = utcnow()
    rnd = ops.create_round(panel, facilitator, title="Killed worker round",
                           pot=factories["create_pot"](amount_pence=5_000_000), budget_pence=1_000_000,
                           ballot_type=BallotType.within_budget, max_projects=None, min_projects=None,
                           rule=AllocationRule.equal_shares, quorum=3, min_approval_percent=None, opens_at=now,
                           closes_at=now + timedelta(days=1))
    projects = [ops.add_project(rnd, f"Idea {i}", "Plain words.", cost) for i, cost in
                enumerate((600_000, 300_000, 500_000))]
    ops.open_voting(rnd, facilitator)
    for member, choice in zip(members, [(0,), (0, 1), (2,)]):
        ops.cast_ballot(rnd, member, [projects[i].id for i in choice])
    ops.close_voting(rnd, facilitator, "the test closed it")
    db.session.commit()
    round_id = rnd.id

    def done():
        return db.session.get(Round, round_id).status is RoundStatus.decided

    def times_done():
        return db.session.scalar(db.select(db.func.count(RoundResult.id)).where(RoundResult.round_id == round_id))
    return ops.COUNT_TASK, _row_for(ops.COUNT_TASK, round_id=round_id).id, done, times_done


JOBS = {"contract PDF": _contract_pdf, "scoring run": _scoring_run, "panel count": _panel_count}


@pytest.mark.parametrize("job, recovery", [
    ("contract PDF", "outbox"), ("scoring run", "outbox"), ("panel count", "outbox"),
    ("contract PDF", "broker"),
])
def test_a_worker_killed_mid_task_finishes_the_job_once_within_minutes(
        job, recovery, redelivery, create_organisation, create_user, create_agreement, give_documents, create_pot):
    """Seen 4: after kill -9 of the whole worker mid-task the job waited for Redis's 3,600 s visibility timeout.

    "outbox": Redis keeps the task for an hour as before; the sweep sends the unfinished row again.
    "broker": the sweep would wait an hour; Redis's visibility timeout gives the task back itself.
    """
    settings = ({"OUTBOX_REDELIVER_AFTER": 3, "BROKER_VISIBILITY_TIMEOUT": 3600} if recovery == "outbox"
                else {"OUTBOX_REDELIVER_AFTER": 3600, "BROKER_VISIBILITY_TIMEOUT": 5})
    setup = redelivery(**settings)
    factories = {"create_organisation": create_organisation, "create_user": create_user,
                 "create_agreement": create_agreement, "give_documents": give_documents, "create_pot": create_pot}
    with setup.app.app_context():
        task_name, row_id, done, times_done = JOBS[job](factories)
    first = setup.worker(APP_ENV="test", TEST_ONLY_PAUSE_TASK=task_name)
    first.wait_for_log(f"TEST_ONLY_PAUSE_TASK: {task_name}[outbox-{row_id}]", timeout=90)
    first.kill()
    killed_at = time.time()
    with setup.app.app_context():
        db.session.rollback()
        db.session.expire_all()
        assert not done() and times_done() == 0, "nothing the killed worker did may be committed"
        setup.worker()
        _wait(done, f"the {job} was not finished after the worker was killed", timeout=120,
              every=setup.sweep if recovery == "outbox" else None)
        took = time.time() - killed_at
        print(f"\n{job} ({recovery}): finished {took:.1f} s after the SIGKILL, a new worker started at once")
        _wait(lambda: db.session.get(OutboxTask, row_id).completed_at is not None,
              "the outbox row was not completed", timeout=30)
        for _ in range(3):  # more sweeps and any second delivery of the message: nothing is redone
            setup.sweep()
        time.sleep(3)
        db.session.rollback()
        assert times_done() == 1
        row = db.session.get(OutboxTask, row_id)
        if recovery == "outbox":
            assert row.redispatch_count >= 1
