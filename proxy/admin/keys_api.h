// /api/v1/keys (OpenRouter's key management, management key required):
//   GET    /api/v1/keys?offset=&include_disabled=   {"data":[key...]}, 100 a page, oldest first
//   POST   /api/v1/keys                             201 {"data":key,"key":"sk-sy-v1-..."} (shown once)
//   GET    /api/v1/keys/{hash}                      {"data":key}
//   PATCH  /api/v1/keys/{hash}                      {"data":key}
//   DELETE /api/v1/keys/{hash}                      {"deleted":true}
// A hash that does not exist is a 404. Every change is audited in its own transaction and
// applies to the running server at once.
#pragma once

#include <httplib.h>

#include "proxy/admin/admin_services.h"

namespace switchyard::proxy::admin {

void handle_list_keys(const AdminServices& s, const httplib::Request& req, httplib::Response& res);
void handle_create_key(const AdminServices& s, const httplib::Request& req, httplib::Response& res);
void handle_get_key(const AdminServices& s, const httplib::Request& req, httplib::Response& res);
void handle_update_key(const AdminServices& s, const httplib::Request& req, httplib::Response& res);
void handle_delete_key(const AdminServices& s, const httplib::Request& req, httplib::Response& res);

}  // namespace switchyard::proxy::admin
