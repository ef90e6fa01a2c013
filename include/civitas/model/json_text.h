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
// For objects written member by member: appends `"name":`, after a comma unless `out` ends with
// the opening of an object or array (so the first member needs no flag).
void AppendJsonKey(std::string& out, std::string_view name);
void AppendJsonStringMember(std::string& out, std::string_view name, std::string_view value);

}  // namespace civitas::model
