// What the admin API uses, handed in by the composition root.
#pragma once

#include <httplib.h>

#include <functional>

#include "db/ledger_writer.h"
#include "db/store.h"
#include "proxy/auth/key_table.h"
#include "proxy/billing/pricing_book.h"
#include "proxy/routing/catalog.h"
#include "proxy/routing/health.h"

namespace switchyard::proxy::admin {

struct AdminServices {
  KeyTable* keys = nullptr;
  db::Store* store = nullptr;            // a connection for admin reads and writes
  db::LedgerWriter* ledger = nullptr;    // flushed before usage is read back
  billing::PricingBook* prices = nullptr;
  const CatalogHolder* catalog = nullptr;
  const HealthTracker* health = nullptr;
  std::function<int64_t()> now_ms;
};

// The caller must hold a management key: 401 without a valid key, 403 with an ordinary one.
Result<std::shared_ptr<KeyEntry>> authenticate_admin(const AdminServices& s, const httplib::Request& req);
// Who made a change, for the audit log: the management key's label.
std::string actor_of(const KeyEntry& key);

}  // namespace switchyard::proxy::admin
