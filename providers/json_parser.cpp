#include "providers/json_parser.h"

namespace switchyard {

namespace {

struct ThreadParser {
  simdjson::dom::parser parser;
  bool lent = false;
};

ThreadParser& thread_parser() {
  thread_local ThreadParser p;
  return p;
}

}  // namespace

ParserLease::ParserLease() {
  ThreadParser& t = thread_parser();
  if (!t.lent) {
    t.lent = true;
    borrowed_ = true;
    parser_ = &t.parser;
  } else {
    parser_ = &own_.emplace();
  }
}

ParserLease::~ParserLease() {
  if (!borrowed_) return;
  ThreadParser& t = thread_parser();
  if (t.parser.capacity() > kKeepBytes) t.parser = simdjson::dom::parser{};  // frees its buffers
  t.lent = false;
}

}  // namespace switchyard
