"""Take the README's screenshots of a running demo server with headless Chromium.

Usage: .venv/bin/python tools/screenshots.py [--url http://localhost:8069] [--db crm_suite_demo]

Logs in as admin, opens each screen listed in SHOTS and saves docs/screenshots/<name>.png.
"""

import argparse
import base64
import json
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import requests
import websocket

REPO = Path(__file__).resolve().parent.parent
OUT = REPO / "docs" / "screenshots"

# name -> path (relative to the server) of the screen to capture
SHOTS = {}


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
    return session.cookies["session_id"]


class Browser:
    def __init__(self, width=1440, height=900):
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

    def shoot(self, url, path, wait=4.0):
        self.call("Page.navigate", url=url)
        time.sleep(wait)
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
    session_id = login(args.url, args.db, "admin", "admin")
    browser = Browser()
    try:
        browser.call("Network.enable")
        browser.call("Network.setCookie", name="session_id", value=session_id, url=args.url)
        for name, path in SHOTS.items():
            browser.shoot(f"{args.url}{path}", OUT / f"{name}.png")
            print(f"docs/screenshots/{name}.png")
    finally:
        browser.close()


if __name__ == "__main__":
    main()
