// gpta-expect-error: Student must provide `double train_step
#include <gpta/train/basic_trainer.hpp>

#include <gpta/prompt/no_prefix.hpp>

struct half_student {
  using example_type = gpta::text_example;
  using prediction_type = int;
  struct state_type {};
  std::vector<int> predict(std::span<const example_type>, std::string_view) const { return {}; }
  double loss(std::span<const example_type>, std::string_view) const { return 0.0; }
  state_type snapshot() const { return {}; }
  void restore(const state_type&) {}
};

static_assert(gpta::detail::check_student_model<half_student>());
