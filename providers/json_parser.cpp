#include "providers/json_parser.h"

namespace switchyard {

struct ParserLease::ThreadParser {
  simdjson::dom::parser parser;
  bool lent = false;
};

ParserLease::ParserLease() {
  thread_local ThreadParser mine;
  if (!mine.lent) {
    mine.lent = true;
    thread_ = &mine;
    parser_ = &mine.parser;
  } else {
    parser_ = &own_.emplace();
  }
}

ParserLease::~ParserLease() {
  if (!thread_) return;
  if (thread_->parser.capacity() > kKeepBytes) thread_->parser = simdjson::dom::parser{};  // frees its buffers
  thread_->lent = false;
}

}  // namespace switchyard
