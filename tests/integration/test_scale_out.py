"""Scale-out on one machine: two workers and one beat do a burst of mixed work once each, shared out.

Two real `celery worker` processes (prefork, distinct names, one private queue on the shared Redis)
and a real `celery beat` run against a PostgreSQL database of this test's own and an SMTP server of
its own. The jobs go in the way the app sends them, through the outbox from operations: mail
(notifications), contract PDFs, scoring runs, panel counts, and a return coming due, which only
the beat's reminder sweep finds. Every outbox row must be completed, every job done once (one mail
per message, one document, one result, one reminder), and both workers must have done some of it.
Then a second beat is started by mistake beside the first: across several sweep ticks of both, a
newly due return is still reminded once.

The beat runs tests/integration/scale_out_beat.py: the production app and schedule with the reminder
sweep every SWEEP_SECONDS instead of 15 minutes. Everything started here is stopped at the end,
also when the test fails.
"""
import os
import re
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter
from datetime import timedelta

import pytest

from commissioning import create_app
from commissioning.extensions import db
from tests import services
from tests.fixtures.live import ROOT, SMTPRecorder

SWEEP_SECONDS = 3
#: Generous bounds for a busy 2-core CI machine; each wait polls and ends as soon as it can.
START_TIMEOUT = 90
WORK_TIMEOUT = 150

_SUCCEEDED = re.compile(r"Task ([\w.]+)\[(outbox-\d+)\] succeeded")
_NOOP = re.compile(r"\[(outbox-\d+)\]: (?:already completed|running in another worker), so this copy does nothing")
_SWEEP_RAN = re.compile(r"Task monitoring\.sweep_reminders\[[\w-]+\] succeeded in [\d.]+s: (\d+)")
_BEAT_SENT = "Sending due task monitoring-sweep-reminders"


class Process:
    """A celery process in its own process group, so that stopping it stops its pool children too."""

    def __init__(self, name, args, env, log_path):
        self.name, self.log_path = name, log_path
        with open(log_path, "w") as log:
            self.proc = subprocess.Popen([sys.executable, "-m", "celery", *args], cwd=ROOT, env=env, stdout=log,
                                         stderr=subprocess.STDOUT, start_new_session=True)

    def log(self):
        return self.log_path.read_text()

    def wait_for_log(self, needle, timeout=START_TIMEOUT):
        deadline = time.time() + timeout
        while needle not in self.log():
            if self.proc.poll() is not None or time.time() > deadline:
                raise AssertionError(f"{self.name} never logged {needle!r}:\n{self.log()[-3000:]}")
            time.sleep(0.2)

    def stop(self):
        if self.proc.poll() is not None:
            return
        try:
            os.killpg(self.proc.pid, signal.SIGTERM)
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)
        except ProcessLookupError:
            pass


