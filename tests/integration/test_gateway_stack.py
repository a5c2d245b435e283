"""The gateway on the repo's template and the emulator: the real authorizer, routes and environment."""

import pytest
from werkzeug.test import Client

from shop_local.lambda_runtime.containers import Functions
from shop_local.runtime import EnvironmentConflict, build_gateway, process_environment

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def client(stack):
    gateway = build_gateway(stack, Functions(stack.functions()))
    gateway.ready.set()
    return Client(gateway)


def test_process_environment_is_the_union_of_the_functions(stack):
    values = process_environment(stack)
    assert values["AWS_ENDPOINT_URL"] == stack.endpoint_url
    assert values["USERS_TABLE"] == stack.physical_id("UsersTable")
    for spec in stack.functions():
        assert spec.environment.items() <= values.items()


def test_conflicting_function_environments_refuse_to_start(stack):
    class Conflicting:
        region, endpoint_url = stack.region, stack.endpoint_url

        def functions(self):
            first, second = stack.functions()[:2]
            return [
                type(first)(**{**first.__dict__, "environment": {"MODE": "a"}}),
                type(second)(**{**second.__dict__, "environment": {"MODE": "b"}}),
            ]

    with pytest.raises(EnvironmentConflict, match="MODE"):
        process_environment(Conflicting())  # type: ignore[arg-type]


def test_guest_token_passes_the_real_authorizer_and_the_role_reaches_the_handler(client):
    guest = client.post("/auth/guest")
    assert guest.status_code == 201
    bearer = {"Authorization": f"Bearer {guest.get_json()['access_token']}"}
    assert client.get("/products", headers=bearer).status_code == 200
    me = client.get("/auth/me", headers=bearer)
    assert me.status_code == 403  # authenticated (not 401), but a guest may not
    assert me.get_json()["error"]["code"] == "FORBIDDEN"


def test_a_forged_token_is_401_at_the_gateway(client):
    answer = client.get("/auth/me", headers={"Authorization": "Bearer eyJhbGciOiJub25lIn0.e30."})
    assert answer.status_code == 401
    assert answer.get_json()["error"]["code"] == "UNAUTHORIZED"
