#include "providers/local/local_stream.h"

#include "local_engine/utf8.h"
#include "providers/json_writer.h"

namespace switchyard::providers::local {

namespace eng = switchyard::engine;

namespace {

void write_token(JsonWriter& w, const std::string& piece, double logprob) {
  w.field("token", eng::utf8_sanitize(piece));
  w.field("logprob", logprob);
  w.key("bytes").begin_array();
  for (unsigned char b : piece) w.value(static_cast<int64_t>(b));
  w.end_array();
}

std::string logprobs_json(const eng::GeneratedToken& t, const eng::Tokenizer& tok) {
  JsonWriter w;
  w.begin_object().key("content").begin_array().begin_object();
  write_token(w, t.piece, t.logprob);
  w.key("top_logprobs").begin_array();
  for (const auto& alt : t.top) {
    w.begin_object();
    write_token(w, tok.token_to_piece(alt.token), alt.logprob);
    w.end_object();
  }
  w.end_array().end_object().end_array().end_object();
  return w.take();
}

Event event_of(EventKind kind, int64_t choice) {
  Event e;
  e.kind = kind;
  e.choice_index = choice;
  return e;
}

}  // namespace

LocalStream::LocalStream(std::shared_ptr<eng::Engine> engine, std::unique_ptr<eng::Generation> gen, int64_t n_choices,
                         bool logprobs, std::function<bool()> keep_going)
    : engine_(std::move(engine)), gen_(std::move(gen)), n_choices_(n_choices), logprobs_(logprobs),
      keep_going_(std::move(keep_going)) {
  usage_.prompt_tokens = gen_->prompt_tokens();
}

std::optional<Event> LocalStream::next() {
  if (!started_) {
    started_ = true;
    for (int64_t c = 0; c < n_choices_; ++c) queue_.push_back(event_of(EventKind::role, c));
  }
  while (queue_.empty() && !ended_) pull();
  if (queue_.empty()) return std::nullopt;
  Event ev = std::move(queue_.front());
  queue_.pop_front();
  return ev;
}

// Asks the client side now and then while the engine is busy (long prefill, queued).
bool LocalStream::client_gone() {
  while (keep_going_ && !gen_->wait_for(std::chrono::milliseconds(250)))
    if (!keep_going_()) return true;
  return false;
}

void LocalStream::pull() {
  if (client_gone()) {
    gen_->cancel();
    Event e = event_of(EventKind::error, 0);
    e.finish_reason = "error";
    e.error = Error{ErrorKind::cancelled, "the client went away", 0, {}, 0};
    queue_.push_back(std::move(e));
    ended_ = true;
    return;
  }
  auto ev = gen_->next();
  if (!ev) {  // every choice has finished
    Event u = event_of(EventKind::usage, 0);
    u.usage = usage_;
    queue_.push_back(std::move(u));
    ended_ = true;
    return;
  }
  switch (ev->kind) {
    case eng::GenerationEvent::Kind::delta: on_delta(*ev); break;
    case eng::GenerationEvent::Kind::finish: on_finish(*ev); break;
    case eng::GenerationEvent::Kind::error: {
      Event e = event_of(EventKind::error, ev->choice);
      e.finish_reason = "error";
      e.error = Error{ErrorKind::internal, ev->error, 0, {}, 0};
      queue_.push_back(std::move(e));
      ended_ = true;
      break;
    }
  }
}

PartialUsage LocalStream::partial_usage() const {
  return PartialUsage{usage_.prompt_tokens, usage_.cached_tokens, sampled_};
}

void LocalStream::on_delta(eng::GenerationEvent& ev) {
  if (ev.token) ++sampled_;
  if (!ev.text.empty()) {
    Event c = event_of(EventKind::content, ev.choice);
    c.text = std::move(ev.text);
    queue_.push_back(std::move(c));
  }
  for (eng::ToolCallDelta& d : ev.tool_calls) {
    Event t = event_of(EventKind::tool_call, ev.choice);
    t.tool_call = ToolCallDelta{d.index, std::move(d.id), std::move(d.name), std::move(d.arguments)};
    queue_.push_back(std::move(t));
  }
  if (logprobs_ && ev.token) {
    Event l = event_of(EventKind::logprobs, ev.choice);
    l.logprobs_json = logprobs_json(*ev.token, engine_->tokenizer());
    queue_.push_back(std::move(l));
  }
}

void LocalStream::on_finish(const eng::GenerationEvent& ev) {
  Event f = event_of(EventKind::finish, ev.choice);
  f.finish_reason = ev.finish_reason;
  f.native_finish_reason = ev.native_finish_reason;
  queue_.push_back(std::move(f));
  usage_.completion_tokens += ev.usage.completion_tokens;  // the choices' sum, as OpenAI counts
  usage_.cached_tokens = ev.usage.cached_tokens;           // the prompt's, the same for every choice
  usage_.estimated = false;
}

}  // namespace switchyard::providers::local
