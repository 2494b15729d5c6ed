"""Odoo with two HTTP workers and two cron workers on one database.

The campaign engine, the deputy redirection and the Exchange sync are fired on both workers at
once: each scheduled action is doubled, so both cron workers run the same job at the same time,
and the campaign engine is also started from two HTTP requests served by the two HTTP workers.
Afterwards nothing may be done twice (a task, a stage move, a handover, an Exchange item) and
nothing may be lost (every participant has its tasks, every open item of the absent user is with
the deputy, every appointment is in Exchange and every Exchange item in Odoo).

The test builds its own database, serves it with ``--workers=2 --max-cron-threads=2`` and
checks the outcome with SQL. It takes a few minutes; it is part of ``make test``.
"""

import configparser
import json
import os
import socket
import subprocess
import sys
import textwrap
import threading
import time
import urllib.request
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
ODOO_HOME = Path(os.environ.get("ODOO_HOME", "/opt/odoo"))
VENV = Path(os.environ.get("VENV", REPO / ".venv"))
PYTHON = VENV / "bin" / "python"
ODOORC = REPO / ".odoorc"
DB = os.environ.get("MULTI_WORKER_DB", "crm_suite_multi_worker")
ADDONS = os.environ.get(
    "MULTI_WORKER_ADDONS",
    "crm_contact_management,crm_selection,crm_campaign_stages,crm_exchange_sync",
)
LOG_DIR = REPO / "test-results"

PARTICIPANTS = 600
ABSENT_ITEMS = 400
EXCHANGE_USERS = 4
EVENTS_PER_USER = 40
REMOTE_EVENTS_PER_USER = 15
MAILBOX_PASSWORD = "Zwei-Worker-2026"

sys.path.insert(0, str(REPO / "tests"))

from fake_ews import FakeExchangeServer  # noqa: E402  (needs the path above)


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def db_env():
    config = configparser.ConfigParser()
    config.read(ODOORC)
    options = config["options"] if config.has_section("options") else {}
    env = dict(os.environ)
    env["PGHOST"] = options.get("db_host", "localhost") or "localhost"
    env["PGPORT"] = str(options.get("db_port", "5432") or "5432")
    env["PGUSER"] = options.get("db_user", "odoo") or "odoo"
    env["PGPASSWORD"] = options.get("db_password", "odoo") or "odoo"
    return env


def psql(query, database=DB):
    out = subprocess.run(
        ["psql", "-d", database, "-tAX", "-F", "\t", "-c", query],
        env=db_env(),
        capture_output=True,
        text=True,
        check=True,
    )
    return [line.split("\t") for line in out.stdout.splitlines() if line]


def scalar(query):
    return int(psql(query)[0][0])


def odoo(*args, log_name, stdin=None):
    """Run odoo-bin to completion; its output goes to test-results/<log_name>."""
    LOG_DIR.mkdir(exist_ok=True)
    log_path = LOG_DIR / log_name
    cmd = [str(PYTHON), str(ODOO_HOME / "odoo-bin"), *args]
    with open(log_path, "w", encoding="utf-8") as log:
        proc = subprocess.run(
            cmd, input=stdin, stdout=log, stderr=subprocess.STDOUT, text=True, cwd=REPO
        )
    assert proc.returncode == 0, f"odoo-bin {args[0]} failed, see {log_path}"
    return log_path.read_text(encoding="utf-8")


def run_shell(script, log_name):
    """Run ``script`` in ``odoo-bin shell`` on the database; the script commits itself."""
    wrapped = textwrap.dedent(script) + "\nenv.cr.commit()\nprint('SHELL-DONE')\n"
    output = odoo(
        "shell", "-c", str(ODOORC), "-d", DB, "--no-http", log_name=log_name, stdin=wrapped
    )
    assert "SHELL-DONE" in output, f"the shell script failed, see test-results/{log_name}"
    return output


