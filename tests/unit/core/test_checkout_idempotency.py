"""The Idempotency-Key wrapper (shop.api.idempotency) over an in-memory record store.

The store keeps the DynamoDB adapter's rules: a claim succeeds only on a free key, completion and
release only for the claim's own token. Commands count how often they really ran.
"""

import hashlib
import hmac
import json
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest

from shop.api.idempotency import Idempotency
from shop.api.models import ResponseModel
from shop.bootstrap import build_idempotency
from shop.errors import Conflict, Contention, IdempotencyKeyReused, OutOfStock
from shop.services.idempotency_ports import StoredResponse
from tests.fakes import MemoryRecords


def server_secret() -> bytes:
    return b"server-side fingerprint secret"


class Answer(ResponseModel):
    id: str
    n: int


class Counter:
    def __init__(self, store: MemoryRecords, delay: float = 0.0, fail: Exception | None = None) -> None:
        self.store, self.delay, self.fail, self.runs = store, delay, fail, 0

    def __call__(self, seal):
        self.runs += 1
        time.sleep(self.delay)
        if self.fail is not None:
            raise self.fail
        result = {"id": uuid.uuid4().hex, "n": self.runs}
        self.store.commit_seal(seal(result))  # the success is recorded in "the same transaction"
        return result


@pytest.fixture
def store():
    return MemoryRecords()


def call(idempotency, command, key="k1", body=None, user="alice", lock=True):
    return idempotency.respond(
        user_id=user,
        operation="checkout",
        key=key,
        request=body or {"shipping_address": {"country": "DE"}},
        command=command,
        render=lambda r: Answer(**r),
        status=201,
        lock=lock,
    )


def test_the_same_key_and_body_replays_the_first_response_ten_times(store):
    idempotency, command = build_idempotency(store=store, key=server_secret), Counter(store)
    first = call(idempotency, command)
    replays = [call(idempotency, command) for _ in range(10)]
    assert command.runs == 1 and store.completions == 1
    assert first.status_code == 201 and json.loads(first.body)["n"] == 1
    assert {(r.status_code, r.body) for r in replays} == {(first.status_code, first.body)}
    assert replays[0].headers.get("Idempotent-Replayed") == "true"


def test_keys_are_per_user_and_another_body_is_422(store):
    idempotency, command = build_idempotency(store=store, key=server_secret), Counter(store)
    mine = call(idempotency, command)
    theirs = call(idempotency, command, user="bob")
    assert command.runs == 2 and mine.body != theirs.body
    with pytest.raises(IdempotencyKeyReused):
        call(idempotency, command, body={"shipping_address": {"country": "FR"}})
    assert command.runs == 2


def test_a_4xx_is_stored_and_replayed_but_a_5xx_lets_the_retry_run(store):
    idempotency = build_idempotency(store=store, key=server_secret)
    out = Counter(store, fail=OutOfStock(details=[{"product_id": "p", "requested": 2, "available": 1}]))
    with pytest.raises(OutOfStock):
        call(idempotency, out, key="oos")
    replay = call(idempotency, Counter(store), key="oos")
    assert replay.status_code == 409 and json.loads(replay.body)["error"]["code"] == "OUT_OF_STOCK"
    assert json.loads(replay.body)["error"]["details"][0]["available"] == 1
    crash = Counter(store, fail=RuntimeError("boom"))
    with pytest.raises(RuntimeError):
        call(idempotency, crash, key="crash")
    retried = Counter(store)
    assert call(idempotency, retried, key="crash").status_code == 201 and retried.runs == 1


def test_concurrent_duplicates_run_once_and_all_get_the_same_answer(store):
    idempotency, command = build_idempotency(store=store, key=server_secret), Counter(store, delay=0.2)
    with ThreadPoolExecutor(10) as pool:
        answers = list(pool.map(lambda _: call(idempotency, command), range(10)))
    assert command.runs == 1
    assert len({(a.status_code, a.body) for a in answers}) == 1 and answers[0].status_code == 201


def test_a_duplicate_gives_up_waiting_with_a_409_while_the_first_still_runs(store):
    clock = iter(range(0, 1000, 5))
    idempotency = Idempotency(store, server_secret, sleep=lambda _: None, monotonic=lambda: next(clock))
    started = threading.Event()
    release = threading.Event()

    def slow(seal):
        started.set()
        release.wait(5)
        return {"id": "a", "n": 1}

    with ThreadPoolExecutor(1) as pool:
        first = pool.submit(call, build_idempotency(store=store, key=server_secret), slow)
        started.wait(5)
        with pytest.raises(Conflict):
            call(idempotency, Counter(store))
        release.set()
        assert first.result().status_code == 201
    assert store.completions == 1  # completed by a separate write, since `slow` never sealed


