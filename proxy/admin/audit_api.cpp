#include "proxy/admin/audit_api.h"

#include "providers/json_writer.h"
#include "proxy/admin/query_params.h"
#include "proxy/billing/periods.h"
#include "proxy/http/error.h"

namespace switchyard::proxy::admin {

void handle_audit(const AdminServices& s, const httplib::Request& req, httplib::Response& res) {
  auto admin = authenticate_admin(s, req);
  if (!admin) return send_error(res, admin.error());
  auto offset = int_param(req, "offset", 0, 0, int64_t{1} << 40);
  auto limit = int_param(req, "limit", 100, 1, 1000);
  if (!offset) return send_error(res, offset.error());
  if (!limit) return send_error(res, limit.error());
  auto rows = s.store->list_audit(db::AuditQuery{*offset, *limit});
  if (!rows) return send_error(res, Error{ErrorKind::internal, "store: " + rows.error().message, 0, {}, 0});
  JsonWriter w;
  w.begin_object().key("data").begin_array();
  for (const auto& a : *rows) {
    w.begin_object().field("id", a.id).field("created_at", billing::format_iso8601(a.created));
    w.field("actor", a.actor).field("action", a.action).field("target", a.target);
    w.field_raw("details", a.details_json.empty() ? "{}" : a.details_json).end_object();
  }
  w.end_array().end_object();
  send_json(res, w.take());
}

}  // namespace switchyard::proxy::admin
