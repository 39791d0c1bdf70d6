"""The load test's simulated link workers (run by benchmarks/loadtest.py; see docs/benchmarks.md).

Each simulated user is a link worker with an API token, who also opens the reports as the
network lead, and thinks 1 to 3 s between requests. The mix: searches 70% (the match API and
the search page, half each), service pages 15%, referral and outcome writes 10%, report pages
5%. Every request says it came through the TLS proxy (X-Forwarded-Proto: https), so the
production settings hold: secure cookies, CSRF origin checks. The session cookie, marked
Secure, is sent by hand since the client will not send it over plain HTTP.

The client is Locust's FastHttpUser (geventhttpclient), not HttpUser (python-requests): Locust
runs on the same two cores as the server, and Locust's documentation recommends the lighter
client where the load generator's own CPU matters, as it does here.

Each search response carries X-Directory-Revision; every (time, revision) seen is written to
$LOADTEST_OBSERVED at the end, for the index's lag behind the editor's changes.
"""

import json
import os
import random
import re
import time
from http.cookies import SimpleCookie
from urllib.parse import urlencode, urlsplit

from locust import between, events, task
from locust.contrib.fasthttp import FastHttpUser

SETUP = json.loads(open(os.environ["LOADTEST_USERS"]).read())  # noqa: SIM115
PROXY = {"X-Forwarded-Proto": "https"}
FORM = "application/x-www-form-urlencoded"
OBSERVED: list[tuple[float, str]] = []
_workers = iter(SETUP["link_workers"] * 10)


def _patient(rng: random.Random) -> dict:
    postcode, borough = rng.choice(SETUP["postcodes"])
    patient = {"home_postcode": postcode, "needs": rng.sample(SETUP["needs"], 2)}
    if borough and rng.random() < 0.8:  # a borough of an ICB (England), else not given
        patient["gp_area"] = borough
    if rng.random() < 0.7:
        patient["age"] = rng.randint(18, 90)
    return patient


class LinkWorker(FastHttpUser):
    wait_time = between(1, 3)

    def on_start(self):
        # Each simulated user starts the run signed in, as a link worker (searches, service
        # pages) and as the team's lead (reports): sessions made by load_loadtest_users, so
        # that twenty password hashes at once do not count as a working day's load.
        self.rng = random.Random()
        worker = next(_workers)
        self.token = worker["token"]
        self.origin = self.host.replace("http://", "https://")
        self.cookies: dict[str, str] = {"sessionid": worker["session"]}
        self.lead_cookies: dict[str, str] = {"sessionid": worker["lead_session"]}

    # Secure cookies travel by hand over this plain-HTTP test (the proxy would be TLS).
    # A failed connection's response has no headers: nothing to keep, and the failure is
    # reported as such.
    def _keep(self, response, cookies: dict | None = None) -> None:
        kept = self.cookies if cookies is None else cookies
        for header in (response.headers.get_all("set-cookie") if response.headers else ()) or ():
            for name, morsel in SimpleCookie(header).items():
                if morsel["max-age"] == "0":  # deleted
                    kept.pop(name, None)
                else:
                    kept[name] = morsel.coded_value

    def _headers(self, path: str, api: bool = False, cookies: dict | None = None) -> dict:
        headers = dict(PROXY)
        if api:
            headers["Authorization"] = f"Token {self.token}"
        else:
            headers["Referer"] = self.origin + path
            headers["Origin"] = self.origin
            cookies = self.cookies if cookies is None else cookies
            if cookies:
                headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in cookies.items())
        return headers

    def _get(self, path: str, name: str, cookies: dict | None = None):
        response = self.client.get(path, headers=self._headers(path, cookies=cookies), name=name)
        self._keep(response, cookies)
        return response

    def _seen(self, response) -> None:
        revision = (response.headers or {}).get("X-Directory-Revision")
        if revision:
            OBSERVED.append((time.time(), revision))

    @task(35)
    def search_api(self):
        response = self.client.post(
            "/api/v1/match/",
            json=_patient(self.rng),
            headers=self._headers("", api=True),
            name="search (match API)",
        )
        self._seen(response)

    @task(35)
    def search_page(self):
        page = self._get("/search/", name="search page (form)")
        patient = _patient(self.rng)
        data = urlencode({"csrfmiddlewaretoken": _csrf(page.text or ""), **patient}, doseq=True)
        # The search is posted, then its results are read from where the server redirects
        # (Post/Redirect/Get: no postcode in a URL), or shown in the answer to the post itself.
        # The redirect is followed by hand, so that the (Secure) session cookie goes with it.
        with self.client.post(
            "/search/",
            data=data,
            headers={**self._headers("/search/"), "Content-Type": FORM},
            name="search page (post)",
            allow_redirects=False,
            catch_response=True,
        ) as response:
            self._keep(response)
            if response.status_code in (302, 303):
                location = response.headers["Location"]
                response.success()
            else:
                location = None
                _shows_results(response)
        if location:
            parts = urlsplit(location)  # relative, or absolute on this host
            path = parts.path + (f"?{parts.query}" if parts.query else "")
            with self.client.get(
                path,
                headers=self._headers(path),
                name="search page (results)",
                catch_response=True,
            ) as results:
                self._keep(results)
                _shows_results(results)

    @task(15)
    def service_page(self):
        self._get(f"/services/{self.rng.choice(SETUP['services'])}/", name="service page")

    @task(10)
    def referral(self):
        patient = _patient(self.rng)
        patient.pop("age", None)
        response = self.client.post(
            "/api/v1/referrals/",
            json={"source": "gp", **patient},
            headers=self._headers("", api=True),
            name="referral write",
        )
        if response.status_code == 201:
            self.client.post(
                f"/api/v1/referrals/{response.json()['id']}/outcomes/",
                json={"kind": "accepted"},
                headers=self._headers("", api=True),
                name="outcome write",
            )

    @task(5)
    def reports(self):
        with self.client.get(
            "/reports/",
            headers=self._headers("/reports/", cookies=self.lead_cookies),
            name="report page (lead)",
            allow_redirects=False,
            catch_response=True,
        ) as response:
            self._keep(response, self.lead_cookies)
            if response.status_code != 200:
                response.failure(f"{response.status_code}: not the reports (signed out?)")


def _shows_results(response) -> None:
    headers = response.headers or {}
    if response.status_code == 200 and "X-Directory-Revision" not in headers:
        response.failure("no results shown (the form was refused)")
    revision = headers.get("X-Directory-Revision")
    if revision:
        OBSERVED.append((time.time(), revision))


def _csrf(html: str) -> str:
    found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    return found.group(1) if found else ""


@events.test_stop.add_listener
def _write_observed(environment, **kwargs):
    path = os.environ.get("LOADTEST_OBSERVED")
    if path:
        with open(path, "w") as handle:
            json.dump(OBSERVED, handle)
