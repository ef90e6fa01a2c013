#pragma once

#include <string>

#include <boost/json/value.hpp>

namespace civitas::model {

// Serialises JSON as compact text. Unlike boost::json::serialize (1.81), doubles are written in
// their shortest round-trip form (41.38, not 4.138E1), as clients and people expect.
// Non-finite doubles, which JSON cannot represent, are written as null.
std::string ToJsonText(const boost::json::value& value);
void AppendJsonText(std::string& out, const boost::json::value& value);
// Appends `s` as a JSON string literal (quoted, escaped).
void AppendJsonString(std::string& out, std::string_view s);

}  // namespace civitas::model
