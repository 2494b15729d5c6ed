"""The campaign of ``make bench`` (crm_campaign_stages) and the benchmark of its engine.

Data (``generate_campaign``, called by ``generate.generate``): a running campaign with two
stages of two actions each, worked by a team of six operators with their resource calendars
(a 40-hour week, one operator part-time on a 30-hour week, German public holidays), and
``BENCH_CAMPAIGN_PARTICIPANTS`` participants (default 100,000 times ``BENCH_SCALE``): contact
persons of the generated companies, in the first stage. Half of them (every other one) entered
the first stage three weeks ago and both their tasks of it are done (archived with their done
date, as Odoo keeps done activities; their operators follow the participant, as the task's
creation made them) but they were not moved on yet; the other half were added
today and have no task yet. The campaign, its stages, actions, operators and calendars are
created through the ORM; the participants, their history rows, their done tasks and the
operators following them by bulk SQL, with the stored computed fields the ORM maintains
(commercial partner, company, stage sequence, deal value, probability, expected value,
active; the activities' record name and time zone) and the campaign's stored indicators
recomputed by the ORM at the end.

One run of the engine (``crm.campaign._run_engine`` without commit, as the scheduled action
does it in batches of 500) then moves the first half on to the second stage and generates the
tasks of the stage every participant is in: two per participant. The reference is the
per-record ORM loop on a sample of the same participants: for each participant, the stage move
written alone (with its history row) when its stage is complete, then one
``mail.activity.create`` per action with the values the engine gives it. Both are rolled back.
"""

import os
import statistics
import time
from datetime import date, timedelta

from generate import log, scaled

from odoo import fields
from odoo.fields import Command
from odoo.tools import SQL

PARTICIPANTS = int(os.environ.get("BENCH_CAMPAIGN_PARTICIPANTS") or scaled(100_000))
# participants of the per-record loop (a sample: the loop is slow); its rate is per second
LOOP_SAMPLE = int(os.environ.get("BENCH_CAMPAIGN_LOOP_SAMPLE", "2000"))
# runs of the engine over all participants (each run takes long at full scale)
ENGINE_RUNS = int(os.environ.get("BENCH_CAMPAIGN_RUNS", "1"))
OPERATORS = 6
CAMPAIGN_NAME = "Bench: Frühjahrsaktion Werkzeugmaschinen"
STAGES = [
    {
        "name": "Erstkontakt",
        "sequence": 10,
        "deal_value": 5000.0,
        "probability": 10.0,
        "actions": [
            {"name": "Einkauf anrufen", "action_type": "call", "day_offset": 0},
            {"name": "Produktinformation mailen", "action_type": "email", "day_offset": 2},
        ],
    },
    {
        "name": "Angebot",
        "sequence": 20,
        "deal_value": 15000.0,
        "probability": 40.0,
        "actions": [
            {"name": "Angebot erstellen", "action_type": "task", "day_offset": 1},
            {"name": "Angebot nachfassen", "action_type": "call", "day_offset": 7},
        ],
    },
]


def _holidays(year):
    """German public holidays of ``year`` that fall on fixed dates, and Easter-based ones."""
    # Easter Sunday (anonymous Gregorian algorithm)
    a, b, c = year % 19, year // 100, year % 100
    d, e = b // 4, b % 4
    g = (8 * b + 13) // 25
    h = (19 * a + b - d - g + 15) % 30
    i, k = c // 4, c % 4
    m = (32 + 2 * e + 2 * i - h - k) % 7
    n = (a + 11 * h + 22 * m) // 451
    month = (h + m - 7 * n + 114) // 31
    day = (h + m - 7 * n + 114) % 31 + 1
    easter = date(year, month, day)
    return {
        "Neujahr": date(year, 1, 1),
        "Karfreitag": easter - timedelta(days=2),
        "Ostermontag": easter + timedelta(days=1),
        "Tag der Arbeit": date(year, 5, 1),
        "Christi Himmelfahrt": easter + timedelta(days=39),
        "Pfingstmontag": easter + timedelta(days=50),
        "Tag der Deutschen Einheit": date(year, 10, 3),
        "1. Weihnachtstag": date(year, 12, 25),
        "2. Weihnachtstag": date(year, 12, 26),
    }


