// Builders for the {data, tx} wrapper used by write-path tests.
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <optional>
#include <string>

namespace syncline::test {

inline constexpr const char* kSource = "testsource01";

inline boost::json::object wrapper(boost::json::value data, const std::string& tx_id,
                                   const std::optional<std::string>& changed_field,
                                   const std::optional<std::string>& expected) {
  return {{"data", std::move(data)},
          {"tx",
           {{"transactionId", tx_id},
            {"sourceId", kSource},
            {"changedField", changed_field ? boost::json::value(*changed_field) : nullptr},
            {"expectedTransactionId", expected ? boost::json::value(*expected) : nullptr}}}};
}

inline boost::json::object create_body(boost::json::object data, const std::string& tx_id) {
  return wrapper(std::move(data), tx_id, std::nullopt, std::nullopt);
}

inline boost::json::object update_body(const std::string& field, boost::json::value value,
                                       const std::string& tx_id,
                                       const std::optional<std::string>& expected) {
  return wrapper(boost::json::object{{field, std::move(value)}}, tx_id, field, expected);
}

inline boost::json::object delete_body(const std::string& tx_id,
                                       const std::optional<std::string>& expected) {
  return wrapper(nullptr, tx_id, std::nullopt, expected);
}

}  // namespace syncline::test
