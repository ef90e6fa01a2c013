#include "bulk_history.h"

#include <algorithm>
#include <boost/json.hpp>
#include <cstdio>

#include "civitas/model/json_text.h"

namespace civitas::cli {
namespace {

namespace json = boost::json;

constexpr size_t kPage = 500;

// RFC 4180: quoted when it holds a comma, quote or line break; quotes doubled.
std::string CsvField(std::string_view text) {
  if (text.find_first_of(",\"\r\n") == std::string_view::npos) return std::string(text);
  std::string out = "\"";
  for (char c : text) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

std::string Iso(int64_t us) { return FormatTimestamp(Timestamp(std::chrono::microseconds(us))); }

// A text sample holds the JSON text of its value.
json::value ValueOfText(std::string_view text) {
  boost::system::error_code ec;
  json::value value = json::parse(text, ec);
  return ec ? json::value(json::string(text)) : value;
}

}  // namespace

Status WriteHistory(store::Store& store, const model::Context& core, const HistoryExport& what,
                    FILE* out, const std::function<void(int64_t)>& progress) {
  auto reader = store.ReadTemporal(what.tenant);
  const bool csv = what.csv;
  if (csv) std::fputs("id,type,attribute,datasetId,observedAt,value,unitCode,modifiedAt\n", out);
  int64_t written = 0;
  std::string after;
  for (;;) {
    std::vector<store::TemporalEntity> entities;
    CIVITAS_RETURN_IF_ERROR(reader->ScanEntities(after, [&](store::TemporalEntity entity) {
      entities.push_back(std::move(entity));
      return entities.size() < kPage;
    }));
    for (const store::TemporalEntity& entity : entities) {
      const std::string& id = entity.id;
      std::string type = entity.types.empty() ? "" : core.CompactIri(entity.types.front());
      if (!what.type.empty() &&
          std::find(entity.types.begin(), entity.types.end(), what.type) == entity.types.end()) {
        continue;
      }
      for (const store::TemporalSeries& series : entity.series) {
        const std::string attr = core.CompactIri(series.attr);
        Status status =
            reader->Samples(id, series, what.from_us, what.to_us, [&](const store::Sample& sample) {
              std::string at = Iso(sample.timestamp_us);
              std::string modified =
                  sample.modified_at_us == store::kNoModifiedAt ? "" : Iso(sample.modified_at_us);
              json::value value = sample.kind == store::SampleKind::kNumber
                                      ? json::value(sample.number)
                                      : ValueOfText(sample.text);
              std::string line;
              if (csv) {
                std::string shown =
                    value.is_string() ? std::string(value.as_string()) : model::ToJsonText(value);
                line = CsvField(id) + "," + CsvField(type) + "," + CsvField(attr) + "," +
                       CsvField(series.dataset_id) + "," + at + "," + CsvField(shown) + "," +
                       CsvField(series.unit_code) + "," + modified + "\n";
              } else {
                json::object record{{"id", id}, {"type", type}, {"attribute", attr}};
                if (!series.dataset_id.empty()) record["datasetId"] = series.dataset_id;
                record["observedAt"] = at;
                record["value"] = std::move(value);
                if (!series.unit_code.empty()) record["unitCode"] = series.unit_code;
                if (!modified.empty()) record["modifiedAt"] = modified;
                line = model::ToJsonText(record) + "\n";
              }
              std::fputs(line.c_str(), out);
              ++written;
              return true;
            });
        CIVITAS_RETURN_IF_ERROR(status);
      }
      progress(written);
    }
    if (entities.size() < kPage) break;
    after = entities.back().id;
  }
  return Status::Ok();
}

}  // namespace civitas::cli
