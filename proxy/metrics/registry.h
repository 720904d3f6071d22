// Prometheus metrics (text exposition format 0.0.4): counters, gauges and histograms with
// labels. A family names its labels once; a series is found (or made) by its label values
// and then updated with atomics, so recording is lock-free after the first time a series is
// seen. Counters are integers, so they are exact: N requests read back as N.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <unordered_map>
#include <vector>

namespace switchyard::proxy::metrics {

using Labels = std::vector<std::string>;  // values, in the family's label order

// An integer counter, printed divided by `scale` (cost in picodollars prints as USD).
class CounterFamily {
 public:
  CounterFamily(std::string name, std::string help, std::vector<std::string> label_names, int64_t scale = 1);
  std::atomic<int64_t>& at(const Labels& values);
  void add(const Labels& values, int64_t n = 1) { at(values).fetch_add(n, std::memory_order_relaxed); }
  void write(std::string& out) const;

 private:
  std::string name_, help_;
  std::vector<std::string> label_names_;
  int64_t scale_;
  mutable std::shared_mutex mu_;
  std::unordered_map<std::string, std::pair<Labels, std::unique_ptr<std::atomic<int64_t>>>> series_;
};

class HistogramFamily {
 public:
  // Upper bounds, ascending; +Inf is implied.
  HistogramFamily(std::string name, std::string help, std::vector<std::string> label_names, std::vector<double> bounds);
  void observe(const Labels& values, double v);
  void write(std::string& out) const;

 private:
  struct Series {
    Labels labels;
    std::vector<std::atomic<uint64_t>> counts;  // per bucket (not cumulative), then +Inf
    std::atomic<uint64_t> sum_micro{0};         // sum * 1e6, as an integer so it adds exactly
    explicit Series(size_t n) : counts(n) {}
  };
  Series& at(const Labels& values);

  std::string name_, help_;
  std::vector<std::string> label_names_;
  std::vector<double> bounds_;
  mutable std::shared_mutex mu_;
  std::unordered_map<std::string, std::unique_ptr<Series>> series_;
};

// A gauge read when scraped: the callback appends (labels, value) pairs.
struct GaugeFamily {
  std::string name, help;
  std::string type = "gauge";  // or "counter" for a total read from elsewhere
  std::vector<std::string> label_names;
  std::function<void(std::vector<std::pair<Labels, double>>&)> read;
  void write(std::string& out) const;
};

// Label values escaped as the text format wants (\\, \", \n).
std::string escape_label(const std::string& v);

}  // namespace switchyard::proxy::metrics
