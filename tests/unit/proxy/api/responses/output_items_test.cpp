// Events -> Responses output items: the order of steps, ids derived from the generation
// id, tool calls by index, and the completion state.
#include <catch2/catch.hpp>

#include "integration/scripted_provider.h"
#include "proxy/api/responses/output_items.h"

using namespace switchyard;
using namespace switchyard::proxy;
using namespace switchyard::testing;  // ev_text, ev_tool, ev_finish

namespace {

using K = OutputStep::Kind;
std::vector<std::pair<K, size_t>> kinds(const std::vector<OutputStep>& steps) {
  std::vector<std::pair<K, size_t>> out;
  for (const auto& s : steps) out.emplace_back(s.kind, s.output_index);
  return out;
}

}  // namespace

TEST_CASE("output: ids swap the generation id's prefix", "[responses]") {
  CHECK(id_from_generation("resp_", "gen-1712-AbC") == "resp_1712-AbC");
  CHECK(id_from_generation("msg_", "other") == "msg_other");
}

TEST_CASE("output: text then tool calls make sequential items with derived ids", "[responses]") {
  OutputBuilder b("gen-9-xyz");
  CHECK(b.add(ev_role()).empty());
  CHECK(kinds(b.add(ev_text("Hel"))) == std::vector<std::pair<K, size_t>>{{K::item_added, 0}, {K::text_delta, 0}});
  CHECK(kinds(b.add(ev_text("lo"))) == std::vector<std::pair<K, size_t>>{{K::text_delta, 0}});
  CHECK(b.add(ev_text("")).empty());
  auto call = b.add(ev_tool(0, "call_1", "get_weather", "{\"ci"));
  CHECK(kinds(call) ==
        std::vector<std::pair<K, size_t>>{{K::item_done, 0}, {K::item_added, 1}, {K::arguments_delta, 1}});
  CHECK(call.back().delta == "{\"ci");
  CHECK(kinds(b.add(ev_tool(0, "", "", "ty\":1}"))) == std::vector<std::pair<K, size_t>>{{K::arguments_delta, 1}});
  CHECK(kinds(b.add(ev_tool(1, "", "noop", ""))) == std::vector<std::pair<K, size_t>>{{K::item_done, 1}, {K::item_added, 2}});
  CHECK(b.add(ev_finish("tool_calls")).empty());
  CHECK(kinds(b.close(true)) == std::vector<std::pair<K, size_t>>{{K::item_done, 2}});
  CHECK(b.close(true).empty());  // nothing left open

  const auto& items = b.items();
  REQUIRE(items.size() == 3);
  CHECK(items[0].type == OutputItem::Type::message);
  CHECK(items[0].id == "msg_9-xyz_0");
  CHECK(items[0].text == "Hello");
  CHECK(items[0].status == OutputItem::Status::completed);
  CHECK(items[1].type == OutputItem::Type::function_call);
  CHECK(items[1].id == "fc_9-xyz_1");
  CHECK(items[1].call_id == "call_1");
  CHECK(items[1].name == "get_weather");
  CHECK(items[1].arguments == "{\"city\":1}");
  CHECK(items[2].call_id == "call_9-xyz_2");  // the upstream gave none
  CHECK(items[2].arguments.empty());
  CHECK(b.finish_reason() == "tool_calls");
}

TEST_CASE("output: a late fragment joins its closed call, and other choices are ignored", "[responses]") {
  OutputBuilder b("gen-1-a");
  b.add(ev_tool(0, "c0", "first", "{\"x\":"));
  b.add(ev_tool(1, "c1", "second", "{}"));
  auto late = b.add(ev_tool(0, "", "", "1}"));
  CHECK(kinds(late) == std::vector<std::pair<K, size_t>>{{K::arguments_delta, 0}});
  Event other = ev_text("ignored");
  other.choice_index = 1;
  CHECK(b.add(other).empty());
  b.close(true);
  REQUIRE(b.items().size() == 2);
  CHECK(b.items()[0].arguments == "{\"x\":1}");
  CHECK(b.items()[1].arguments == "{}");
}

TEST_CASE("output: text after a tool call opens a new message, and close(false) marks it incomplete", "[responses]") {
  OutputBuilder b("gen-2-b");
  b.add(ev_tool(0, "c0", "f", "{}"));
  b.add(ev_text("after"));
  b.close(false);
  REQUIRE(b.items().size() == 2);
  CHECK(b.items()[0].status == OutputItem::Status::completed);
  CHECK(b.items()[1].type == OutputItem::Type::message);
  CHECK(b.items()[1].status == OutputItem::Status::incomplete);
  CHECK(std::string(status_name(b.items()[1].status)) == "incomplete");
}

TEST_CASE("output: finish reasons that cut the output short are incomplete", "[responses]") {
  CHECK(incomplete_reason("length") == "max_output_tokens");
  CHECK(incomplete_reason("content_filter") == "content_filter");
  CHECK_FALSE(incomplete_reason("stop").has_value());
  CHECK_FALSE(incomplete_reason("tool_calls").has_value());
  CHECK_FALSE(incomplete_reason("").has_value());
}
