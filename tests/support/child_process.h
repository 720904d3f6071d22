// The real switchyard binary as a child process, for tests that need what only the binary
// does (signals, the CLI): spawned with arguments, its first stdout line read (serve prints
// "listening on http://HOST:PORT" there), stderr captured to a file, signalled and reaped.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <string>
#include <vector>

namespace switchyard::testing {

class ChildProcess {
 public:
  // argv[0] is the program. Throws std::runtime_error when it cannot start.
  explicit ChildProcess(std::vector<std::string> argv);
  ~ChildProcess();  // SIGKILL if still running, then reaps
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  // The next line on its stdout (without the newline); "" at EOF or after `timeout`.
  std::string read_line(std::chrono::milliseconds timeout = std::chrono::seconds(30));
  void signal(int sig);
  // Waits for it to exit; its exit status, or -1 when it did not exit within `timeout`.
  int wait(std::chrono::milliseconds timeout = std::chrono::seconds(30));
  // Everything it wrote to stderr so far.
  std::string stderr_text() const;
  pid_t pid() const { return pid_; }

 private:
  pid_t pid_ = -1;
  int stdout_fd_ = -1;
  std::string stderr_path_;
  std::string buffered_;
  bool reaped_ = false;
};

// The binary the tests run: $SWITCHYARD_BINARY (set by ctest).
std::string switchyard_binary();

// "listening on http://127.0.0.1:4242" -> 4242; 0 when the line is something else.
int port_from_listening_line(const std::string& line);

}  // namespace switchyard::testing
