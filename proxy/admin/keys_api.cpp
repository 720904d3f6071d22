#include "proxy/admin/keys_api.h"

#include <simdjson.h>

#include "proxy/admin/key_json.h"
#include "proxy/admin/key_requests.h"
#include "proxy/admin/query_params.h"
#include "proxy/http/error.h"

namespace switchyard::proxy::admin {

namespace {

constexpr int64_t kPageSize = 100;

Error store_error(const db::Error& e) { return Error{ErrorKind::internal, "store: " + e.message, 0, {}, 0}; }

Error no_such_key(const std::string& hash) {
  return Error{ErrorKind::not_found, "No API key with hash '" + hash.substr(0, 64) + "'", 0, {}, 0};
}

// The request body as the audit row's details (already validated JSON; never holds a key).
std::string details_of(const std::string& body) {
  simdjson::dom::parser p;
  simdjson::dom::element e;
  if (p.parse(body).get(e) != simdjson::SUCCESS) return "{}";
  return simdjson::minify(e);
}

db::AuditEntry audit(const KeyEntry& actor, const char* action, const std::string& target, std::string details) {
  return db::AuditEntry{0, 0, actor_of(actor), action, target, std::move(details)};
}

// {"data": <key>} with the key's usage read after the ledger caught up.
void send_key(const AdminServices& s, httplib::Response& res, const db::ApiKeyRow& row, int status = 200,
              const std::string& plaintext = {}) {
  auto usage = key_usage(*s.store, row, s.now_ms());
  if (!usage) return send_error(res, usage.error());
  JsonWriter w;
  w.begin_object().key("data");
  write_key(w, row, *usage);
  if (!plaintext.empty()) w.field("key", plaintext);
  w.end_object();
  send_json(res, w.take(), status);
}

Result<db::ApiKeyRow> existing_key(const AdminServices& s, const std::string& hash) {
  auto row = s.store->find_key(hash);
  if (!row) return std::unexpected(store_error(row.error()));
  if (!*row || (*row)->deleted) return std::unexpected(no_such_key(hash));
  return **row;
}

}  // namespace

void handle_list_keys(const AdminServices& s, const httplib::Request& req, httplib::Response& res) {
  auto admin = authenticate_admin(s, req);
  if (!admin) return send_error(res, admin.error());
  auto offset = int_param(req, "offset", 0, 0, int64_t{1} << 40);
  auto include_disabled = bool_param(req, "include_disabled", false);
  if (!offset) return send_error(res, offset.error());
  if (!include_disabled) return send_error(res, include_disabled.error());
  s.ledger->flush();
  auto rows = s.store->list_keys(db::KeyListQuery{*include_disabled, false, *offset, kPageSize});
  if (!rows) return send_error(res, store_error(rows.error()));
  JsonWriter w;
  w.begin_object().key("data").begin_array();
  for (const auto& row : *rows) {
    auto usage = key_usage(*s.store, row, s.now_ms());
    if (!usage) return send_error(res, usage.error());
    write_key(w, row, *usage);
  }
  w.end_array().end_object();
  send_json(res, w.take());
}

void handle_create_key(const AdminServices& s, const httplib::Request& req, httplib::Response& res) {
  auto admin = authenticate_admin(s, req);
  if (!admin) return send_error(res, admin.error());
  auto key = parse_new_key(req.body, s.now_ms());
  if (!key) return send_error(res, key.error());
  db::AuditEntry a = audit(**admin, "key.create", "", details_of(req.body));
  auto created = s.store->create_key(*key, &a);
  if (!created) return send_error(res, store_error(created.error()));
  s.keys->refresh(created->row.key_hash);
  send_key(s, res, created->row, 201, created->key);
}

void handle_get_key(const AdminServices& s, const httplib::Request& req, httplib::Response& res) {
  auto admin = authenticate_admin(s, req);
  if (!admin) return send_error(res, admin.error());
  s.ledger->flush();
  auto row = existing_key(s, req.matches[1]);
  if (!row) return send_error(res, row.error());
  send_key(s, res, *row);
}

void handle_update_key(const AdminServices& s, const httplib::Request& req, httplib::Response& res) {
  auto admin = authenticate_admin(s, req);
  if (!admin) return send_error(res, admin.error());
  auto patch = parse_key_patch(req.body, s.now_ms());
  if (!patch) return send_error(res, patch.error());
  std::string hash = req.matches[1];
  db::AuditEntry a = audit(**admin, "key.update", hash, details_of(req.body));
  s.ledger->flush();  // the row read back sums the key's usage: let queued rows land first
  auto row = s.store->update_key(hash, *patch, &a);
  if (!row) return send_error(res, store_error(row.error()));
  if (!*row) return send_error(res, no_such_key(hash));
  s.keys->refresh(hash);
  send_key(s, res, **row);
}

void handle_delete_key(const AdminServices& s, const httplib::Request& req, httplib::Response& res) {
  auto admin = authenticate_admin(s, req);
  if (!admin) return send_error(res, admin.error());
  std::string hash = req.matches[1];
  db::AuditEntry a = audit(**admin, "key.delete", hash, "{}");
  auto deleted = s.store->delete_key(hash, &a);
  if (!deleted) return send_error(res, store_error(deleted.error()));
  if (!*deleted) return send_error(res, no_such_key(hash));
  s.keys->refresh(hash);
  send_json(res, "{\"deleted\":true}");
}

}  // namespace switchyard::proxy::admin
