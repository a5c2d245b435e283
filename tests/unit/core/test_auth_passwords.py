"""Password hashing parameters, email normalisation and the blind index."""

from __future__ import annotations

import base64
import time

import pytest

from shop.domain import passwords
from shop.domain.users import EmailIndex, check_new_password, normalise_email


def test_hashes_are_argon2id_phc_strings_with_at_least_owasp_parameters() -> None:
    encoded = passwords.hash_password("correct horse battery")
    algorithm, version, params, salt, digest = encoded.split("$")[1:]
    fields = dict(pair.split("=") for pair in params.split(","))
    assert (algorithm, version) == ("argon2id", "v=19")
    assert int(fields["m"]) >= 19456 and int(fields["t"]) >= 2 and fields["p"] == "1"
    assert len(base64.b64decode(salt + "==")) == 16 and len(base64.b64decode(digest + "==")) == 32


def test_verify_accepts_the_password_and_nothing_else() -> None:
    encoded = passwords.hash_password("correct horse battery")
    assert passwords.verify_password("correct horse battery", encoded)
    assert not passwords.verify_password("correct horse batterY", encoded)
    assert not passwords.verify_password("", encoded)
    assert passwords.hash_password("correct horse battery") != encoded  # salted


@pytest.mark.parametrize(
    "stored",
    [
        "",
        "plaintext",
        "$argon2i$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaA",
        "$argon2id$v=19$m=99999999,t=2,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaA",
    ],
)
def test_malformed_or_absurd_stored_hashes_never_match(stored: str) -> None:
    assert not passwords.verify_password("anything at all", stored)
    assert passwords.needs_rehash(stored)


def test_parameters_can_be_raised_later() -> None:
    weak = passwords.hash_password("pw-pw-pw-pw", passwords.Argon2Params(memory_cost_kib=8192, iterations=1))
    assert passwords.verify_password("pw-pw-pw-pw", weak)
    assert passwords.needs_rehash(weak)
    assert not passwords.needs_rehash(passwords.hash_password("pw-pw-pw-pw"))


def test_an_unknown_email_costs_as_much_as_a_wrong_password() -> None:
    encoded, decoy = passwords.hash_password("correct horse battery"), passwords.new_decoy_hash()

    def best_of(action: object) -> float:
        times = []
        for _ in range(5):
            start = time.perf_counter()
            action()  # type: ignore[operator]
            times.append(time.perf_counter() - start)
        return min(times)

    known = best_of(lambda: passwords.verify_password("wrong password", encoded))
    unknown = best_of(lambda: passwords.spend_verification_time("wrong password", decoy))
    assert 0.5 < unknown / known < 2.0


def test_new_passwords_need_ten_characters() -> None:
    assert check_new_password("x" * 10) == "x" * 10
    with pytest.raises(ValueError, match="at least 10"):
        check_new_password("x" * 9)


@pytest.mark.parametrize(
    "raw", [" Ann@Example.COM", "ann@example.com  ", "ANN@EXAMPLE.COM", "\tann@example.com\n"]
)
def test_emails_normalise_to_one_form(raw: str) -> None:
    assert normalise_email(raw) == "ann@example.com"


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "ann",
        "ann@",
        "@example.com",
        "ann@example",
        "ann example@x.com",
        "a@b@c.com",
        "a" * 250 + "@x.com",
        "ann@-x.com",
    ],
)
def test_invalid_emails_are_refused(raw: str) -> None:
    with pytest.raises(ValueError):
        normalise_email(raw)


def test_blind_index_is_keyed_and_case_insensitive() -> None:
    index, other_key = EmailIndex(b"k" * 32), EmailIndex(b"j" * 32)
    assert index.of("Ann@Example.com ") == index.of("ann@example.com")
    assert index.of("ann@example.com") != index.of("bob@example.com")
    assert index.of("ann@example.com") != other_key.of("ann@example.com")
    assert "ann" not in index.of("ann@example.com")
    with pytest.raises(ValueError):
        EmailIndex(b"short")
