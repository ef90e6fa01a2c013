#pragma once

#include <cstdlib>
#include <type_traits>
#include <utility>
#include <variant>

#include "civitas/core/status.h"

namespace civitas {

// A value or the Status saying why there is none; shaped like std::expected.
// Accessing the value of an error Result is a bug and aborts.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : state_(std::in_place_index<0>, std::move(value)) {}  // NOLINT: implicit by design
  Result(Status status) : state_(std::in_place_index<1>, std::move(status)) {  // NOLINT
    if (std::get<1>(state_).ok()) std::abort();  // an OK status carries no value
  }

  bool ok() const { return state_.index() == 0; }
  explicit operator bool() const { return ok(); }

  const Status& status() const {
    static const Status kOk;
    return ok() ? kOk : std::get<1>(state_);
  }

  T& value() & { return std::get<0>(state_); }
  const T& value() const& { return std::get<0>(state_); }
  T&& value() && { return std::get<0>(std::move(state_)); }

  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

 private:
  std::variant<T, Status> state_;
};

}  // namespace civitas

#define CIVITAS_CONCAT_INNER_(a, b) a##b
#define CIVITAS_CONCAT_(a, b) CIVITAS_CONCAT_INNER_(a, b)
#define CIVITAS_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr) \
  auto tmp = (expr);                                   \
  if (!tmp.ok()) return tmp.status();                  \
  lhs = std::move(tmp).value()
// CIVITAS_ASSIGN_OR_RETURN(auto x, MakeX()); returns the error Status from the enclosing function.
#define CIVITAS_ASSIGN_OR_RETURN(lhs, expr) \
  CIVITAS_ASSIGN_OR_RETURN_IMPL_(CIVITAS_CONCAT_(civitas_result_, __LINE__), lhs, expr)