class OdooServer:
    """odoo-bin serving the database with two HTTP workers and two cron workers."""

    def __init__(self):
        self.port = free_port()
        self.log_path = LOG_DIR / "multi-worker-server.log"
        self.proc = None

    def start(self):
        self.log = open(self.log_path, "w", encoding="utf-8")  # closed in stop()
        self.proc = subprocess.Popen(
            [
                str(PYTHON), str(ODOO_HOME / "odoo-bin"), "-c", str(ODOORC), "-d", DB,
                f"--db-filter=^{DB}$", "--workers=2", "--max-cron-threads=2",
                f"--http-port={self.port}", "--gevent-port", str(free_port()),
                "--limit-time-real=600", "--limit-time-cpu=600", "--log-level=info",
            ],
            stdout=self.log, stderr=subprocess.STDOUT, cwd=REPO,
        )  # fmt: skip
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(self.url("/web/health"), timeout=5):
                    return
            except OSError:
                assert self.proc.poll() is None, f"Odoo stopped, see {self.log_path}"
                time.sleep(1)
        raise AssertionError(f"Odoo did not answer in time, see {self.log_path}")

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(60)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        self.log.close()

    def url(self, path):
        return f"http://127.0.0.1:{self.port}{path}"

    def call(self, model, method, *args, **kwargs):
        """``execute_kw`` as the administrator through JSON-RPC."""
        payload = {
            "jsonrpc": "2.0",
            "method": "call",
            "params": {
                "service": "object",
                "method": "execute_kw",
                "args": [DB, 2, "admin", model, method, list(args), kwargs],
            },
        }
        request = urllib.request.Request(
            self.url("/jsonrpc"),
            json.dumps(payload).encode(),
            {"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=600) as response:
            answer = json.loads(response.read())
        if "error" in answer:
            raise AssertionError(json.dumps(answer["error"], indent=1)[:4000])
        return answer["result"]

    def error_lines(self):
        text = self.log_path.read_text(encoding="utf-8")
        return [line for line in text.splitlines() if " ERROR " in line or " CRITICAL " in line]


def wait_for_crons(cron_ids, started_after, timeout=600):
    """Wait until every cron of ``cron_ids`` ran once after ``started_after`` and none is
    running any more (a running job holds a lock on its row)."""
    ids = ",".join(str(i) for i in cron_ids)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        done = scalar(
            f"SELECT COUNT(*) FROM ir_cron WHERE id IN ({ids}) "
            f"AND lastcall >= '{started_after}'::timestamp"
        )
        free = scalar(
            "SELECT COUNT(*) FROM (SELECT id FROM ir_cron "
            f"WHERE id IN ({ids}) FOR NO KEY UPDATE SKIP LOCKED) AS free"
        )
        if done == len(cron_ids) and free == len(cron_ids):
            return
        time.sleep(2)
    raise AssertionError("the scheduled actions did not all run in time")


def double_crons(xml_ids):
    """Give each scheduled action a twin, so that two workers can run the same job at the same
    time. Return ``{xml_id: (cron id, twin id)}``."""
    pairs = {}
    for xml_id in xml_ids:
        module, name = xml_id.split(".")
        (cron_id,) = psql(
            "SELECT res_id FROM ir_model_data "
            f"WHERE module = '{module}' AND name = '{name}' AND model = 'ir.cron'"
        )[0]
        (twin_id,) = psql(
            "INSERT INTO ir_cron (ir_actions_server_id, cron_name, user_id, active, "
            "interval_number, interval_type, nextcall, priority, failure_count) "
            "SELECT ir_actions_server_id, cron_name || ' (twin)', user_id, TRUE, "
            "interval_number, interval_type, nextcall, priority, 0 "
            f"FROM ir_cron WHERE id = {cron_id} RETURNING id"
        )[0]
        pairs[xml_id] = (int(cron_id), int(twin_id))
    return pairs


def at_once(*calls):
    """Run the calls in parallel threads; return the errors they raised."""
    errors = []

    def run(call):
        try:
            call()
        except AssertionError as error:
            errors.append(str(error))

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


def fire_crons(cron_ids):
    """Make the crons due and wake the cron workers; return the database time before."""
    (now,) = psql("SELECT date_trunc('second', now() AT TIME ZONE 'UTC')")[0]
    ids = ",".join(str(i) for i in cron_ids)
    psql(
        "UPDATE ir_cron SET active = TRUE, "
        "nextcall = now() AT TIME ZONE 'UTC' - interval '1 minute' "
        f"WHERE id IN ({ids})"
    )
    # The cron workers listen on the "postgres" database, as Odoo's own trigger does.
    psql(f"NOTIFY cron_trigger, '{DB}'", database="postgres")
    return now


SETUP_SCRIPT = f"""
from datetime import date, timedelta
from odoo import Command

Users = env["res.users"].with_context(no_reset_password=True)
Partner = env["res.partner"]
internal = env.ref("base.group_user")
today = date.today()

# Deputy redirection: eight absent users, each with open tasks on their own documents.
deputies = {{}}
for n in range(8):
    user = Users.create({{"name": f"MW Absent {{n}}", "login": f"mw_absent_{{n}}",
                         "group_ids": [Command.set(internal.ids)]}})
    deputy = Users.create({{"name": f"MW Deputy {{n}}", "login": f"mw_deputy_{{n}}",
                           "group_ids": [Command.set(internal.ids)]}})
    env["crm.absence"].create({{"user_id": user.id, "deputy_user_id": deputy.id,
                               "date_from": today - timedelta(days=1),
                               "date_to": today + timedelta(days=5)}})
    documents = Partner.create([{{"name": f"MW Document {{n}}-{{i}}", "is_company": True}}
                                for i in range({ABSENT_ITEMS} // 8)])
    env["mail.activity"].create([
        {{"res_model_id": env["ir.model"]._get_id("res.partner"), "res_id": document.id,
          "user_id": user.id, "date_deadline": today, "summary": f"MW open item {{document.id}}",
          "activity_type_id": env.ref("mail.mail_activity_data_todo").id}}
        for document in documents
    ])

# Campaign engine: two operators, two stages of two actions, {PARTICIPANTS} participants.
operator_group = env.ref("crm_campaign_stages.group_crm_campaign_user")
operators = Users.create([
    {{"name": f"MW Operator {{n}}", "login": f"mw_operator_{{n}}",
      "group_ids": [Command.set(operator_group.ids)]}}
    for n in range(2)
])
companies = Partner.create([{{"name": f"MW Company {{i:04d}}", "is_company": True}}
                            for i in range({PARTICIPANTS})])
def stage(name, sequence):
    return Command.create({{
        "name": name, "sequence": sequence, "condition": "actions_done",
        "deal_value": 1000.0 * sequence, "probability": 20.0 * sequence,
        "action_ids": [
            Command.create({{"name": f"{{name}}: call", "action_type": "call", "day_offset": 0,
                            "responsible_rule": "team", "sequence": 1}}),
            Command.create({{"name": f"{{name}}: offer", "action_type": "task", "day_offset": 0,
                            "responsible_rule": "team", "sequence": 2}}),
        ],
    }})
campaign = env["crm.campaign"].create({{
    "name": "MW Campaign", "medium": "phone", "assignment_mode": "least_loaded",
    "operator_user_ids": [Command.set(operators.ids)],
    "stage_ids": [stage("Qualify", 1), stage("Offer", 2)],
    "target_partner_ids": [Command.set(companies.ids)],
}})
campaign.action_start()
print("MW-CAMPAIGN", campaign.id)
"""

EXCHANGE_SETUP_SCRIPT = """
from datetime import datetime, timedelta
from odoo import Command

params = {{
    "server_url": "{url}", "auth_type": "basic", "access_mode": "user",
    "sync_events": "True", "sync_tasks": "True", "sync_contacts": "",
    "direction_events": "both", "direction_tasks": "both", "conflict_policy": "newest",
}}
for name, value in params.items():
    env["ir.config_parameter"].set_param(f"crm_exchange_sync.{{name}}", value or False)
Users = env["res.users"].with_context(no_reset_password=True)
start = datetime(2031, 3, 3, 8, 0)
for n in range({users}):
    user = Users.create({{
        "name": f"MW Exchange {{n}}", "login": f"mw_exchange_{{n}}",
        "email": f"mw_exchange_{{n}}@example.com",
        "group_ids": [Command.set(env.ref("base.group_user").ids)],
    }})
    user.write({{
        "crm_exchange_enabled": True, "crm_exchange_email": user.email,
        "crm_exchange_username": user.email, "crm_exchange_password": "{password}",
    }})
    env["calendar.event"].with_user(user).create([
        {{"name": f"MW Odoo {{n}}-{{i}}", "user_id": user.id,
          "partner_ids": [Command.set(user.partner_id.ids)],
          "start": start + timedelta(days=i), "stop": start + timedelta(days=i, hours=1)}}
        for i in range({events})
    ])
"""


def add_remote_events(exchange, mailbox, n, numbers):
    """Appointments made in Outlook."""
    for i in numbers:
        start = datetime(2031, 6, 2, 9, 0, tzinfo=UTC) + timedelta(days=i)
        exchange.create_item(
            mailbox,
            "calendar",
            subject=f"MW Outlook {n}-{i}",
            start=start,
            end=start + timedelta(hours=1),
            timezone="W. Europe Standard Time",
        )


def check_exchange(exchange, remote_per_user):
    """Each appointment is once in Exchange and once in Odoo, and no user is in error."""
    for n in range(EXCHANGE_USERS):
        mailbox = f"mw_exchange_{n}@example.com"
        subjects = Counter(item["subject"] for item in exchange.items(mailbox, "calendar"))
        twice = [subject for subject, count in subjects.items() if count > 1]
        assert not twice, f"created twice in Exchange: {twice[:5]}"
        expected = {f"MW Odoo {n}-{i}" for i in range(EVENTS_PER_USER)}
        expected |= {f"MW Outlook {n}-{i}" for i in range(remote_per_user)}
        assert set(subjects) == expected, f"{mailbox}: {len(subjects)} of {len(expected)} items"
    rows = psql(
        "SELECT name, COUNT(*) FROM calendar_event WHERE name LIKE 'MW Outlook %' GROUP BY name"
    )
    assert not [name for name, count in rows if int(count) > 1], "imported twice into Odoo"
    assert len(rows) == EXCHANGE_USERS * remote_per_user, f"{len(rows)} appointments imported"
    in_error = psql(
        "SELECT login, crm_exchange_error FROM res_users "
        "WHERE login LIKE 'mw_exchange_%' AND COALESCE(crm_exchange_error, '') != ''"
    )
    assert not in_error, in_error


def campaign_id():
    return scalar("SELECT id FROM crm_campaign WHERE name = 'MW Campaign'")


def check_campaign_tasks(stage_sequence, expected_participants):
    """Every participant of the stage has one task per action, none twice."""
    cid = campaign_id()
    duplicates = scalar(
        "SELECT COUNT(*) FROM (SELECT 1 FROM mail_activity WHERE campaign_id = "
        f"{cid} GROUP BY campaign_participant_id, campaign_action_id, campaign_occurrence "
        "HAVING COUNT(*) > 1) AS twice"
    )
    assert duplicates == 0, "a campaign task was created twice"
    tasks = scalar(
        "SELECT COUNT(*) FROM mail_activity task "
        "JOIN crm_campaign_stage_action action ON action.id = task.campaign_action_id "
        "JOIN crm_campaign_stage stage ON stage.id = action.stage_id "
        f"WHERE task.campaign_id = {cid} AND stage.sequence = {stage_sequence}"
    )
    assert tasks == 2 * expected_participants, (
        f"{tasks} tasks for {expected_participants} participants of stage {stage_sequence}"
    )


@pytest.fixture(scope="module")
def server():
    subprocess.run(["dropdb", "--if-exists", "--force", DB], env=db_env(), check=True)
    odoo(
        "-c", str(ODOORC), "-d", DB, "-i", ADDONS, "--stop-after-init", "--no-http",
        log_name="multi-worker-install.log",
    )  # fmt: skip
    exchange = FakeExchangeServer()
    exchange.start()
    for n in range(EXCHANGE_USERS):
        mailbox = f"mw_exchange_{n}@example.com"
        exchange.add_mailbox(mailbox, password=MAILBOX_PASSWORD)
        add_remote_events(exchange, mailbox, n, range(REMOTE_EVENTS_PER_USER))
    run_shell(SETUP_SCRIPT, "multi-worker-setup.log")
    run_shell(
        EXCHANGE_SETUP_SCRIPT.format(
            url=exchange.url,
            users=EXCHANGE_USERS,
            events=EVENTS_PER_USER,
            password=MAILBOX_PASSWORD,
        ),
        "multi-worker-setup-exchange.log",
    )
    odoo_server = OdooServer()
    odoo_server.exchange = exchange
    try:
        odoo_server.start()
        yield odoo_server
    finally:
        odoo_server.stop()
        exchange.stop()  # the database stays for a look after a failure


def test_two_workers_do_nothing_twice_and_lose_nothing(server):
    pairs = double_crons(
        [
            "crm_campaign_stages.ir_cron_campaign_engine",
            "crm_contact_management.ir_cron_crm_absence_redirect",
            "crm_exchange_sync.ir_cron_crm_exchange_sync",
        ]
    )
    cron_ids = [cron_id for pair in pairs.values() for cron_id in pair]
    cid = campaign_id()

    def trigger(cron_id):
        # The scheduler's own code path, run by the HTTP worker serving the request.
        return lambda: server.call("ir.cron", "method_direct_trigger", [cron_id])

    def press_run_engine():
        server.call("crm.campaign", "action_run_engine", [cid])

    def run_round():
        """Wake the cron workers, and run each job and its twin on the two HTTP workers at
        the same time, then the campaign engine's button twice at once."""
        started = fire_crons(cron_ids)
        errors = []
        for cron_id, twin_id in pairs.values():
            errors += at_once(trigger(cron_id), trigger(twin_id))
        errors += at_once(press_run_engine, press_run_engine)
        wait_for_crons(cron_ids, started)
        # A job a cron worker is running is refused to the button, in plain words.
        unexpected = [error for error in errors if "already executing" not in error]
        assert not unexpected, "\n".join(unexpected)

    # Round 1: the absent users' work goes to their deputies, the participants get the
    # tasks of their first stage.
    run_round()

    # Deputy redirection: every open item is with its deputy, handed over once.
    misplaced = scalar(
        "SELECT COUNT(*) FROM mail_activity task JOIN crm_absence absence "
        "ON absence.user_id = task.user_id WHERE task.summary LIKE 'MW open item %'"
    )
    assert misplaced == 0, f"{misplaced} open items stayed with their absent user"
    handovers = scalar(
        "SELECT COUNT(*) FROM crm_absence_redirection WHERE res_model = 'mail.activity'"
    )
    assert handovers == ABSENT_ITEMS
    notes_twice = scalar(
        "SELECT COUNT(*) FROM (SELECT res_id FROM mail_message WHERE model = 'res.partner' "
        "AND res_id IN (SELECT id FROM res_partner WHERE name LIKE 'MW Document %') "
        "AND body LIKE '%handed over from%' GROUP BY res_id HAVING COUNT(*) > 1) AS twice"
    )
    assert notes_twice == 0, "a handover was logged twice"

    # Campaign engine: every participant got its first stage's tasks, once.
    check_campaign_tasks(1, PARTICIPANTS)

    # Exchange: both sides hold every appointment, once.
    check_exchange(server.exchange, REMOTE_EVENTS_PER_USER)

    # Round 2: half of the participants finished their first stage (as done in the
    # operators' task lists); both workers move them on at once.
    moved = PARTICIPANTS // 2
    psql(
        "UPDATE mail_activity SET active = FALSE, date_done = CURRENT_DATE "
        f"WHERE campaign_id = {cid} AND campaign_participant_id IN (SELECT id FROM "
        f"crm_campaign_participant WHERE campaign_id = {cid} ORDER BY id LIMIT {moved})"
    )
    for n in range(EXCHANGE_USERS):
        add_remote_events(
            server.exchange, f"mw_exchange_{n}@example.com", n, range(REMOTE_EVENTS_PER_USER, 20)
        )
    psql("UPDATE res_users SET crm_exchange_next_try = NULL WHERE login LIKE 'mw_exchange_%'")
    run_round()

    check_exchange(server.exchange, 20)
    moves_twice = scalar(
        "SELECT COUNT(*) FROM (SELECT participant_id FROM crm_campaign_participant_history "
        f"WHERE campaign_id = {cid} AND stage_to_id = (SELECT id FROM crm_campaign_stage "
        f"WHERE campaign_id = {cid} AND sequence = 2) GROUP BY participant_id "
        "HAVING COUNT(*) > 1) AS twice"
    )
    assert moves_twice == 0, "a participant was moved twice"
    in_second = scalar(
        "SELECT COUNT(*) FROM crm_campaign_participant participant JOIN crm_campaign_stage "
        f"stage ON stage.id = participant.stage_id WHERE participant.campaign_id = {cid} "
        "AND stage.sequence = 2"
    )
    assert in_second == moved
    check_campaign_tasks(2, moved)

    assert not server.error_lines(), "\n".join(server.error_lines()[:20])
