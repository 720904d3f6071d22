// The three template families' renderers (chat_render.cpp), behind render_chat().
#pragma once

#include <span>
#include <vector>

#include "local_engine/chat_template.h"

namespace switchyard::engine {

std::vector<Segment> render_vicuna(std::span<const ChatMessage> messages, const RenderParams& params);
std::vector<Segment> render_mistral(std::span<const ChatMessage> messages, const RenderParams& params);
std::vector<Segment> render_chatml(std::span<const ChatMessage> messages, const RenderParams& params);

}  // namespace switchyard::engine
