// simdjson parsers on the request path. A dom::parser allocates its depth stacks on its
// first document and grows its buffers to the largest one. A ParserLease lends this
// thread's parser while no other lease on the thread holds it (a nested parse gets a parser
// of its own), so a request does not allocate a parser per parse; and the thread's parser
// drops its buffers after a document larger than kKeepBytes, so a large body does not pin
// memory in one of thousands of worker threads (a thread_local parser did).
//
// A lease is for one scope on one thread: documents parsed with it are valid until the
// lease ends or parses again. Never keep one in an object that may move between threads.
#pragma once

#include <simdjson.h>

#include <cstddef>
#include <optional>

namespace switchyard {

class ParserLease {
 public:
  static constexpr size_t kKeepBytes = 64 * 1024;  // capacity a thread's parser may keep

  ParserLease();
  ~ParserLease();
  ParserLease(const ParserLease&) = delete;
  ParserLease& operator=(const ParserLease&) = delete;

  simdjson::dom::parser& operator*() { return *parser_; }
  simdjson::dom::parser* operator->() { return parser_; }

 private:
  struct ThreadParser;
  ThreadParser* thread_ = nullptr;             // the thread's parser, when this lease holds it
  std::optional<simdjson::dom::parser> own_;  // when the thread's parser is lent already
  simdjson::dom::parser* parser_ = nullptr;
};

}  // namespace switchyard