def test_a_transient_conflict_is_not_stored_so_a_retry_with_the_key_can_succeed(store):
    idempotency = build_idempotency(store=store, key=server_secret)
    with pytest.raises(Contention):
        call(idempotency, Counter(store, fail=Contention()), key="busy")
    retried = Counter(store)
    assert call(idempotency, retried, key="busy").status_code == 201 and retried.runs == 1


def test_the_fingerprint_is_keyed_by_the_server_secret_not_by_anything_the_client_sends(store):
    body = {"order_id": "o1", "body": {"card_number": "4242424242424242", "exp_month": 12, "exp_year": 2035}}
    call(build_idempotency(store=store, key=server_secret), Counter(store), key="pay-1", body=body)
    (record,) = store.records.values()
    canonical = json.dumps(
        {"op": "checkout", "request": body}, sort_keys=True, separators=(",", ":")
    ).encode()
    unkeyed = {hashlib.sha256(canonical).hexdigest(), hmac.new(b"pay-1", canonical, "sha256").hexdigest()}
    assert record["fingerprint"] == hmac.new(server_secret(), canonical, "sha256").hexdigest()
    assert record["fingerprint"] not in unkeyed
    other_store = MemoryRecords()
    call(
        build_idempotency(store=other_store, key=lambda: b"another secret"),
        Counter(other_store),
        key="pay-1",
        body=body,
    )
    assert next(iter(other_store.records.values()))["fingerprint"] != record["fingerprint"]


# ---------------------------------------------------------------- without a claim (lock=False)
def test_without_a_claim_the_first_answer_is_replayed_and_written_once(store):
    idempotency, command = build_idempotency(store=store, key=server_secret), Counter(store)
    first = call(idempotency, command, lock=False)
    replays = [call(idempotency, command, lock=False) for _ in range(5)]
    assert command.runs == 1 and store.completions == 1
    assert all(r.headers.get("Idempotent-Replayed") == "true" for r in replays)
    assert {(r.status_code, r.body) for r in replays} == {(first.status_code, first.body)}
    assert all(record["token"] is None for record in store.records.values())  # never claimed
    with pytest.raises(IdempotencyKeyReused):
        call(idempotency, command, body={"shipping_address": {"country": "FR"}}, lock=False)


def test_without_a_claim_concurrent_duplicates_commit_once_and_answer_alike(store):
    idempotency, command = build_idempotency(store=store, key=server_secret), Counter(store, delay=0.1)
    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(lambda _: call(idempotency, command, lock=False), range(8)))
    assert store.completions == 1  # however many ran, one committed
    assert len({(a.status_code, a.body) for a in answers}) == 1 and answers[0].status_code == 201


def test_without_a_claim_a_4xx_is_recorded_and_a_5xx_or_transient_conflict_is_not(store):
    idempotency = build_idempotency(store=store, key=server_secret)
    with pytest.raises(OutOfStock):
        call(idempotency, Counter(store, fail=OutOfStock(details=[])), key="oos", lock=False)
    replay = call(idempotency, Counter(store), key="oos", lock=False)
    assert replay.status_code == 409 and json.loads(replay.body)["error"]["code"] == "OUT_OF_STOCK"
    for key, failure in (("crash", RuntimeError("boom")), ("busy", Contention())):
        with pytest.raises(type(failure)):
            call(idempotency, Counter(store, fail=failure), key=key, lock=False)
        retried = Counter(store)
        assert call(idempotency, retried, key=key, lock=False).status_code == 201 and retried.runs == 1


def test_without_a_claim_a_request_waits_for_a_claimed_one_in_progress(store):
    clock = iter(range(0, 1000, 5))
    idempotency = Idempotency(store, server_secret, sleep=lambda _: None, monotonic=lambda: next(clock))
    request = {"op": "checkout", "request": {"shipping_address": {"country": "DE"}}}
    canonical = json.dumps(request, sort_keys=True, separators=(",", ":")).encode()
    record_id = f"checkout#alice#{hashlib.sha256(b'k1').hexdigest()}"
    claim = store.begin(record_id, hmac.new(server_secret(), canonical, "sha256").hexdigest())
    command = Counter(store)
    with pytest.raises(Contention):  # gave up waiting, ran nothing
        call(idempotency, command, lock=False)
    store.complete(claim, StoredResponse(201, json.dumps({"id": "a", "n": 7})))
    assert json.loads(call(idempotency, command, lock=False).body)["n"] == 7 and command.runs == 0
