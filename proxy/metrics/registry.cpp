#include "proxy/metrics/registry.h"

#include <algorithm>
#include <cstdio>
#include <mutex>

namespace switchyard::proxy::metrics {

namespace {

// Label values joined with a separator no label can hold unescaped: the series' map key.
std::string series_key(const Labels& values) {
  std::string k;
  for (const auto& v : values) {
    k += v;
    k += '\x1f';
  }
  return k;
}

std::string label_text(const std::vector<std::string>& names, const Labels& values, const std::string& extra = {}) {
  std::string out;
  for (size_t i = 0; i < names.size() && i < values.size(); ++i)
    out += (out.empty() ? "" : ",") + names[i] + "=\"" + escape_label(values[i]) + "\"";
  if (!extra.empty()) out += (out.empty() ? "" : ",") + extra;
  return out.empty() ? out : "{" + out + "}";
}

std::string number(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

void header(std::string& out, const std::string& name, const std::string& help, const char* type) {
  out += "# HELP " + name + " " + help + "\n# TYPE " + name + " " + type + "\n";
}

}  // namespace

std::string escape_label(const std::string& v) {
  std::string out;
  for (char c : v) {
    if (c == '\\') out += "\\\\";
    else if (c == '"') out += "\\\"";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
  return out;
}

CounterFamily::CounterFamily(std::string name, std::string help, std::vector<std::string> label_names, int64_t scale)
    : name_(std::move(name)), help_(std::move(help)), label_names_(std::move(label_names)), scale_(scale) {}

std::atomic<int64_t>& CounterFamily::at(const Labels& values) {
  std::string key = series_key(values);
  {
    std::shared_lock lock(mu_);
    if (auto it = series_.find(key); it != series_.end()) return *it->second.second;
  }
  std::unique_lock lock(mu_);
  auto& slot = series_[key];
  if (!slot.second) slot = {values, std::make_unique<std::atomic<int64_t>>(0)};
  return *slot.second;
}

void CounterFamily::write(std::string& out) const {
  header(out, name_, help_, "counter");
  std::shared_lock lock(mu_);
  for (const auto& [key, s] : series_) {
    int64_t v = s.second->load(std::memory_order_relaxed);
    std::string value = scale_ == 1 ? std::to_string(v) : number(static_cast<double>(v) / static_cast<double>(scale_));
    out += name_ + label_text(label_names_, s.first) + " " + value + "\n";
  }
}

HistogramFamily::HistogramFamily(std::string name, std::string help, std::vector<std::string> label_names,
                                 std::vector<double> bounds)
    : name_(std::move(name)), help_(std::move(help)), label_names_(std::move(label_names)), bounds_(std::move(bounds)) {}

HistogramFamily::Series& HistogramFamily::at(const Labels& values) {
  std::string key = series_key(values);
  {
    std::shared_lock lock(mu_);
    if (auto it = series_.find(key); it != series_.end()) return *it->second;
  }
  std::unique_lock lock(mu_);
  auto& slot = series_[key];
  if (!slot) {
    slot = std::make_unique<Series>(bounds_.size() + 1);
    slot->labels = values;
  }
  return *slot;
}

void HistogramFamily::observe(const Labels& values, double v) {
  Series& s = at(values);
  size_t bucket = std::lower_bound(bounds_.begin(), bounds_.end(), v) - bounds_.begin();
  s.counts[bucket].fetch_add(1, std::memory_order_relaxed);
  s.sum_micro.fetch_add(static_cast<uint64_t>(std::max(0.0, v) * 1e6 + 0.5), std::memory_order_relaxed);
}

void HistogramFamily::write(std::string& out) const {
  header(out, name_, help_, "histogram");
  std::shared_lock lock(mu_);
  for (const auto& [key, s] : series_) {
    uint64_t cumulative = 0;
    for (size_t i = 0; i <= bounds_.size(); ++i) {
      cumulative += s->counts[i].load(std::memory_order_relaxed);
      std::string le = "le=\"" + (i < bounds_.size() ? number(bounds_[i]) : std::string("+Inf")) + "\"";
      out += name_ + "_bucket" + label_text(label_names_, s->labels, le) + " " + std::to_string(cumulative) + "\n";
    }
    out += name_ + "_sum" + label_text(label_names_, s->labels) + " " +
           number(static_cast<double>(s->sum_micro.load(std::memory_order_relaxed)) / 1e6) + "\n";
    out += name_ + "_count" + label_text(label_names_, s->labels) + " " + std::to_string(cumulative) + "\n";
  }
}

void GaugeFamily::write(std::string& out) const {
  std::vector<std::pair<Labels, double>> values;
  if (read) read(values);
  header(out, name, help, type.c_str());
  for (const auto& [labels, v] : values) out += name + label_text(label_names, labels) + " " + number(v) + "\n";
}

}  // namespace switchyard::proxy::metrics