def _calendar_values(name, weekdays, holidays):
    attendances = []
    for weekday in weekdays:
        for period, hour_from, hour_to in (("morning", 8, 12), ("afternoon", 13, 17)):
            attendances.append(
                Command.create(
                    {
                        "name": f"{weekday} {period}",
                        "dayofweek": str(weekday),
                        "hour_from": hour_from,
                        "hour_to": hour_to,
                        "day_period": period,
                    }
                )
            )
    return {
        "name": name,
        "tz": "Europe/Berlin",
        "attendance_ids": attendances,
        "leave_ids": [
            Command.create(
                {
                    "name": holiday,
                    "date_from": fields.Datetime.to_datetime(day),
                    "date_to": fields.Datetime.to_datetime(day) + timedelta(hours=23, minutes=59),
                }
            )
            for holiday, day in holidays
        ],
    }


def create_campaign(env):
    """The campaign, its stages and actions, its operators and their calendars (ORM)."""
    today = date.today()
    holidays = sorted(
        (name, day)
        for year in (today.year - 1, today.year, today.year + 1)
        for name, day in _holidays(year).items()
    )
    full_time, part_time = env["resource.calendar"].create(
        [
            _calendar_values("Bench: Vertriebsinnendienst 40 h", range(5), holidays),
            _calendar_values("Bench: Vertriebsinnendienst 32 h", range(4), holidays),
        ]
    )
    groups = [
        env.ref("base.group_user").id,
        env.ref("crm_campaign_stages.group_crm_campaign_user").id,
    ]
    operators = (
        env["res.users"]
        .with_context(no_reset_password=True)
        .create(
            [
                {
                    "name": f"Bench Operator {number:02d}",
                    "login": f"bench_operator_{number:02d}",
                    "email": f"bench_operator_{number:02d}@example.com",
                    "tz": "Europe/Berlin",
                    "group_ids": [Command.set(groups)],
                }
                for number in range(1, OPERATORS + 1)
            ]
        )
    )
    env["resource.resource"].create(
        [
            {
                "name": operator.name,
                "user_id": operator.id,
                "calendar_id": (part_time if number == OPERATORS - 1 else full_time).id,
                "tz": "Europe/Berlin",
            }
            for number, operator in enumerate(operators)
        ]
    )
    campaign = env["crm.campaign"].create(
        {
            "name": CAMPAIGN_NAME,
            "medium": "phone",
            "user_id": env.ref("base.user_admin").id,
            "date_start": today - timedelta(days=21),
            "operator_user_ids": [Command.set(operators.ids)],
            "assignment_mode": "round_robin",
            "notify_days_before": 1,
            "stage_ids": [
                Command.create(
                    {
                        "name": stage["name"],
                        "sequence": stage["sequence"],
                        "deal_value": stage["deal_value"],
                        "probability": stage["probability"],
                        "condition": "actions_done",
                        "action_ids": [
                            Command.create(
                                {
                                    **action,
                                    "sequence": 10 * (index + 1),
                                    "responsible_rule": "team",
                                }
                            )
                            for index, action in enumerate(stage["actions"])
                        ],
                    }
                )
                for stage in STAGES
            ],
        }
    )
    campaign.write({"state": "running"})
    env.flush_all()
    return campaign, operators