class Cluster:
    """The test's own database, SMTP server and queue, and the worker and beat processes on them."""

    def __init__(self, tmp_path):
        from aiosmtpd.controller import Controller
        self.tmp_path, self.processes = tmp_path, []
        self.smtp = SMTPRecorder()
        self.smtp.port = services.free_port()
        self._smtp = Controller(self.smtp, hostname="127.0.0.1", port=self.smtp.port)
        self._smtp.start()
        self.db_name, url = services.create_database("commissioning_scale_out")
        self.queue = f"scale-out-{uuid.uuid4().hex[:8]}"
        self.config = {
            "APP_ENV": "test", "SECRET_KEY": "scale-out-test-secret", "DATABASE_URL": url,
            "REDIS_URL": services.REDIS_URL, "CELERY_TASK_DEFAULT_QUEUE": self.queue, "OUTBOX_DISPATCH": "broker",
            "MAIL_BACKEND": "smtp", "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": self.smtp.port,
            "BROKER_DIR": str(tmp_path / "broker"),
        }
        self.app = create_app(self.config)

    def migrate(self):
        from flask_migrate import upgrade
        with self.app.app_context():
            upgrade()

    def _env(self):
        # Only this test's settings: a COMMISSIONING_ prefixed variable in the caller's environment would win.
        env = {k: v for k, v in os.environ.items() if not k.startswith("COMMISSIONING_")}
        return {**env, **{k: str(v) for k, v in self.config.items()}, "PYTHONUNBUFFERED": "1",
                "SCALE_OUT_REMINDER_SWEEP_SECONDS": str(SWEEP_SECONDS)}

    def start_worker(self, label):
        """`celery worker` as production runs it (prefork), on the private queue, named ``label``."""
        worker = Process(f"worker {label}", [
            "-A", "workers.celery_app", "worker", "--pool", "prefork", "--concurrency", "2", "--loglevel", "INFO",
            "-Q", self.queue, "-n", f"scale-{label}-{uuid.uuid4().hex[:6]}@%h", "--without-mingle",
            "--without-gossip"], self._env(), self.tmp_path / f"worker-{label}.log")
        self.processes.append(worker)
        return worker

    def start_beat(self, label):
        """`celery beat` with a schedule file of its own (a second beat on another machine would have one)."""
        beat = Process(f"beat {label}", [
            "-A", "tests.integration.scale_out_beat", "beat", "--loglevel", "INFO",
            "-s", str(self.tmp_path / f"beat-{label}-schedule")], self._env(), self.tmp_path / f"beat-{label}.log")
        self.processes.append(beat)
        return beat

    def close(self):
        for process in reversed(self.processes):
            process.stop()
        with self.app.app_context():
            db.session.remove()
            db.engine.dispose()
        services.drop_database(self.db_name)
        self._smtp.stop()
        try:
            import redis
            client = redis.Redis.from_url(services.REDIS_URL, socket_timeout=2)
            client.delete(self.queue, f"_kombu.binding.{self.queue}")
        except Exception:  # a leftover empty key on the shared Redis is harmless
            pass


@pytest.fixture
def cluster(tmp_path):
    started = Cluster(tmp_path)
    try:
        yield started
    finally:
        started.close()


def _wait(condition, what, timeout=WORK_TIMEOUT, logs=()):
    """Poll ``condition`` in a fresh transaction each time until it is true, for at most ``timeout`` s."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        db.session.rollback()
        db.session.expire_all()
        if condition():
            return
        time.sleep(0.3)
    tails = "\n".join(f"--- {p.name}:\n{p.log()[-2500:]}" for p in logs)
    raise AssertionError(f"{what} within {timeout}s\n{tails}")


def _today():
    from commissioning.core.models import LONDON, utcnow
    return utcnow().astimezone(LONDON).date()


# --- what the burst needs, made beforehand through the app's operations ----------------------

def _signed(agreement, provider, commissioner, render=True):
    """Sign and countersign an issued agreement (its PDF rendered here first when ``render``)."""
    from commissioning.contracts import operations as contract_ops
    if render:
        contract_ops.render_document(agreement.document.id)
    db.session.refresh(agreement.document)
    contract_ops.sign(agreement, provider, "Pat Provider", "Chair", agreement.document.sha256)
    contract_ops.countersign(agreement, commissioner)
    db.session.commit()


def _bring_return_due(agreement, days_from_today):
    """The factories' agreements start tomorrow, so their first return is months away: bring it near."""
    due = sorted(agreement.returns, key=lambda d: d.due_on)[0]
    due.due_on = _today() + timedelta(days=days_from_today)
    db.session.commit()
    return due


