"""The benchmark of the Exchange sync (crm_exchange_sync) against the fake Exchange server.

The fake server (``tests/fake_ews``) runs in this process on 127.0.0.1 and answers the EWS
requests of exchangelib; each benchmark user gets a fresh mailbox on it.

- Odoo -> Exchange: ``BENCH_EXCHANGE_ITEMS`` appointments (default 10,000 times
  ``BENCH_SCALE``) of a sales user, each with a contact person of a customer as attendee, are
  created in Odoo (not timed), then the first sync of the user's mailbox
  (``crm.exchange.sync._sync_user`` through the user's backend, ``SavepointTransaction`` for
  its commits) is timed: items per second and HTTP requests per item. Reference (the floor):
  the same number of calendar items created by exchangelib's ``bulk_create`` straight
  against the fake server, into another mailbox.
- Exchange -> Odoo: as many appointments made in Outlook (put into a third mailbox on the
  server side), then the first sync of that mailbox into Odoo. Reference: exchangelib reading
  the same items with ``SyncFolderItems`` (all fields) and nothing else.
- Incremental syncs of the first user's three folders (appointments, tasks, contacts): the
  first one after the first sync (it is told about the items the first sync created: they are
  the versions Odoo wrote, none of them is read back), then one with nothing changed anywhere;
  requests per folder (target: at most 3; the server lists at most 512 changes per
  SyncFolderItems call, so the pages listing the pushed items come on top).

Everything written in Odoo is rolled back; the fake server stops at the end.
"""

import math
import os
import statistics
import sys
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

from generate import scaled

from odoo.fields import Command

ITEMS = int(os.environ.get("BENCH_EXCHANGE_ITEMS") or scaled(10_000))
# runs of each first sync (each needs fresh mailboxes and takes long at full scale)
FIRST_SYNC_RUNS = int(os.environ.get("BENCH_EXCHANGE_RUNS", "1"))
PASSWORD = "Bench-Postfach-2026"
KINDS = ("event", "task", "contact")
FOLDERS = {"event": "calendar", "task": "tasks", "contact": "contacts"}
CREATE_BATCH = 1000  # appointments created per ORM call while preparing


def _fake_server_class():
    tests = str(Path(__file__).resolve().parents[1])
    if tests not in sys.path:
        sys.path.insert(0, tests)
    from fake_ews import FakeExchangeServer

    return FakeExchangeServer


def _configure(env, server):
    """The Exchange settings pointing at the fake server: basic authentication with each
    user's own credentials, everything synced both ways."""
    params = {
        "backend": "ews",
        "server_url": server.url,
        "auth_type": "basic",
        "access_mode": "user",
        "timeout": "60",
        "sync_events": "True",
        "sync_tasks": "True",
        "sync_contacts": "True",
        "direction_events": "both",
        "direction_tasks": "both",
        "direction_contacts": "both",
        "conflict_policy": "newest",
        "contact_filter": "my_accounts",
    }
    icp = env["ir.config_parameter"].sudo()
    for name, value in params.items():
        icp.set_param(f"crm_exchange_sync.{name}", value)


def _make_user(env, server, login):
    email = f"{login}@bench.example.com"
    server.add_mailbox(email, password=PASSWORD, name=login)
    user = (
        env["res.users"]
        .sudo()
        .with_context(no_reset_password=True)
        .create(
            {
                "name": f"Bench {login}",
                "login": login,
                "email": email,
                "tz": "Europe/Berlin",
                "group_ids": [Command.set([env.ref("base.group_user").id])],
            }
        )
    )
    user.write(
        {
            "crm_exchange_enabled": True,
            "crm_exchange_email": email,
            "crm_exchange_username": email,
            "crm_exchange_password": PASSWORD,
        }
    )
    return user, email


def _attendees(env, count):
    """Contact persons with an e-mail address, for the appointments."""
    return (
        env["res.partner"]
        .sudo()
        .search(
            [("is_company", "=", False), ("parent_id", "!=", False), ("email", "!=", False)],
            order="id",
            limit=count,
        )
    )