def generate_campaign(env):
    """Create the campaign of the benchmark; return the seconds each step took (nothing when
    crm_campaign_stages is not installed)."""
    if "crm.campaign" not in env:
        log("  campaign: crm_campaign_stages is not installed, no campaign generated")
        return {}
    timings = {}
    started = time.perf_counter()
    campaign, operators = create_campaign(env)
    timings["campaign (ORM)"] = round(time.perf_counter() - started, 1)
    first = campaign.stage_ids.sorted("sequence")[0]
    actions = first.action_ids.sorted("sequence")
    values = {
        "campaign": campaign.id,
        "company": campaign.company_id.id,
        "stage": first.id,
        "stage_sequence": first.sequence,
        "deal_value": first.deal_value,
        "probability": first.probability,
        "participants": PARTICIPANTS,
        "uid": env.uid,
        "operators": operators.ids,
        "actions": actions.ids,
        "action_names": actions.mapped("name"),
        "action_types": [action.activity_type_id.id for action in actions],
        "action_offsets": [action.day_offset for action in actions],
        "participant_model": env["ir.model"]._get_id("crm.campaign.participant"),
        # the subtypes an internal user follows a participant with (mail.followers defaults)
        "follower_subtypes": env["mail.message.subtype"]
        .default_subtypes("crm.campaign.participant")[0]
        .ids,
        "wave_one": fields.Datetime.now().replace(microsecond=0) - timedelta(days=21),
        "wave_two": fields.Datetime.now().replace(microsecond=0) - timedelta(hours=2),
    }
    for step, query in CAMPAIGN_STEPS:
        started = time.perf_counter()
        env.cr.execute(SQL(query, **values))
        timings[f"campaign {step}"] = round(time.perf_counter() - started, 1)
        log(f"  campaign {step}: {max(env.cr.rowcount, 0)} rows in {timings[f'campaign {step}']} s")
    started = time.perf_counter()
    env.invalidate_all()
    # the campaign's stored indicators, computed by the ORM over the inserted participants
    env.add_to_compute(campaign._fields["participant_count"], campaign)
    campaign.flush_recordset()
    timings["campaign indicators"] = round(time.perf_counter() - started, 1)
    log(f"  campaign {campaign.name!r}: {campaign.participant_count} participants")
    return timings


# Each step is one statement; %(name)s are the values of ``generate_campaign``. Participant k
# (1-based, in the order of the partners) is of the first wave when k is odd.
CAMPAIGN_STEPS = [
    (
        "participants",
        """
        INSERT INTO crm_campaign_participant (campaign_id, company_id, partner_id,
                                              commercial_partner_id, stage_id, stage_sequence,
                                              state, source, deal_value, probability,
                                              expected_value, contacted, responded, interested,
                                              ordered, success_recorded, active,
                                              date_stage_entered, create_uid, write_uid,
                                              create_date, write_date)
        SELECT %(campaign)s, %(company)s, person.id, person.commercial_partner_id, %(stage)s,
               %(stage_sequence)s, 'running', 'selection', %(deal_value)s, %(probability)s,
               %(deal_value)s * %(probability)s / 100.0, person.k %% 2 = 1, FALSE, FALSE,
               FALSE, FALSE, TRUE, entered, %(uid)s, %(uid)s, entered, entered
          FROM (
                SELECT id, commercial_partner_id, row_number() OVER (ORDER BY id) AS k
                  FROM res_partner
                 WHERE NOT is_company AND parent_id IS NOT NULL AND type = 'contact' AND active
                 ORDER BY id
                 LIMIT %(participants)s
               ) person
         CROSS JOIN LATERAL (
                SELECT CASE WHEN person.k %% 2 = 1 THEN %(wave_one)s::timestamp
                            ELSE %(wave_two)s::timestamp END AS entered
               ) wave
         ORDER BY person.k
        """,
    ),
    (
        "history",
        """
        INSERT INTO crm_campaign_participant_history (participant_id, campaign_id, company_id,
                                                      partner_id, stage_from_id, stage_to_id,
                                                      state, user_id, date, active, create_uid,
                                                      write_uid, create_date, write_date)
        SELECT id, campaign_id, company_id, partner_id, NULL, stage_id, 'running', %(uid)s,
               date_stage_entered, TRUE, %(uid)s, %(uid)s, date_stage_entered,
               date_stage_entered
          FROM crm_campaign_participant
         WHERE campaign_id = %(campaign)s
        """,
    ),
    (
        "done tasks of the first wave",
        """
        INSERT INTO mail_activity (res_model_id, res_model, res_id, res_name, activity_type_id,
                                   summary, user_id, user_tz, date_deadline, date_done,
                                   done_user_id, automated, active, campaign_id,
                                   campaign_participant_id, campaign_stage_id,
                                   campaign_action_id, campaign_occurrence,
                                   campaign_stage_entered, campaign_notified, create_uid,
                                   write_uid, create_date, write_date)
        SELECT %(participant_model)s, 'crm.campaign.participant', participant.id,
               partner.complete_name, (%(action_types)s::int[])[action.n],
               (%(action_names)s::text[])[action.n], task.user_id, 'Europe/Berlin',
               task.deadline, task.deadline + 1, task.user_id, TRUE, FALSE, %(campaign)s,
               participant.id, participant.stage_id, (%(actions)s::int[])[action.n], 1,
               participant.date_stage_entered, TRUE, %(uid)s, task.user_id,
               participant.date_stage_entered, task.deadline + 1
          FROM (
                SELECT participant.*, row_number() OVER (ORDER BY id) AS k
                  FROM crm_campaign_participant participant
                 WHERE campaign_id = %(campaign)s AND contacted
               ) participant
          JOIN res_partner partner ON partner.id = participant.partner_id
         CROSS JOIN generate_series(1, cardinality(%(actions)s::int[])) action(n)
         CROSS JOIN LATERAL (
                SELECT (%(operators)s::int[])[
                           1 + ((participant.k - 1) * cardinality(%(actions)s::int[])
                                + action.n - 1) %% cardinality(%(operators)s::int[])
                       ] AS user_id,
                       participant.date_stage_entered::date
                           + (%(action_offsets)s::int[])[action.n] AS deadline
               ) task
        """,
    ),
    (
        "followers of the done tasks' operators",
        # mail.activity's create made each task's operator a follower of the participant
        """
        WITH follower AS (
            INSERT INTO mail_followers (res_model, res_id, partner_id)
            SELECT DISTINCT 'crm.campaign.participant', task.res_id, users.partner_id
              FROM mail_activity task
              JOIN res_users users ON users.id = task.user_id
             WHERE task.campaign_id = %(campaign)s
                ON CONFLICT (res_model, res_id, partner_id) DO NOTHING
         RETURNING id
        )
        INSERT INTO mail_followers_mail_message_subtype_rel (mail_followers_id,
                                                             mail_message_subtype_id)
        SELECT follower.id, subtype.id
          FROM follower
         CROSS JOIN unnest(%(follower_subtypes)s::int[]) AS subtype(id)
        """,
    ),
]