def _closed_opportunity(create_opportunity, create_organisation, create_user, give_documents):
    """An opportunity past its deadline with one bid evaluated by enough evaluators: ready to score."""
    from commissioning.accounts.models import Role
    from commissioning.bids.operations import start_bid, submit_bid
    from commissioning.core.models import utcnow
    from commissioning.evaluation.operations import start_evaluation
    from commissioning.opportunities.operations import close_due
    from tests.fixtures.factories import complete_bid, complete_evaluations
    past = utcnow() - timedelta(days=10)
    opp = create_opportunity(deadline_in=timedelta(days=-1), opened_at=past)
    org = create_organisation()
    give_documents(org)
    user = create_user(Role.provider, organisation=org)
    bid = start_bid(opp, org, user, now=past)
    complete_bid(bid, user, now=past)
    submit_bid(bid, user, f"scale-out-{bid.id}-token", now=past)
    close_due()
    start_evaluation(opp)
    complete_evaluations(opp, [bid])
    db.session.commit()
    return opp


def _voted_round(create_user, create_pot, n):
    """An open panel round with three ballots cast, quorum met: closing it queues its count."""
    from commissioning.accounts.models import Role
    from commissioning.core.models import utcnow
    from commissioning.panels import operations as ops
    from commissioning.panels.models import AgeBand, AllocationRule, BallotType
    facilitator = create_user(Role.panel_facilitator)
    panel = ops.create_panel(f"Scale-out panel {n} {uuid.uuid4().hex[:6]}", None, facilitator)
    members = [ops.add_member(panel, f"Voter {i}", AgeBand.age_16_17)[0] for i in range(3)]
    now = utcnow()
    rnd = ops.create_round(panel, facilitator, title=f"Scale-out round {n}", pot=create_pot(amount_pence=5_000_000),
                           budget_pence=1_000_000, ballot_type=BallotType.within_budget, max_projects=None,
                           min_projects=None, rule=AllocationRule.equal_shares, quorum=3, min_approval_percent=None,
                           opens_at=now, closes_at=now + timedelta(days=1))
    projects = [ops.add_project(rnd, f"Idea {i}", "Plain words.", cost)
                for i, cost in enumerate((600_000, 300_000, 500_000))]
    ops.open_voting(rnd, facilitator)
    for member, choice in zip(members, [(0,), (0, 1), (2,)]):
        ops.cast_ballot(rnd, member, [projects[i].id for i in choice])
    db.session.commit()
    return rnd, facilitator


# --- reading what happened -------------------------------------------------------------------

def _runs_by_worker(workers):
    """{worker name: Counter(outbox task id -> times its work ran)} from the workers' own logs.

    A copy that found its row completed (or running elsewhere) logs that it did nothing and still
    "succeeds"; it is not counted as a run.
    """
    runs = {}
    for worker in workers:
        text = worker.log()
        ran = Counter(task_id for _name, task_id in _SUCCEEDED.findall(text))
        ran.subtract(Counter(_NOOP.findall(text)))
        runs[worker.name] = +ran
    return runs


def _all_completed():
    from commissioning.outbox.models import OutboxTask
    return db.session.scalar(db.select(db.func.count(OutboxTask.id)).where(OutboxTask.completed_at.is_(None))) == 0


SWEEP_KINDS = ("return", "contract_end", "document_expiry", "action_overdue")