def _create_events(env, user, count):
    """``count`` one-hour appointments of ``user`` on working days from tomorrow on, 8:00 to
    16:00 (UTC), each with a contact person."""
    Event = (
        env["calendar.event"]
        .sudo()
        .with_context(
            no_mail_to_attendees=True,
            mail_create_nosubscribe=True,
            mail_create_nolog=True,
            tracking_disable=True,
            mail_notrack=True,
        )
    )
    persons = _attendees(env, min(count, 5000)) or env["res.partner"]
    first_day = datetime.now(UTC).replace(tzinfo=None, hour=0, minute=0, second=0, microsecond=0)
    events = Event.browse()
    for start in range(0, count, CREATE_BATCH):
        vals_list = []
        for number in range(start, min(start + CREATE_BATCH, count)):
            day = first_day + timedelta(days=1 + (number // 8) * 7 // 5)
            begin = day + timedelta(hours=8 + number % 8)
            person = persons[number % len(persons)] if persons else None
            partners = [user.partner_id.id] + ([person.id] if person else [])
            vals_list.append(
                {
                    "name": f"Kundentermin {number + 1}"
                    + (f" {person.commercial_company_name or person.name}" if person else ""),
                    "start": begin,
                    "stop": begin + timedelta(hours=1),
                    "user_id": user.id,
                    "location": "Teams",
                    "partner_ids": [Command.set(partners)],
                }
            )
        events |= Event.create(vals_list)
        env.flush_all()
    return events


def _server_events(server, mailbox, count):
    """``count`` appointments made in Outlook, put into ``mailbox`` on the server side."""
    first_day = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    for number in range(count):
        begin = first_day + timedelta(days=1 + number // 8, hours=7 + number % 8)
        server.create_item(
            mailbox,
            "calendar",
            subject=f"Outlook-Termin {number + 1}",
            start=begin,
            end=begin + timedelta(hours=1),
            timezone="W. Europe Standard Time",
            location="Besprechungsraum 2",
            body="<p>Agenda folgt.</p>",
        )


def _exchangelib_account(server, mailbox):
    from exchangelib import BASIC, DELEGATE, Account, Configuration, Credentials, EWSTimeZone

    config = Configuration(
        service_endpoint=server.url,
        credentials=Credentials(mailbox, PASSWORD),
        auth_type=BASIC,
    )
    return Account(
        mailbox,
        config=config,
        access_type=DELEGATE,
        autodiscover=False,
        default_timezone=EWSTimeZone("Europe/Berlin"),
    )


def floor_bulk_create(server, mailbox, count):
    """The floor of a push: ``count`` calendar items by exchangelib ``bulk_create``."""
    from exchangelib import CalendarItem, EWSDateTime, EWSTimeZone

    account = _exchangelib_account(server, mailbox)
    tz = EWSTimeZone("Europe/Berlin")
    folder = account.calendar
    first_day = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    items = []
    for number in range(count):
        begin = first_day + timedelta(days=1 + number // 8, hours=7 + number % 8)
        start = EWSDateTime.from_datetime(begin).astimezone(tz)
        items.append(
            CalendarItem(
                account=account,
                folder=folder,
                subject=f"Kundentermin {number + 1}",
                start=start,
                end=start + timedelta(hours=1),
                location="Teams",
                required_attendees=["petra.schneider@mueller.example"],
            )
        )
    server.reset_requests()
    started = time.perf_counter()
    results = account.bulk_create(
        folder=folder,
        items=items,
        message_disposition="SaveOnly",
        send_meeting_invitations="SendToNone",
    )
    seconds = time.perf_counter() - started
    errors = [result for result in results if isinstance(result, Exception)]
    return seconds, len(server.requests), count - len(errors)


def floor_sync_read(server, mailbox):
    """The floor of a pull: exchangelib reading every item of the calendar with
    SyncFolderItems (all fields), 512 per page."""
    account = _exchangelib_account(server, mailbox)
    folder = account.calendar
    folder.item_sync_state = None
    server.reset_requests()
    started = time.perf_counter()
    changes = list(folder.sync_items(max_changes_returned=512))
    seconds = time.perf_counter() - started
    return seconds, len(server.requests), len(changes)


def _sync(env, user, kinds=None):
    """One sync of the user's mailbox as the scheduled action does it, commits as savepoints."""
    from odoo.addons.crm_exchange_sync.models.crm_exchange_sync import SavepointTransaction

    backend = user._crm_exchange_get_backend()
    env["crm.exchange.sync"]._sync_user(user, backend, SavepointTransaction(env), kinds)
    env.invalidate_all()


def _measured_sync(env, server, user, kinds=None):
    server.reset_requests()
    started = time.perf_counter()
    _sync(env, user, kinds)
    seconds = time.perf_counter() - started
    return seconds, Counter(operation for operation, _mailbox in server.requests)


def bench_exchange_sync(env, runs):
    """First syncs both ways (items per second, requests per item) against the exchangelib
    floor, and the requests of incremental syncs without changes (per folder)."""
    from exchangelib.protocol import close_connections

    server = _fake_server_class()().start()
    env.cr.execute("SAVEPOINT bench_exchange_sync")

    def rollback():
        env.cr.execute("ROLLBACK TO SAVEPOINT bench_exchange_sync")
        env.invalidate_all()

    try:
        _configure(env, server)
        env.flush_all()
        env.cr.execute("SAVEPOINT bench_exchange_sync")
        push, pull, floor_push, floor_pull = [], [], [], []
        incremental = {}
        prepare_s = []
        for run in range(max(FIRST_SYNC_RUNS, 1)):
            # Odoo -> Exchange
            started = time.perf_counter()
            user, _mailbox = _make_user(env, server, f"bench_push_{run}")
            events = _create_events(env, user, ITEMS)
            prepare_s.append(time.perf_counter() - started)
            seconds, requests = _measured_sync(env, server, user)
            mapped = (
                env["crm.exchange.mapping"]
                .sudo()
                .search_count(
                    [("user_id", "=", user.id), ("kind", "=", "event"), ("item_id", "!=", False)]
                )
            )
            push.append((seconds, requests, mapped, len(events)))
            if run == 0:
                # incremental syncs of the same mailbox: the first after the first sync, then
                # the following ones with nothing changed anywhere
                echo_s, echo_requests = _measured_sync(env, server, user)
                quiet = [_measured_sync(env, server, user) for _quiet in range(max(runs, 1))]
                incremental = {
                    "after_first_s": echo_s,
                    "after_first_requests": echo_requests,
                    "quiet_s": statistics.median(seconds for seconds, _requests in quiet),
                    "quiet_requests": quiet[-1][1],
                }
            rollback()
            # the floor of the push
            floor_mailbox = f"bench_floor_{run}@bench.example.com"
            server.add_mailbox(floor_mailbox, password=PASSWORD)
            floor_push.append(floor_bulk_create(server, floor_mailbox, ITEMS))
            # Exchange -> Odoo
            user, mailbox = _make_user(env, server, f"bench_pull_{run}")
            _server_events(server, mailbox, ITEMS)
            seconds, requests = _measured_sync(env, server, user)
            created = (
                env["crm.exchange.mapping"]
                .sudo()
                .search_count(
                    [("user_id", "=", user.id), ("kind", "=", "event"), ("res_id", "!=", False)]
                )
            )
            pull.append((seconds, requests, created))
            floor_pull.append(floor_sync_read(server, mailbox))
            rollback()
    finally:
        rollback()
        close_connections()
        server.stop()

    def median(values):
        return statistics.median(values) if values else 0.0

    push_s = median([row[0] for row in push])
    push_requests = push[-1][1]
    push_total = sum(push_requests.values())
    push_items = push[-1][3]
    floor_push_s = median([row[0] for row in floor_push])
    floor_push_requests = floor_push[-1][1]
    pull_s = median([row[0] for row in pull])
    pull_requests = pull[-1][1]
    pull_total = sum(pull_requests.values())
    floor_pull_s = median([row[0] for row in floor_pull])
    floor_pull_requests = floor_pull[-1][1]
    after_first = sum(incremental["after_first_requests"].values())
    after_first_read = incremental["after_first_requests"].get("GetItem", 0)
    # the pages listing the pushed items beyond the first page of each folder (512 per page)
    listing_pages = max(
        incremental["after_first_requests"].get("SyncFolderItems", 0) - len(KINDS), 0
    )
    listing_pages_floor = math.ceil(ITEMS / 512) - 1
    quiet = sum(incremental["quiet_requests"].values())
    per_folder_quiet = quiet / len(KINDS)
    per_folder_after_first = after_first / len(KINDS)
    per_folder_after_first_paging_aside = (after_first - listing_pages) / len(KINDS)
    push_ratio = round(push_s / floor_push_s, 2) if floor_push_s else None
    pull_ratio = round(pull_s / floor_pull_s, 2) if floor_pull_s else None
    return {
        "items": ITEMS,
        "first_sync_runs": len(push),
        "prepare_events_s": round(median(prepare_s), 1),
        "push_s": round(push_s, 1),
        "push_items_per_s": round(push_items / push_s) if push_s else None,
        "push_requests": dict(push_requests),
        "push_requests_per_item": round(push_total / push_items, 3) if push_items else None,
        "push_items_mapped": push[-1][2],
        "floor_push_s": round(floor_push_s, 1),
        "floor_push_items_per_s": round(ITEMS / floor_push_s) if floor_push_s else None,
        "floor_push_requests_per_item": round(floor_push_requests / ITEMS, 3),
        "push_ratio_to_floor": push_ratio,
        "pull_s": round(pull_s, 1),
        "pull_items_per_s": round(ITEMS / pull_s) if pull_s else None,
        "pull_requests": dict(pull_requests),
        "pull_requests_per_item": round(pull_total / ITEMS, 3),
        "pull_records_created": pull[-1][2],
        "floor_pull_s": round(floor_pull_s, 1),
        "floor_pull_items_per_s": round(ITEMS / floor_pull_s) if floor_pull_s else None,
        "floor_pull_requests_per_item": round(floor_pull_requests / ITEMS, 3),
        "floor_pull_items_read": floor_pull[-1][2],
        "pull_ratio_to_floor": pull_ratio,
        "incremental_after_first_requests": dict(incremental["after_first_requests"]),
        "incremental_after_first_s": round(incremental["after_first_s"], 1),
        "incremental_after_first_requests_per_folder": round(per_folder_after_first, 1),
        "incremental_after_first_items_read_back_requests": after_first_read,
        "incremental_after_first_listing_pages": listing_pages,
        "incremental_after_first_requests_per_folder_paging_aside": round(
            per_folder_after_first_paging_aside, 1
        ),
        "incremental_quiet_requests": dict(incremental["quiet_requests"]),
        "incremental_quiet_s": round(incremental["quiet_s"], 2),
        "incremental_quiet_requests_per_folder": round(per_folder_quiet, 1),
        "summary": (
            f"first sync of {ITEMS} items: Odoo -> Exchange {push_s:.1f} s "
            f"({round(push_items / push_s) if push_s else '-'} items/s, "
            f"{push_total / push_items:.3f} requests/item), exchangelib bulk_create floor "
            f"{floor_push_s:.1f} s ({push_ratio}x); Exchange -> Odoo {pull_s:.1f} s "
            f"({round(ITEMS / pull_s) if pull_s else '-'} items/s, {pull_total / ITEMS:.3f} "
            f"requests/item), exchangelib SyncFolderItems floor {floor_pull_s:.1f} s "
            f"({pull_ratio}x); incremental sync without changes: {quiet} requests for "
            f"{len(KINDS)} folders ({per_folder_quiet:.1f}/folder); the first one after the "
            f"push: {after_first} requests ({per_folder_after_first:.1f}/folder), "
            f"{after_first_read} GetItem (pushed items read back), {listing_pages} further "
            f"SyncFolderItems pages listing the {ITEMS} pushed items, 512 per page "
            f"({per_folder_after_first_paging_aside:.1f}/folder besides them)"
        ),
        "targets": [
            {
                "target": "first sync sends every item (Odoo -> Exchange) and creates every "
                "record (Exchange -> Odoo)",
                "met": push[-1][2] == push_items == ITEMS and pull[-1][2] == ITEMS,
            },
            {
                "target": "incremental sync without changes <= 3 requests per folder",
                "met": per_folder_quiet <= 3,
            },
            {
                "target": "first incremental sync after a push reads back none of the pushed "
                "items (no GetItem) and needs <= 3 requests per folder besides the "
                "SyncFolderItems pages listing them (512 changes per page)",
                "met": after_first_read == 0
                and listing_pages <= listing_pages_floor
                and per_folder_after_first_paging_aside <= 3,
            },
        ],
    }
