// CPU backend: the thread pool plus the best kernel set for this machine.
#include <algorithm>
#include <vector>

#include "local_engine/backend.h"
#include "local_engine/cpu/kernels.h"
#include "local_engine/thread_pool.h"

namespace switchyard::engine {

namespace {

class CpuBackend final : public Backend {
 public:
  CpuBackend(int n_threads, const cpu::KernelSet& k) : pool_(n_threads), k_(k) {}

  std::string name() const override { return std::string("cpu-") + k_.name; }
  int n_threads() const override { return pool_.size(); }

  void quantize_rows(ActType t, const float* x, int64_t n, int64_t cols, uint8_t* out) override {
    const size_t rb = act_row_bytes(t, cols);
    if (t == ActType::f32) {
      std::copy(x, x + n * cols, reinterpret_cast<float*>(out));
      return;
    }
    cpu::QuantizeFn q = t == ActType::q8_0 ? k_.quantize_q8_0 : k_.quantize_q8_k;
    if (n < 4) {
      for (int64_t i = 0; i < n; ++i) q(x + i * cols, out + size_t(i) * rb, cols);
      return;
    }
    pool_.run(n, [&](int64_t i, int) { q(x + i * cols, out + size_t(i) * rb, cols); });
  }

  void matmul(std::span<const MatmulJob> jobs) override {
    // Split every job's rows into chunks; all chunks of all jobs form one dispatch.
    int64_t total_rows = 0;
    size_t total_bytes = 0;
    for (auto& j : jobs) {
      total_rows += j.w.rows;
      total_bytes += size_t(j.w.rows) * j.w.row_bytes * size_t(j.n > 0 ? j.n : 0);
    }
    if (total_rows == 0) return;
    // Tiny work (the MoE router: n_expert rows) costs less than waking the workers.
    if (total_bytes < (size_t(64) << 10)) {
      for (auto& j : jobs)
        if (j.n > 0) k_.gemm[cpu::type_slot(j.w.type)](j.w, 0, j.w.rows, j.act, j.act_stride, j.act_index, j.n, j.y, j.y_stride);
      return;
    }
    const int64_t want_tasks = int64_t(pool_.size()) * 8;
    int64_t chunk = std::max<int64_t>(16, (total_rows / want_tasks + 15) / 16 * 16);
    tasks_.clear();
    for (size_t ji = 0; ji < jobs.size(); ++ji) {
      if (jobs[ji].n == 0) continue;
      // A task's weight rows should stay in L2 (~256 KB) while its token tiles pass over them:
      // with more tokens than one tile (prefill, a busy expert, logits of 8 streams) a larger
      // chunk would be streamed from L3/DRAM once per tile.
      const int64_t l2_rows = std::max<int64_t>(16, int64_t((size_t(256) << 10) / std::max<size_t>(1, jobs[ji].w.row_bytes)) / 16 * 16);
      const int64_t job_chunk = std::min(chunk, l2_rows);
      for (int64_t r = 0; r < jobs[ji].w.rows; r += job_chunk)
        tasks_.push_back({int32_t(ji), r, std::min(jobs[ji].w.rows, r + job_chunk)});
    }
    pool_.run(int64_t(tasks_.size()), [&](int64_t t, int) {
      const Task& task = tasks_[size_t(t)];
      const MatmulJob& j = jobs[size_t(task.job)];
      k_.gemm[cpu::type_slot(j.w.type)](j.w, task.r0, task.r1, j.act, j.act_stride, j.act_index, j.n, j.y, j.y_stride);
    });
  }

  void parallel_for(int64_t n, const std::function<void(int64_t, int64_t)>& fn) override {
    if (n <= 0) return;
    const int64_t n_chunks = std::min<int64_t>(n, int64_t(pool_.size()) * 4);
    pool_.run(n_chunks, [&](int64_t c, int) { fn(n * c / n_chunks, n * (c + 1) / n_chunks); });
  }

 private:
  struct Task {
    int32_t job;
    int64_t r0, r1;
  };
  ThreadPool pool_;
  const cpu::KernelSet& k_;
  std::vector<Task> tasks_;
};

}  // namespace

std::unique_ptr<Backend> make_cpu_backend(const CpuBackendParams& p) {
  const cpu::KernelSet* k = p.isa ? cpu::kernels_by_name(p.isa) : &cpu::best_kernels();
  if (!k) k = &cpu::best_kernels();
  return std::make_unique<CpuBackend>(p.n_threads, *k);
}

}  // namespace switchyard::engine
