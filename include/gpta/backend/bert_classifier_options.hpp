// What bert_classifier<Backend> is configured with: the training hyper-parameters every backend
// BERT model reads (bert_model_options.hpp, which also holds token_batch_ref) plus its head's.
#pragma once

#include <cstddef>
#include <stdexcept>
#include <string>

#include <gpta/backend/bert_model_kernels.hpp>
#include <gpta/backend/bert_model_options.hpp>

namespace gpta::backend {

/// Hyper-parameters: the fields of gpta::bert_student_options that training reads (see
/// classifier_options_from in bert_from_student.hpp), same defaults and meaning.
struct bert_classifier_options : bert_training_options {
  std::size_t num_labels = 2;
  bert_pooling_mode pooling = bert_pooling_mode::mean;
  double classifier_dropout = 0.1;

  void validate() const {
    const std::string who = "gpta::backend::bert_classifier";
    if (num_labels < 2) throw std::invalid_argument(who + ": num_labels must be >= 2");
    if (!(classifier_dropout >= 0 && classifier_dropout < 1))
      throw std::invalid_argument(who + ": classifier_dropout must be in [0, 1)");
    validate_training(who);
  }
};

}  // namespace gpta::backend