# --- Benchmark ----------------------------------------------------------------------------------


def _bench_campaign(env):
    return env["crm.campaign"].sudo().search([("name", "=", CAMPAIGN_NAME)], limit=1)


def per_record_loop(env, campaign, participants):
    """The engine's work done record by record through the ORM: per participant, the stage
    move written alone (with its history row) when its stage's actions are done, then one
    ``mail.activity.create`` per action of its stage, with the values the engine gives.

    :return: (participants moved on, tasks created)
    """
    from odoo.addons.crm_campaign_stages.models.crm_campaign_engine import WorkingDayPlanner

    Activity = env["mail.activity"].sudo().with_context(mail_activity_quick_update=True)
    History = env["crm.campaign.participant.history"].sudo()
    planner = WorkingDayPlanner(env)
    operators = campaign._get_operators()
    model_id = env["ir.model"]._get_id("crm.campaign.participant")
    moved = tasks = 0
    turn = 0
    for participant in participants:
        entered = participant._get_stage_entered()
        done = participant._get_done_action_keys()
        stage = participant.stage_id
        if all((participant.id, action.id, entered) in done for action in stage.action_ids):
            next_stage = campaign._get_next_stage(stage)
            now = fields.Datetime.now()
            history = participant._prepare_history_values(stage_to=next_stage, date=now)
            participant.write(
                {
                    "stage_id": next_stage.id,
                    "date_stage_entered": now,
                    "success_recorded": False,
                    "deal_value": next_stage.deal_value,
                    "probability": next_stage.probability,
                }
            )
            History.create(history)
            moved += 1
        start = participant._local_date(participant._get_stage_entered())
        for action in participant.stage_id.action_ids:
            user = operators[turn % len(operators)]
            turn += 1
            due = planner.due_date(user, start, action.day_offset)
            Activity.create(
                participant._prepare_campaign_task_values(action, 1, user, due, model_id)
            )
            tasks += 1
    env.flush_all()
    return moved, tasks


