"""Take the README's screenshots of a running demo server with headless Chromium.

Usage: .venv/bin/python tools/screenshots.py [--url http://localhost:8069] [--db crm_suite_demo]

Logs in as admin, opens each screen listed in SHOTS and saves docs/screenshots/<name>.png.
"""

import argparse
import base64
import json
import re
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import requests
import websocket

REPO = Path(__file__).resolve().parent.parent
OUT = REPO / "docs" / "screenshots"

# name -> (path of the screen, with {xmlid} placeholders resolved to record ids; the label of a
# tab or button to click first, or None)
SHOTS = {
    "company_contact_persons": (
        "/odoo/contacts/{crm_contact_management.partner_mueller_maschinenbau_demo}",
        "Contact Persons",
    ),
    "person_deputies": (
        "/odoo/contacts/{crm_contact_management.person_petra_schneider_demo}",
        "Deputies",
    ),
    "person_attributes": (
        "/odoo/contacts/{crm_contact_management.partner_mueller_maschinenbau_demo}",
        "Attributes",
    ),
    "company_classification": (
        "/odoo/contacts/{crm_contact_management.partner_bergmann_datenbanken_demo}",
        "Classification",
    ),
    "contact_persons_list": (
        "/odoo/action-crm_contact_management.res_partner_action_contact_persons",
        None,
    ),
    "campaign_form": (
        "/odoo/action-crm_campaign_stages.crm_campaign_action/"
        "{crm_campaign_stages.crm_campaign_spring_2026_demo}",
        None,
    ),
    "campaign_participants": (
        "/odoo/action-crm_campaign_stages.crm_campaign_participant_action",
        None,
    ),
    "campaign_forecast": ("/odoo/action-crm_campaign_stages.crm_campaign_forecast_action", None),
}
XMLID_RE = re.compile(r"\{([\w.]+)\}")


def login(url, db, user, password):
    session = requests.Session()
    resp = session.post(
        f"{url}/web/session/authenticate",
        json={"params": {"db": db, "login": user, "password": password}},
        timeout=30,
    )
    resp.raise_for_status()
    if resp.json().get("error"):
        raise SystemExit(f"login failed: {resp.json()['error']['data']['message']}")
    return session


def xmlid_to_id(url, session, xmlid):
    module, name = xmlid.split(".", 1)
    resp = session.post(
        f"{url}/web/dataset/call_kw/ir.model.data/search_read",
        json={
            "params": {
                "model": "ir.model.data",
                "method": "search_read",
                "args": [[["module", "=", module], ["name", "=", name]], ["res_id"]],
                "kwargs": {},
            }
        },
        timeout=30,
    )
    return resp.json()["result"][0]["res_id"]


class Browser:
    def __init__(self, width=1440, height=1000):
        chromium = shutil.which("chromium") or shutil.which("google-chrome")
        if not chromium:
            raise SystemExit("Chromium is needed: apt-get install chromium")
        self.profile = tempfile.mkdtemp()
        self.proc = subprocess.Popen(
            [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             f"--user-data-dir={self.profile}", f"--window-size={width},{height}",
             "--remote-debugging-port=9333", "about:blank"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        for _ in range(50):
            try:
                targets = requests.get("http://127.0.0.1:9333/json", timeout=2).json()
                page = next(t for t in targets if t["type"] == "page")
                break
            except (requests.ConnectionError, StopIteration):
                time.sleep(0.2)
        self.ws = websocket.create_connection(page["webSocketDebuggerUrl"], timeout=60)
        self.seq = 0

    def call(self, method, **params):
        self.seq += 1
        self.ws.send(json.dumps({"id": self.seq, "method": method, "params": params}))
        while True:
            msg = json.loads(self.ws.recv())
            if msg.get("id") == self.seq:
                return msg.get("result", {})

    def shoot(self, url, path, click=None, wait=5.0):
        self.call("Page.navigate", url=url)
        time.sleep(wait)
        if click:
            script = (
                "(() => { for (const el of document.querySelectorAll('.o_notebook a.nav-link')) {"
                f"  if (el.textContent.trim() === {json.dumps(click)}) {{"
                "    el.click(); return true;"
                "  }"
                "} return false; })()"
            )
            for _ in range(20):
                if self.call("Runtime.evaluate", expression=script)["result"].get("value"):
                    break
                time.sleep(0.5)
            else:
                raise SystemExit(f"no tab {click!r} on {url}")
            time.sleep(2)
        data = self.call("Page.captureScreenshot", format="png")["data"]
        path.write_bytes(base64.b64decode(data))

    def close(self):
        self.ws.close()
        self.proc.terminate()
        shutil.rmtree(self.profile, ignore_errors=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--url", default="http://localhost:8069")
    parser.add_argument("--db", default="crm_suite_demo")
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    session = login(args.url, args.db, "admin", "admin")
    browser = Browser()
    try:
        browser.call("Network.enable")
        browser.call(
            "Network.setCookie",
            name="session_id",
            value=session.cookies["session_id"],
            url=args.url,
        )
        for name, (path, click) in SHOTS.items():
            path = XMLID_RE.sub(lambda m: str(xmlid_to_id(args.url, session, m[1])), path)
            browser.shoot(f"{args.url}{path}", OUT / f"{name}.png", click=click)
            print(f"docs/screenshots/{name}.png")
    finally:
        browser.close()


if __name__ == "__main__":
    main()
