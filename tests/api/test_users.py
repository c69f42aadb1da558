import concurrent.futures as cf

import pytest

from apiclient import assert_json_ok, assert_problem, assert_recent, unique_name


def test_create_user_returns_201_with_id_name_created_at(client):
    name = unique_name()
    r = client.call("POST", "/api/v1/users", {"name": name})
    body = assert_json_ok(r, 201)
    assert set(body) >= {"id", "name", "createdAt"}
    assert type(body["id"]) is int and body["id"] > 0
    assert body["name"] == name
    assert_recent(body["createdAt"])


def test_users_get_distinct_ids(client):
    a = client.create_user()
    b = client.create_user()
    assert a != b


@pytest.mark.parametrize("name", [
    "k",                      # 1 character
    "가" * 100,               # 100 code points (300 UTF-8 bytes)
    "a" * 100,
    "김 철수 😀",
    "😀" * 100,               # non-BMP code points count as one character each
])
def test_valid_names_round_trip(client, name):
    r = client.call("POST", "/api/v1/users", {"name": name})
    body = assert_json_ok(r, 201)
    assert body["name"] == name


def test_name_with_explicit_utf8_charset(client):
    name = unique_name("한글")
    r = client.call("POST", "/api/v1/users", raw=('{"name": "%s"}' % name).encode(),
                    headers={"Content-Type": "application/json; charset=utf-8"})
    assert assert_json_ok(r, 201)["name"] == name


@pytest.mark.parametrize("body", [
    {"name": ""},
    {"name": "   "},
    {"name": "\t\n"},
    {"name": "a" * 101},
    {"name": "가" * 101},
    {"name": 123},
    {"name": None},
    {"name": ["kim"]},
    {"name": {"first": "kim"}},
    {"name": True},
    {},
    {"nickname": "kim"},
], ids=lambda b: repr(b)[:40])
def test_invalid_names_are_400_invalid_request(client, body):
    r = client.call("POST", "/api/v1/users", body)
    assert_problem(r, 400, "INVALID_REQUEST")


@pytest.mark.parametrize("raw", [
    b'["kim"]', b'"kim"', b'42', b'null', b'{"name": "kim"', b'{name: "kim"}', b'',
    b'{"name": "kim"} trailing', b'{"name": "\xff\xfe"}',
], ids=["array", "string", "number", "null", "truncated", "unquoted-key", "empty",
        "trailing-garbage", "invalid-utf8"])
def test_malformed_user_bodies_are_400_invalid_request(client, raw):
    r = client.call("POST", "/api/v1/users", raw=raw,
                    headers={"Content-Type": "application/json"})
    assert_problem(r, 400, "INVALID_REQUEST")
    assert client.call("GET", "/health").status == 200


def test_unknown_fields_are_ignored(client):
    name = unique_name()
    r = client.call("POST", "/api/v1/users", {"name": name, "age": 30, "extra": {"x": [1]}})
    body = assert_json_ok(r, 201)
    assert body["name"] == name
    assert "age" not in body


def test_new_user_has_zero_balance_and_empty_history(client, user):
    assert client.balance(user) == 0
    h = client.history(user)
    assert h["content"] == [] and h["totalElements"] == 0


def test_concurrent_user_creation_gives_distinct_ids(client):
    names = [unique_name() for _ in range(40)]
    with cf.ThreadPoolExecutor(max_workers=20) as ex:
        results = list(ex.map(lambda n: client.call("POST", "/api/v1/users", {"name": n}), names))
    assert all(r.status == 201 for r in results), [r.status for r in results]
    ids = [r.json["id"] for r in results]
    assert len(set(ids)) == 40
    assert [r.json["name"] for r in results] == names
