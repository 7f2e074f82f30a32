#!/usr/bin/env python3
"""The explore page in a real browser: starts `paxos-lab explore` on the variant
ignore-promised-value, drives headless Chromium (Debian's chromium and chromium-driver,
spoken to over the W3C WebDriver protocol with nothing but the standard library) through
the shortest conflict-resolution counterexample by clicking the step buttons in the trace's
words, and asserts on the DOM what a user sees: the lanes, the node states, the violation
mark and its narration; then back, forward, and a reload from the URL.

    python3 tests/browser/explore_check.py [PATH/TO/paxos-lab] [SCREENSHOT-DIR]

Exit 0 when every check passes, 1 on a failed check, 77 (skipped) when chromium or
chromedriver is not installed.
"""

import base64
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
# Absolute: the binary runs in a scratch directory, so a relative argument must not move.
BIN = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "target", "release", "paxos-lab"))
SHOTS = os.path.abspath(sys.argv[2] if len(sys.argv) > 2 else os.path.join(ROOT, "target", "browser"))
VARIANT = "ignore-promised-value"


def fail(message):
    print(f"explore browser check: FAILED: {message}")
    sys.exit(1)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Driver:
    """A WebDriver session: just the commands this check needs."""

    def __init__(self, port):
        self.base = f"http://127.0.0.1:{port}"
        caps = {
            "capabilities": {
                "alwaysMatch": {
                    "browserName": "chrome",
                    "goog:chromeOptions": {
                        "binary": shutil.which("chromium"),
                        "args": ["--headless", "--no-sandbox", "--disable-gpu",
                                 "--window-size=1400,1100"],
                    },
                }
            }
        }
        self.session = self.call("POST", "/session", caps)["sessionId"]

    def call(self, method, path, body=None):
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.base + path, data=data, method=method,
                                     headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=60) as r:
                return json.loads(r.read())["value"]
        except urllib.error.HTTPError as e:
            fail(f"webdriver {method} {path}: {e.read().decode()[:300]}")

    def cmd(self, method, path, body=None):
        return self.call(method, f"/session/{self.session}{path}", body)

    def go(self, url):
        self.cmd("POST", "/url", {"url": url})

    def js(self, script, *args):
        return self.cmd("POST", "/execute/sync", {"script": script, "args": list(args)})

    def find_all(self, css):
        return self.cmd("POST", "/elements", {"using": "css selector", "value": css})

    def click(self, element):
        self.cmd("POST", f"/element/{list(element.values())[0]}/click", {})

    def screenshot(self, name):
        os.makedirs(SHOTS, exist_ok=True)
        path = os.path.join(SHOTS, name)
        with open(path, "wb") as f:
            f.write(base64.b64decode(self.cmd("GET", "/screenshot")))
        return path

    def wait(self, script, what, *args):
        """Waits (up to 30 s) until `script` returns something truthy; returns it."""
        for _ in range(300):
            got = self.js(script, *args)
            if got:
                return got
            time.sleep(0.1)
        fail(f"timed out waiting for {what}")

    def close(self):
        self.call("DELETE", f"/session/{self.session}")


def text_of(driver, css):
    return driver.js("const e = document.querySelector(arguments[0]); return e ? e.innerText : null;", css)


def main():
    chromium, chromedriver = shutil.which("chromium"), shutil.which("chromedriver")
    if not chromium or not chromedriver:
        print("explore browser check: skipped: chromium and chromedriver are not installed "
              "(apt-get install chromium chromium-driver)")
        return 77
    if not os.path.exists(BIN):
        fail(f"no binary at {BIN}: run cargo build --release first")
    work = tempfile.mkdtemp(prefix="paxos-lab-browser-")
    shutil.copytree(os.path.join(ROOT, "scenarios"), os.path.join(work, "scenarios"))
    # The counterexample to click through, in the trace's own words.
    subprocess.run([BIN, "check", "--variant", VARIANT, "--report", "rep"], cwd=work,
                   stdout=subprocess.DEVNULL, check=False)
    with open(os.path.join(work, "rep", "conflict-resolution.json")) as f:
        words = json.load(f)["actions"]
    server = subprocess.Popen([BIN, "explore", "--variant", VARIANT, "--port", "0"], cwd=work,
                              stdout=subprocess.PIPE, text=True)
    first = server.stdout.readline()
    url = next((w for w in first.split() if w.startswith("http://")), None)
    if not url:
        fail(f"explore printed no address: {first!r}")
    port = free_port()
    driver_proc = subprocess.Popen([chromedriver, f"--port={port}"], stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL)
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/status", timeout=1)
                break
            except OSError:
                time.sleep(0.1)
        d = Driver(port)
        try:
            run(d, url, words)
        finally:
            d.close()
    finally:
        driver_proc.kill()
        server.kill()
        shutil.rmtree(work, ignore_errors=True)
    print(f"explore browser check: passed ({len(words)} steps clicked; screenshots in {SHOTS})")
    return 0


