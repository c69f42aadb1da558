"""Public catalogue: GET /api/v1/products and /api/v1/products/{id}."""

import pytest

from apiclient import assert_json_ok, assert_problem, unique_name

NO_SUCH_ID = 9223372036854775807


def count_products(sql, where="true") -> int:
    return int(sql(f"SELECT count(*) FROM products WHERE {where}")[0][0])


def test_get_product_returns_product_with_description(client):
    name = unique_name("상품")
    pid = client.create_product(price=12_345, stock=17, name=name, description="desc 한글 😀")
    r = client.call("GET", f"/api/v1/products/{pid}")
    assert assert_json_ok(r) == {"id": pid, "name": name, "description": "desc 한글 😀",
                                 "price": 12_345, "stock": 17}


def test_get_product_without_description_has_empty_description(client):
    pid = client.create_product(price=0, stock=0)
    body = assert_json_ok(client.call("GET", f"/api/v1/products/{pid}"))
    assert body["description"] == "" and body["price"] == 0 and body["stock"] == 0


def test_unknown_product_is_404(client):
    assert_problem(client.call("GET", f"/api/v1/products/{NO_SUCH_ID}"), 404,
                   "PRODUCT_NOT_FOUND")


@pytest.mark.parametrize("bad", ["0", "-1", "abc", "1.5", "9223372036854775808", "1e3"])
def test_product_id_not_positive_integer_is_400(client, bad):
    assert_problem(client.call("GET", f"/api/v1/products/{bad}"), 400, "INVALID_REQUEST")


def test_stock_reflects_restock(client):
    pid = client.create_product(stock=5)
    assert client.add_stock(pid, 7).status == 200
    assert client.stock(pid) == 12


def test_list_products_page_shape_and_order(client, sql):
    pids = [client.create_product(price=100 * (i + 1), stock=i, name=unique_name(f"p{i}"))
            for i in range(3)]
    before = count_products(sql)
    # the page holding pids[0], with size 100
    idx = count_products(sql, f"id < {pids[0]}")
    page = idx // 100
    r = client.call("GET", f"/api/v1/products?page={page}&size=100")
    body = assert_json_ok(r)
    after = count_products(sql)
    assert set(body) == {"content", "page", "size", "totalElements"}
    assert (body["page"], body["size"]) == (page, 100)
    assert before <= body["totalElements"] <= after
    ids = [p["id"] for p in body["content"]]
    assert ids == sorted(ids) and len(set(ids)) == len(ids)
    for p in body["content"]:
        assert set(p) == {"id", "name", "price", "stock"}, p
    by_id = {p["id"]: p for p in body["content"]}
    # pids[1], pids[2] may fall onto the next page
    for i, pid in enumerate(pids):
        if pid in by_id:
            assert by_id[pid]["price"] == 100 * (i + 1) and by_id[pid]["stock"] == i
    assert pids[0] in by_id


def test_list_products_pagination_walks_by_id(client, sql):
    pids = [client.create_product() for _ in range(5)]
    idx = count_products(sql, f"id < {pids[0]}")
    # size 1: page idx+k holds exactly pids[k] (no one deletes products)
    for k, pid in enumerate(pids):
        body = assert_json_ok(client.call("GET", f"/api/v1/products?page={idx + k}&size=1"))
        assert [p["id"] for p in body["content"]] == [pid]
        assert body["size"] == 1 and body["page"] == idx + k


def test_list_products_defaults(client):
    client.create_product()
    body = assert_json_ok(client.call("GET", "/api/v1/products"))
    assert (body["page"], body["size"]) == (0, 20)
    assert 1 <= len(body["content"]) <= 20
    ids = [p["id"] for p in body["content"]]
    assert ids == sorted(ids)


def test_list_products_past_the_end_is_empty(client):
    body = assert_json_ok(client.call("GET", "/api/v1/products?page=10000000&size=100"))
    assert body["content"] == [] and body["page"] == 10000000 and body["totalElements"] >= 1


@pytest.mark.parametrize("query", [
    "size=0", "size=101", "size=abc", "size=-1", "page=-1", "page=abc", "page=1.5",
])
def test_list_products_bad_paging_is_400(client, query):
    assert_problem(client.call("GET", f"/api/v1/products?{query}"), 400, "INVALID_REQUEST")


@pytest.mark.parametrize("method", ["POST", "DELETE"])
def test_products_wrong_method_is_405(client, method):
    body = {"name": "x", "price": 1, "stock": 1} if method == "POST" else None
    r = client.call(method, "/api/v1/products", body)
    assert_problem(r, 405, "METHOD_NOT_ALLOWED")


def last_page(client, size=100):
    first = assert_json_ok(client.call("GET", f"/api/v1/products?page=0&size={size}"))
    last = (first["totalElements"] - 1) // size
    return assert_json_ok(client.call("GET", f"/api/v1/products?page={last}&size={size}"))


def test_list_sees_a_new_product_at_once_on_every_loop(client):
    # Each loop keeps the ids in order (tagged with the product set's version); a product
    # created meanwhile must show at once, whichever loop answers.
    for _ in range(4):
        last_page(client)
    before = last_page(client)["totalElements"]
    p = client.create_product(price=777, stock=7)
    for _ in range(6):  # new connections, spread over the loops
        page = last_page(client)
        assert page["totalElements"] == before + 1
        assert page["content"][-1] == {"id": p, "name": page["content"][-1]["name"],
                                       "price": 777, "stock": 7}


def test_list_follows_rows_deleted_behind_its_back(client, sql):
    p = client.create_product()
    assert last_page(client)["content"][-1]["id"] == p
    sql(f"DELETE FROM products WHERE id = {p}")
    for _ in range(4):
        page = last_page(client)
        assert p not in [x["id"] for x in page["content"]]
    assert int(sql("SELECT count(*) FROM products")[0][0]) == page["totalElements"]


def test_list_stock_is_read_at_request_time(client):
    p = client.create_product(stock=50)
    assert last_page(client)["content"][-1]["stock"] == 50
    client.add_stock(p, -20)
    for _ in range(4):
        assert last_page(client)["content"][-1]["stock"] == 30
