// Compact ingest: POST /api/v2/write and POST /write (the InfluxDB 2 and 1.x write APIs, for
// Telegraf, Node-RED and device firmware speaking the line protocol) and POST /api/v1/bulk/csv,
// both through the civitas.yaml ingest mappings (docs/formats/line-protocol.md).
//
// Line protocol answers as InfluxDB does: 204 when every line is written; 400 naming the first
// bad line with the valid lines written (a partial write), or nothing written when no line is
// valid. CSV is a civitas API and follows its rule instead: a bad row rejects the whole body.

#include <boost/json.hpp>

#include "broker_impl.h"
#include "civitas/ingest/bulk.h"
#include "civitas/ingest/csv_mapping.h"
#include "civitas/ingest/observations.h"
#include "src/api/content_encoding.h"

namespace civitas::api {
namespace {

std::string_view TrimBlanks(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

struct WriteRequest {
  std::map<std::string, std::string> params;
  std::string tenant;
  std::string storage;  // the inflated body, when it came compressed
  std::string_view body;
};

Result<WriteRequest> OpenWrite(const HttpRequest& request, size_t max_body_bytes) {
  if (request.method() != http::verb::post) {
    return InvalidRequest("method " + std::string(request.method_string()) +
                          " is not allowed here: POST the data");
  }
  WriteRequest w;
  CIVITAS_ASSIGN_OR_RETURN(w.params, QueryParams(request.target()));
  w.tenant = std::string(TrimBlanks(request["NGSILD-Tenant"]));
  CIVITAS_RETURN_IF_ERROR(ValidateTenant(w.tenant));
  CIVITAS_ASSIGN_OR_RETURN(w.body, DecodedBody(request, max_body_bytes, w.storage));
  return w;
}

// A device token writes only its own entities; the message does not name them (ids are built
// from the payload).
Status CheckWritable(const ingest::ObservationBatch& batch, const EntityFilter* writable) {
  if (writable == nullptr) return Status::Ok();
  for (const std::string& id : batch.Ids()) {
    if (!(*writable)(id)) {
      return Status(StatusCode::kPermissionDenied,
                    "this token may not write every entity the body maps to");
    }
  }
  return Status::Ok();
}

int64_t NanosecondsSinceEpoch(Timestamp t) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
}

}  // namespace

Reply Broker::Impl::WriteLineProtocol(HttpRequest& request, const EntityFilter* writable) {
  auto opened = OpenWrite(request, options.max_body_bytes);
  if (!opened.ok()) return ErrorReply(request, opened.status());
  WriteRequest& w = *opened;
  std::optional<ingest::LpPrecision> precision = ingest::LpPrecision::kNanoseconds;
  if (auto it = w.params.find("precision"); it != w.params.end()) {
    precision = ingest::ParseLpPrecision(it->second);
  }
  if (!precision) {
    return ErrorReply(request, InvalidRequest("precision must be ns, us, ms, s (or n, u, m, h)"));
  }
  const Timestamp now = clock.Now();
  ingest::LpParser parser(*precision, NanosecondsSinceEpoch(now));
  ingest::ObservationBatch batch(*options.ingest);
  ingest::LpLineReader reader(w.body);
  ingest::LpPoint point;
  std::string_view line;
  Status first_error;
  int64_t rejected = 0;
  while (reader.Next(line)) {
    Status s = parser.ParseLine(line, reader.line_number(), point);
    if (s.ok()) s = batch.AddPoint(point, reader.line_number());
    if (s.ok()) continue;
    if (rejected++ == 0) first_error = std::move(s);
  }
  if (batch.accepted() == 0 && rejected > 0) return ErrorReply(request, first_error);
  if (Status s = CheckWritable(batch, writable); !s.ok()) return ErrorReply(request, s);
  if (batch.entity_count() > 0) {
    Status written =
        ingest::WriteObservations(store, w.tenant, batch, now, options.max_batch_entities);
    if (!written.ok()) return ErrorReply(request, written);
  }
  Reply reply;
  if (rejected > 0) {
    reply =
        ErrorReply(request, BadRequestData("partial write: " + first_error.message() + " (" +
                                           std::to_string(batch.accepted()) + " points written, " +
                                           std::to_string(rejected) + " rejected)"));
  } else {
    reply.response = HttpResponse{http::status::no_content, request.version()};
  }
  return batch.entity_count() > 0 ? Durable(std::move(reply)) : reply;
}

Reply Broker::Impl::BulkCsv(HttpRequest& request, const EntityFilter* writable) {
  auto opened = OpenWrite(request, options.max_body_bytes);
  if (!opened.ok()) return ErrorReply(request, opened.status());
  WriteRequest& w = *opened;
  auto measurement = w.params.find("measurement");
  if (measurement == w.params.end() || measurement->second.empty()) {
    return ErrorReply(request, InvalidRequest("name the mapping: ?measurement=<name>"));
  }
  ingest::ObservationBatch batch(*options.ingest);
  std::optional<ingest::CsvLayout> layout;
  std::string_view rest = w.body;
  for (int64_t line_number = 1; !rest.empty(); ++line_number) {
    const size_t end = rest.find('\n');
    std::string_view line = rest.substr(0, end);
    rest.remove_prefix(end == std::string_view::npos ? rest.size() : end + 1);
    if (ingest::IsBlankLine(line)) continue;
    auto record = ingest::ParseCsvRecord(line);
    Status s = record.status();
    if (record.ok() && !layout) {
      auto made = ingest::MakeCsvLayout(*options.ingest, measurement->second, std::move(*record));
      if (made.ok()) layout = std::move(*made);
      s = made.status();
    } else if (record.ok()) {
      s = batch.AddRow(*layout, *record);
    }
    if (!s.ok()) {
      return ErrorReply(request,
                        BadRequestData("line " + std::to_string(line_number) + ": " + s.message()));
    }
  }
  if (!layout) return ErrorReply(request, BadRequestData("the body has no header line"));
  if (Status s = CheckWritable(batch, writable); !s.ok()) return ErrorReply(request, s);
  Status written =
      ingest::WriteObservations(store, w.tenant, batch, clock.Now(), options.max_batch_entities);
  if (!written.ok()) return ErrorReply(request, written);
  Reply reply = PlainJsonReply(
      request, http::status::ok,
      boost::json::object{{"rows", batch.accepted()}, {"entities", batch.entity_count()}});
  return batch.entity_count() > 0 ? Durable(std::move(reply)) : reply;
}

}  // namespace civitas::api
