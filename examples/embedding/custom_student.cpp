// A student of your own: a nearest-centroid classifier on hashed words (class mean vectors,
// cosine similarity, softmax over similarities for the loss). It satisfies gpta::student_model -
// example_type, prediction_type, state_type, train_step, predict, loss, snapshot/restore - so
// every strategy and the trainer work with it unchanged.
//
//   gpta_example_custom_student [DATA_DIR]     (one JSON line on stdout)
#include <cmath>
#include <functional>
#include <iostream>
#include <span>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json.hpp>

#include <Eigen/Dense>

#include <gpta/prompt/fixed_prefix.hpp>
#include <gpta/train/basic_trainer.hpp>

#include "sst2_split.hpp"

namespace {

class centroid_student {
 public:
  using example_type = gpta::text_example;
  using prediction_type = int;
  struct state_type {
    Eigen::MatrixXd sums;  // classes x dim: the features seen per class
  };

  centroid_student(std::size_t classes, Eigen::Index dim = 4096) { state_.sums = Eigen::MatrixXd::Zero(classes, dim); }

  /// "Training" adds the batch to the class sums; the loss is computed before the update.
  double train_step(std::span<const example_type> batch, std::string_view prefix) {
    const double before = loss(batch, prefix);
    for (const auto& e : batch) state_.sums.row(e.label) += features(prefix, e.text).transpose();
    return before;
  }
  std::vector<int> predict(std::span<const example_type> batch, std::string_view prefix) const {
    std::vector<int> out;
    for (const auto& e : batch) {
      Eigen::Index best = 0;
      similarities(prefix, e.text).maxCoeff(&best);
      out.push_back(static_cast<int>(best));
    }
    return out;
  }
  double loss(std::span<const example_type> batch, std::string_view prefix) const {
    double sum = 0.0;
    for (const auto& e : batch) {
      const Eigen::VectorXd z = 10.0 * similarities(prefix, e.text);  // logits: scaled cosine similarities
      const double m = z.maxCoeff();
      sum += m + std::log((z.array() - m).exp().sum()) - z(e.label);
    }
    return batch.empty() ? 0.0 : sum / static_cast<double>(batch.size());
  }
  [[nodiscard]] state_type snapshot() const { return state_; }
  void restore(const state_type& s) { state_ = s; }

 private:
  Eigen::VectorXd features(std::string_view prefix, const std::string& text) const {
    Eigen::VectorXd f = Eigen::VectorXd::Zero(state_.sums.cols());
    std::istringstream in(std::string(prefix) + " " + text);
    for (std::string w; in >> w;) f(static_cast<Eigen::Index>(std::hash<std::string>{}(w) % f.size())) += 1.0;
    return f;
  }
  Eigen::VectorXd similarities(std::string_view prefix, const std::string& text) const {
    const Eigen::VectorXd f = features(prefix, text);
    Eigen::VectorXd s(state_.sums.rows());
    for (Eigen::Index c = 0; c < s.size(); ++c) {
      const double n = state_.sums.row(c).norm() * f.norm();
      s(c) = n > 0 ? state_.sums.row(c).dot(f) / n : 0.0;
    }
    return s;
  }
  state_type state_;
};

static_assert(gpta::student_model<centroid_student>);

}  // namespace

int main(int argc, char** argv) try {
  const example::sst2_split d = example::load_sst2(example::data_dir(argc, argv));
  gpta::trainer_options o;
  o.rounds = 2;
  o.batch_size = 8;
  o.progress = false;
  centroid_student student(d.train.num_classes());
  const double untrained = student.loss(d.dev.examples, "a movie review:");  // no centroid yet: uniform, log 2
  gpta::basic_trainer trainer(std::move(student), gpta::fixed_prefix{"a movie review:"}, gpta::null_transport{}, o);
  const gpta::run_result run = trainer.fit(d.train, d.dev, d.test, d.task);
  std::cout << boost::json::serialize(boost::json::object{{"rounds", run.rounds.size()},
                                                          {"untrained_dev_loss", untrained},
                                                          {"first_train_loss", run.rounds.front().train_loss},
                                                          {"dev_accuracy", run.best_dev.accuracy},
                                                          {"test_accuracy", run.test->accuracy},
                                                          {"test_count", run.test->count}})
            << std::endl;
  return 0;
} catch (const std::exception& e) {
  std::cerr << "gpta_example_custom_student: " << e.what() << "\n";
  return 1;
}
