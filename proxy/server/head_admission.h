// Admission from the request head, before its body is read (issue 16, finding 1): which
// requests are completions (they count against server.max_completions, so health, metrics
// and admin keep answering when every completion slot is taken), and whether the key the
// head carries will fail authentication (then the handler answers 401 from the head alone
// and the body, however large or however encoded, is never read).
#pragma once

#include "proxy/auth/key_table.h"
#include "proxy/server/hardened_server.h"

namespace switchyard::proxy {

HeadVerdict admit_head(const RequestHead& head, KeyTable& keys);

}  // namespace switchyard::proxy
