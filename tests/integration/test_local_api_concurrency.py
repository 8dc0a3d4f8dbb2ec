"""Lambda's isolation through the local API: under concurrency every answer belongs to its own request.

The Chalice local server shared ``app.current_request`` across threads (Chalice issue #759), so a view
could run with another request's event and token. Each request here carries one user's token and asks
for "my profile" (GET /douyin/user/ without user_id): the answer must name exactly that user.
"""

from __future__ import annotations

import random
from concurrent.futures import ThreadPoolExecutor

import requests

from support.douyin import DouyinClient

USERS = 16
REQUESTS = 1000
CLIENTS = 32


def test_a_thousand_concurrent_requests_from_16_users_each_answer_names_its_caller(api_url):
    client = DouyinClient(api_url)
    with ThreadPoolExecutor(USERS) as executor:
        accounts = list(executor.map(lambda _: client.register(), range(USERS)))
    callers = [random.choice(accounts) for _ in range(REQUESTS)]
    sessions = [requests.Session() for _ in range(CLIENTS)]

    def ask(numbered):
        number, account = numbered
        # half the tokens in the query (as the Douyin app sends them), half as a bearer header
        if number % 2:
            params, headers = {"token": account.token}, {}
        else:
            params, headers = {}, {"Authorization": f"Bearer {account.token}"}
        response = sessions[number % CLIENTS].get(api_url + "/douyin/user/", params=params, headers=headers, timeout=60)
        return account.user_id, response.status_code, response.json()

    with ThreadPoolExecutor(CLIENTS) as executor:
        answers = list(executor.map(ask, enumerate(callers)))

    assert len(answers) == REQUESTS
    failures = [(caller, status, body) for caller, status, body in answers if status != 200 or body["status_code"]]
    assert failures == []
    strangers = [(caller, body["user"]["id"]) for caller, _, body in answers if body["user"]["id"] != caller]
    assert strangers == [], f"{len(strangers)} answers named another user, e.g. {strangers[:5]}"
    assert len({caller for caller, _, _ in answers}) == USERS
