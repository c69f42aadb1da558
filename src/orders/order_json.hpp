#pragma once

#include <boost/json/object.hpp>

#include "orders/orders_store.hpp"

namespace orders {

// An order as the contract writes it (GET /orders/{id}, and each entry of the order lists).
boost::json::object order_json(const Order& order);

}  // namespace orders
