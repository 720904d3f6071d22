#include <httplib.h>

#include "proxy/admin/admin_services.h"

namespace switchyard::proxy::admin {

Result<std::shared_ptr<KeyEntry>> authenticate_admin(const AdminServices& s, const httplib::Request& req) {
  auto key = s.keys->authenticate(req.get_header_value("Authorization"));
  if (!key) return key;
  if (!(*key)->settings().management)
    return fail(ErrorKind::forbidden, "This endpoint needs a management key (switchyard keys create --management)");
  return key;
}

std::string actor_of(const KeyEntry& key) {
  KeySettings s = key.settings();
  return s.name.empty() ? s.label : s.name + " (" + s.label + ")";
}

}  // namespace switchyard::proxy::admin
