// Which client connection the running request came on, so the pipeline can notice a client
// that leaves before any byte of the answer was written (issue 16, finding 4): a plain
// request, or a stream whose upstream has not answered yet, writes nothing, so no failed
// write can tell. The server's connection loop (server/connection_loop.h) sets it for the
// thread that runs the request; the whole request, streamed body included, runs there.
#pragma once

#include <functional>

namespace switchyard::proxy {

// Sets the current thread's connection for the scope's lifetime.
class CurrentConnection {
 public:
  explicit CurrentConnection(int fd);
  ~CurrentConnection();
  CurrentConnection(const CurrentConnection&) = delete;
  CurrentConnection& operator=(const CurrentConnection&) = delete;

 private:
  int previous_;
};

int current_connection_fd();  // -1 outside a request the server loop runs

// True when the peer has closed (or reset) `fd`: its FIN has arrived. A request body fully
// read and nothing pending but the next pipelined request is not "closed".
bool peer_closed(int fd);

// For ClientChannel: true while the current request's client is still connected. Empty when
// the request runs outside the connection loop (then only failed writes tell).
std::function<bool()> current_client_probe();

}  // namespace switchyard::proxy
