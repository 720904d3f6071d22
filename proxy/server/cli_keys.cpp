// switchyard keys create|list|show|update|disable|enable|delete: the admin API's key
// management on a store URL, validated by the same parsers as the API (the options are
// turned into the API's JSON body), audited with actor "cli". A running server picks the
// change up within its key poll interval (1 s by default).
#include <algorithm>
#include <cstdio>
#include <cstdlib>

#include "db/store.h"
#include "providers/json_writer.h"
#include "proxy/admin/key_json.h"
#include "proxy/admin/key_requests.h"
#include "proxy/billing/money.h"
#include "proxy/server/cli.h"
#include "proxy/server/cli_args.h"

namespace switchyard::proxy::cli {

namespace {

const char* kKeysUsage =
    "usage: switchyard keys <command> [options] [--db URL | --config FILE]\n"
    "\n"
    "  create --name NAME [--limit USD] [--limit-reset daily|weekly|monthly] [--expires-at ISO8601]\n"
    "         [--rpm N] [--tpm N] [--max-concurrent N] [--management]\n"
    "  list [--all]                 keys (--all: disabled ones too)\n"
    "  show KEY                     one key as JSON\n"
    "  update KEY [--name NAME] [--limit USD|none] [--limit-reset PERIOD|none] [--expires-at ISO8601|none]\n"
    "         [--rpm N|default] [--tpm N|default] [--max-concurrent N|default]\n"
    "  disable KEY | enable KEY | delete KEY\n"
    "\n"
    "KEY is a key's hash or its name. create prints the new key once; only its SHA-256 hash\n"
    "is stored. --management makes a key for the admin API (and nothing else). Rate limits:\n"
    "'default' uses config.yaml's, 0 means none for this key.\n";

// How an option's value becomes JSON: text is quoted; a number stays a number (anything
// else is quoted, so the parser says what was expected); none/default become null.
enum class ValueKind { text, number, text_or_none };

std::string json_value(const std::string& v, ValueKind kind) {
  if (kind != ValueKind::text && (v == "none" || v == "default")) return "null";
  if (kind == ValueKind::number && !v.empty() && v.find_first_not_of("0123456789.") == std::string::npos) return v;
  return json_quote(v);
}

// The API body the options stand for.
std::string body_from(const Args& a, bool create) {
  struct Option {
    const char* flag;
    const char* field;
    ValueKind kind;
  };
  static const Option options[] = {
      {"name", "name", ValueKind::text},           {"limit", "limit", ValueKind::number},
      {"limit-reset", "limit_reset", ValueKind::text_or_none}, {"expires-at", "expires_at", ValueKind::text_or_none},
      {"rpm", "rpm", ValueKind::number},           {"tpm", "tpm", ValueKind::number},
      {"max-concurrent", "max_concurrent", ValueKind::number}};
  JsonWriter w;
  w.begin_object();
  for (const auto& o : options)
    if (auto* v = a.get(o.flag)) w.field_raw(o.field, json_value(*v, o.kind));
  if (create && a.has("management")) w.field("management", true);
  w.end_object();
  return w.take();
}

// A key by hash, or by name when exactly one undeleted key has it.
Result<db::ApiKeyRow> find_key(db::Store& store, const std::string& ref) {
  auto row = store.find_key(ref);
  if (row && *row && !(*row)->deleted) return **row;
  auto all = store.list_keys(db::KeyListQuery{true, false, 0, 0});
  if (!all) return fail(ErrorKind::internal, all.error().message);
  std::optional<db::ApiKeyRow> match;
  for (const auto& k : *all)
    if (k.name == ref) {
      if (match) return fail(ErrorKind::invalid_argument, "more than one key is named '" + ref + "': use its hash");
      match = k;
    }
  if (!match) return fail(ErrorKind::not_found, "no key with hash or name '" + ref + "'");
  return *match;
}

int print_key(db::Store& store, const db::ApiKeyRow& row) {
  auto usage = admin::key_usage(store, row, db::now_unix_ms());
  if (!usage) return die(usage.error().message);
  JsonWriter w;
  admin::write_key(w, row, *usage);
  std::printf("%s\n", w.str().c_str());
  return 0;
}

db::AuditEntry cli_audit(const char* action, const std::string& target, std::string details) {
  return db::AuditEntry{0, 0, "cli", action, target, std::move(details)};
}

int create(db::Store& store, const Args& a) {
  std::string body = body_from(a, true);
  auto key = admin::parse_new_key(body, db::now_unix_ms());
  if (!key) return die(key.error().message);
  db::AuditEntry audit = cli_audit("key.create", "", body);
  auto created = store.create_key(*key, &audit);
  if (!created) return die("cannot create key: " + created.error().message);
  std::printf("%s\n", created->key.c_str());
  std::fprintf(stderr, "created %skey '%s' (%s, hash %s)%s; it is shown only this once\n",
               key->management ? "management " : "", key->name.c_str(), created->row.label.c_str(),
               created->row.key_hash.c_str(),
               key->limit_pico ? (", limit $" + billing::usd_string(billing::Picodollars(*key->limit_pico))).c_str() : "");
  return 0;
}

int list(db::Store& store, const Args& a) {
  auto rows = store.list_keys(db::KeyListQuery{a.has("all"), false, 0, 0});
  if (!rows) return die(rows.error().message);
  std::printf("%-14s %-20s %-22s %-12s %-12s %-8s %-9s %s\n", "hash", "name", "label", "usage_usd", "limit_usd",
              "reset", "disabled", "kind");
  for (const auto& r : *rows)
    std::printf("%-14s %-20s %-22s %-12s %-12s %-8s %-9s %s\n", r.key_hash.substr(0, 12).c_str(), r.name.c_str(),
                r.label.c_str(), billing::usd_string(billing::Picodollars(r.usage_pico)).c_str(),
                r.limit_pico ? billing::usd_string(billing::Picodollars(*r.limit_pico)).c_str() : "-",
                r.limit_reset.empty() ? "-" : r.limit_reset.c_str(), r.disabled ? "yes" : "no",
                r.management ? "management" : "api");
  return 0;
}

int change(db::Store& store, const std::string& verb, const db::ApiKeyRow& row, const Args& a) {
  if (verb == "delete") {
    db::AuditEntry audit = cli_audit("key.delete", row.key_hash, "{}");
    auto ok = store.delete_key(row.key_hash, &audit);
    if (!ok) return die(ok.error().message);
    std::fprintf(stderr, "deleted key '%s' (%s)\n", row.name.c_str(), row.label.c_str());
    return 0;
  }
  std::string body = verb == "update" ? body_from(a, false) : verb == "disable" ? "{\"disabled\":true}" : "{\"disabled\":false}";
  auto patch = admin::parse_key_patch(body, db::now_unix_ms());
  if (!patch) return die(patch.error().message);
  db::AuditEntry audit = cli_audit("key.update", row.key_hash, body);
  auto updated = store.update_key(row.key_hash, *patch, &audit);
  if (!updated) return die(updated.error().message);
  if (!*updated) return die("the key was deleted meanwhile");
  return print_key(store, **updated);
}

}  // namespace

int keys_main(int argc, char** argv) {
  Args a = parse_args(argc, argv, 2, {"management", "all"});
  if (a.help || a.positional.empty()) {
    std::fputs(kKeysUsage, a.help ? stdout : stderr);
    return a.help ? 0 : 2;
  }
  if (!a.error.empty()) return die(a.error);
  auto url = db_url_from(a);
  if (!url) return die(url.error().message);
  auto store = db::open_store(*url);
  if (!store) return die("cannot open database " + db::redact_store_url(*url) + ": " + store.error().message);
  const std::string& verb = a.positional[0];
  if (verb == "create") return create(**store, a);
  if (verb == "list") return list(**store, a);
  static const std::vector<std::string> on_one = {"show", "update", "disable", "enable", "delete"};
  if (std::find(on_one.begin(), on_one.end(), verb) == on_one.end())
    return die("unknown keys command '" + verb + "' (create, list, show, update, disable, enable, delete)");
  if (a.positional.size() != 2) return die("keys " + verb + " needs one KEY (its hash or name)");
  auto row = find_key(**store, a.positional[1]);
  if (!row) return die(row.error().message);
  if (verb == "show") return print_key(**store, *row);
  return change(**store, verb, *row, a);
}

}  // namespace switchyard::proxy::cli