def test_two_workers_and_a_beat_do_a_mixed_burst_once_each_shared_out_and_a_second_beat_adds_nothing(
        cluster, create_agreement, create_user, create_organisation, give_documents, create_opportunity, create_pot):
    from commissioning.accounts.models import Role
    from commissioning.audit.models import AuditEntry
    from commissioning.contracts import operations as contract_ops
    from commissioning.contracts.models import AgreementDocument
    from commissioning.core.urls import app_path
    from commissioning.evaluation.models import RunStatus, ScoringRun
    from commissioning.evaluation.operations import request_scoring
    from commissioning.mail.models import EmailStatus, OutgoingEmail
    from commissioning.mail.operations import notify
    from commissioning.monitoring.models import Reminder
    from commissioning.outbox.models import OutboxTask
    from commissioning.panels import operations as panel_ops
    from commissioning.panels.models import RoundResult

    cluster.migrate()
    workers = [cluster.start_worker("a"), cluster.start_worker("b")]   # they boot while the data is made
    with cluster.app.app_context():
        token = uuid.uuid4().hex[:6]

        def provider_of(name):
            org = create_organisation(f"{name} {token}")
            give_documents(org)
            return org, create_user(Role.provider, organisation=org, email=f"{name.lower()}-{token}@example.org")

        commissioner = create_user(Role.commissioner)
        # The return the beat's sweep will find: an agreement in force, its first return due in 3 days.
        reminded_org, reminded_provider = provider_of("Reminded")
        reminded = create_agreement(reminded_org, reminded_provider)
        contract_ops.issue(reminded, commissioner, "Test Borough Council")
        _signed(reminded, reminded_provider, commissioner)
        reminded_due = _bring_return_due(reminded, 3)
        # Agreements whose PDFs the burst has rendered; the first is later signed and comes due.
        pdf_parties = [provider_of(f"Pdf{i}") for i in range(3)]
        pdf_agreements = [create_agreement(org, user) for org, user in pdf_parties]
        opportunities = [_closed_opportunity(create_opportunity, create_organisation, create_user, give_documents)
                         for _ in range(2)]
        rounds = [_voted_round(create_user, create_pot, n) for n in range(2)]
        told = [create_user(Role.provider, email=f"told{i}-{token}@example.org") for i in range(6)]

        for worker in workers:
            worker.wait_for_log("ready.")
        beat = cluster.start_beat("first")
        beat.wait_for_log("beat: Starting")

        # The burst: each job committed on its own, as requests and tasks commit theirs.
        documents = []
        for agreement in pdf_agreements:
            documents.append(contract_ops.issue(agreement, commissioner, "Test Borough Council").id)
            db.session.commit()
        runs = []
        for opp in opportunities:
            runs.append(request_scoring(opp, None).id)
            db.session.commit()
        for rnd, facilitator in rounds:
            panel_ops.close_voting(rnd, facilitator, "the test closed it")
            db.session.commit()
        for i, user in enumerate(told):
            assert notify(user, "clarification_answered", f"scale-out:{token}:{i}", f"Answered {token} #{i}",
                          "Your question has an answer.", app_path("monitoring.notifications"))
            db.session.commit()
        round_ids = [rnd.id for rnd, _f in rounds]
        agreement_ids = [a.id for a in pdf_agreements]

        def burst_done():
            reminded_once = db.session.scalar(db.select(db.func.count(Reminder.id)).where(
                Reminder.key.like(f"return:{reminded_due.id}:%"))) >= 1
            return reminded_once and _all_completed()
        _wait(burst_done, "the burst and the beat's reminder were not all done", logs=[*workers, beat])

        # Every outbox row done, none given up or sent again; every job's work recorded once.
        rows = db.session.scalars(db.select(OutboxTask)).all()
        assert all(r.completed_at is not None and r.gave_up_at is None for r in rows)
        assert [r.id for r in rows if r.redispatch_count] == []
        kinds = Counter(r.task_name for r in rows)
        for name in ("mail.send_email", "contracts.render_document", "evaluation.score_opportunity",
                     "panels.count_round"):
            assert kinds[name] >= 2, kinds
        for agreement_id in agreement_ids:
            docs = db.session.scalars(db.select(AgreementDocument).where(
                AgreementDocument.agreement_id == agreement_id)).all()
            assert len(docs) == 1 and docs[0].file_id is not None and docs[0].sha256
            assert db.session.scalar(db.select(db.func.count(AuditEntry.id)).where(
                AuditEntry.action == "agreement.document_rendered", AuditEntry.object_id == agreement_id)) == 1
        for run_id in runs:
            assert db.session.get(ScoringRun, run_id).status is RunStatus.done
            assert db.session.scalar(db.select(db.func.count(AuditEntry.id)).where(
                AuditEntry.action == "evaluation.scored", AuditEntry.details["run_id"].as_integer() == run_id)) == 1
        for round_id in round_ids:
            assert db.session.scalar(db.select(db.func.count(RoundResult.id)).where(
                RoundResult.round_id == round_id)) == 1

        def check_mail_once():
            """Every mail of the database sent, and received once by the SMTP server, by its Message-ID."""
            emails = db.session.scalars(db.select(OutgoingEmail)).all()
            assert emails and all(e.status is EmailStatus.sent for e in emails)
            received = Counter(re.sub(r"@.*", "", str(m["Message-ID"]).strip("<>")) for m in cluster.smtp.messages)
            assert {f"commissioning-mail-{e.id}": received[f"commissioning-mail-{e.id}"] for e in emails} == {
                f"commissioning-mail-{e.id}": 1 for e in emails}
            assert sum(received.values()) == len(emails)
            return emails
        emails = check_mail_once()
        for user in told:
            assert len(cluster.smtp.matching(To=user.email, Subject=f"Answered {token}")) == 1
        assert len(cluster.smtp.matching(To=reminded_provider.email, Subject="is due in 3 days")) == 1

        # The workers' logs: each outbox row's work ran exactly once, and both workers did some.
        runs_by_worker = _runs_by_worker(workers)
        total = Counter()
        for ran in runs_by_worker.values():
            total.update(ran)
        assert {f"outbox-{r.id}": total[f"outbox-{r.id}"] for r in rows} == {f"outbox-{r.id}": 1 for r in rows}
        shares = {name: len(ran) for name, ran in runs_by_worker.items()}
        print(f"\n{len(rows)} outbox jobs ({dict(kinds)}), {len(emails)} mails; jobs per worker: {shares}")
        assert all(shares.values()), f"a worker did nothing: {shares}"

        # A second beat started by mistake beside the first; then another return comes due.
        second = cluster.start_beat("second")
        second.wait_for_log("beat: Starting")
        late_org, late_provider = pdf_parties[0]
        _signed(pdf_agreements[0], late_provider, commissioner, render=False)   # its PDF is the worker's
        late_due = _bring_return_due(pdf_agreements[0], 0)
        beats = [beat, second]
        ticks_before = [b.log().count(_BEAT_SENT) for b in beats]

        def both_ticked_twice_and_all_ran():
            sent = [b.log().count(_BEAT_SENT) for b in beats]
            swept = sum(len(_SWEEP_RAN.findall(w.log())) for w in workers)
            return (all(now >= before + 2 for now, before in zip(sent, ticks_before))
                    and swept >= sum(sent) and _all_completed())
        _wait(both_ticked_twice_and_all_ran, "both beats did not each send two sweeps that the workers ran",
              logs=[*workers, *beats])

        def reminders(due):
            return db.session.scalars(db.select(Reminder).where(Reminder.key.like(f"return:{due.id}:%"))).all()
        assert [r.key for r in reminders(late_due)] == [f"return:{late_due.id}:0:{late_provider.id}"]
        assert [r.key for r in reminders(reminded_due)] == [f"return:{reminded_due.id}:-3:{reminded_provider.id}"]
        assert len(cluster.smtp.matching(To=late_provider.email, Subject="is due today")) == 1
        assert len(cluster.smtp.matching(To=reminded_provider.email, Subject="is due in 3 days")) == 1
        check_mail_once()
        # What every sweep of both beats said it made adds up to the reminders there are: none twice.
        made = sum(int(n) for w in workers for n in _SWEEP_RAN.findall(w.log()))
        assert made == db.session.scalar(db.select(db.func.count(Reminder.id)).where(Reminder.kind.in_(SWEEP_KINDS)))
        sweeps = [b.log().count(_BEAT_SENT) for b in beats]
        print(f"sweeps sent by the two beats: {sweeps}; reminders made by them: {made}")