def run(d, url, words):
    d.go(url)
    lanes = d.wait("const l = [...document.querySelectorAll('#lanes .lane')]; "
                   "return l.length ? l.map(e => e.textContent) : null;", "the lanes")
    if lanes != ["p1", "p2", "a1", "a2", "a3", "l1", "l2"]:
        fail(f"lanes: {lanes}")
    a1 = text_of(d, '.node[data-name="a1"]')
    if "promised none" not in a1:
        fail(f"a1 at the start: {a1!r}")
    d.screenshot("0-start.png")
    for i, word in enumerate(words, start=1):
        buttons = d.find_all("#steps .step-button")
        texts = d.js("return [...document.querySelectorAll('#steps .step-button')].map(b => b.textContent);")
        if word not in texts:
            fail(f"step {i} `{word}` is not among the buttons: {texts}")
        d.click(buttons[texts.index(word)])
        d.wait("return document.getElementById('depth').textContent.startsWith(arguments[0]);",
               f"step {i} to be taken", f"step {i}")
        if i < len(words) and not d.js("return document.getElementById('violation').hidden;"):
            fail(f"a violation is shown after step {i}, before the last")
        if i == len(words) // 2:
            d.screenshot("1-midway.png")
    shot = d.screenshot("2-violation.png")
    # The violation: the box, its narration, the marked step, the property's status.
    title = text_of(d, "#violation-title") or ""
    if "conflict-resolution" not in title.lower() or f"step {len(words)}" not in title.lower():
        fail(f"violation title: {title!r}")
    why = text_of(d, "#why") or ""
    for needed in ['Step 10: p2 (ballot 2) heard in its promises that "red" was accepted',
                   "So conflict resolution fails"]:
        if needed not in why:
            fail(f"the narration lacks {needed!r}: {why!r}")
    if not d.find_all("#violating-step"):
        fail("the violating step is not marked in the chart")
    status = text_of(d, '.prop[data-property="conflict-resolution"] .status')
    if status != "violated":
        fail(f"conflict-resolution status: {status!r}")
    a1 = text_of(d, '.node[data-name="a1"]')
    if 'accepted (b=2, "blue")' not in a1:
        fail(f"a1 at the violation: {a1!r}")
    chosen = text_of(d, "#chosen")
    if 'chosen "red" in ballot 1' not in chosen or 'chosen "blue" in ballot 2' not in chosen:
        fail(f"chosen values: {chosen!r}")
    path_url = d.js("return location.href;")
    if path_url.count(",") != len(words) - 1:
        fail(f"the URL does not carry the path: {path_url}")
    # Back: the violation is gone; forward: it is back.
    d.click(d.find_all("#back")[0])
    d.wait("return document.getElementById('violation').hidden;", "back to hide the violation")
    d.click(d.find_all("#forward")[0])
    d.wait("return !document.getElementById('violation').hidden;", "forward to show it again")
    # A reload from the URL alone lands on the same state.
    d.go(path_url)
    d.wait("return !document.getElementById('violation').hidden "
           "&& document.getElementById('depth').textContent.startsWith(arguments[0]);",
           "the reloaded URL to show the violation", f"step {len(words)}")
    print(f"explore browser check: violating step screenshot {shot}")


if __name__ == "__main__":
    sys.exit(main())