def bench_campaign_engine(env, runs):
    """The campaign engine over every participant of the generated campaign, against the
    per-record ORM loop on a sample of them; rates per second, both rolled back."""
    campaign = _bench_campaign(env)
    generated_here = None
    if not campaign:
        # a database generated before the campaign data existed: generate it in this
        # transaction (rolled back with the rest)
        started = time.perf_counter()
        generate_campaign(env)
        generated_here = round(time.perf_counter() - started, 1)
        campaign = _bench_campaign(env)
    Participant = env["crm.campaign.participant"].sudo()
    running = Participant.search_count(
        [("campaign_id", "=", campaign.id), ("state", "=", "running")]
    )
    env.cr.execute("SAVEPOINT bench_campaign_engine")

    def rollback():
        env.cr.execute("ROLLBACK TO SAVEPOINT bench_campaign_engine")
        env.invalidate_all()

    engine_runs = ENGINE_RUNS or runs
    engine_times, stats = [], {}
    try:
        for _run in range(engine_runs):
            env.invalidate_all()
            started = time.perf_counter()
            stats = campaign._run_engine()
            env.flush_all()
            engine_times.append(time.perf_counter() - started)
            rollback()
        # the loop on the first participants (the same mix of both waves)
        sample = Participant.search(
            [("campaign_id", "=", campaign.id), ("state", "=", "running")],
            order="id",
            limit=LOOP_SAMPLE,
        )
        loop_times, loop_stats = [], (0, 0)
        for _run in range(max(min(runs, 3), 1)):
            env.invalidate_all()
            sample = sample.with_env(env).sudo()
            started = time.perf_counter()
            loop_stats = per_record_loop(env, campaign, sample)
            loop_times.append(time.perf_counter() - started)
            rollback()
    finally:
        rollback()
    engine_s = statistics.median(engine_times)
    loop_s = statistics.median(loop_times)
    engine_moved_rate = stats["moved"] / engine_s
    engine_task_rate = stats["tasks"] / engine_s
    engine_participant_rate = running / engine_s
    loop_participant_rate = len(sample) / loop_s
    loop_moved_rate = loop_stats[0] / loop_s
    loop_task_rate = loop_stats[1] / loop_s
    speedup = round(engine_participant_rate / loop_participant_rate, 1)
    return {
        "participants": running,
        "campaign_generated_in_the_run_s": generated_here,
        "engine_moved": stats["moved"],
        "engine_tasks": stats["tasks"],
        "engine_notified": stats["notified"],
        "engine_median_s": round(engine_s, 1),
        "engine_times_s": [round(t, 1) for t in engine_times],
        "engine_participants_per_s": round(engine_participant_rate),
        "engine_moved_per_s": round(engine_moved_rate),
        "engine_tasks_per_s": round(engine_task_rate),
        "loop_sample": len(sample),
        "loop_moved": loop_stats[0],
        "loop_tasks": loop_stats[1],
        "loop_median_s": round(loop_s, 1),
        "loop_times_s": [round(t, 1) for t in loop_times],
        "loop_participants_per_s": round(loop_participant_rate),
        "loop_moved_per_s": round(loop_moved_rate),
        "loop_tasks_per_s": round(loop_task_rate),
        "speedup_over_loop": speedup,
        "summary": (
            f"{running} participants: engine {engine_s:.1f} s ({stats['moved']} moved on, "
            f"{stats['tasks']} tasks: {engine_moved_rate:.0f} moves/s, {engine_task_rate:.0f} "
            f"tasks/s); per-record loop on {len(sample)}: {loop_s:.1f} s ({loop_moved_rate:.0f}"
            f" moves/s, {loop_task_rate:.0f} tasks/s); engine {speedup}x the loop"
        ),
        "targets": [
            {
                "target": "engine moves on every participant whose stage is done and creates "
                "the tasks of every participant",
                "met": stats["moved"] == (running + 1) // 2 and stats["tasks"] == 2 * running,
            },
            {"target": "campaign engine >= 10x the per-record loop", "met": speedup >= 10},
        ],
    }
