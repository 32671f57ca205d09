// From a host BERT student to a backend model: its options and a copy of its weights
// (gpta::bert_student -> bert_classifier, gpta::bert_span_student -> bert_span_extractor). Shared by
// the CPP/OMP entry point (bert_model.hpp) and the Thrust students (which .cu files use too); kept
// out of the model headers so those need no Eigen.
#pragma once

#include <gpta/backend/bert_classifier.hpp>
#include <gpta/backend/bert_span_extractor.hpp>
#include <gpta/nn/bert_heads.hpp>

namespace gpta::backend {

/// The optimisation fields of any BERT student's options (bert_student_options,
/// bert_fine_tuning_options and those deriving from it; duck-typed, no dependency on the students).
template <class StudentOptions>
[[nodiscard]] bert_training_options training_options_from(const StudentOptions& o) {
  bert_training_options c;
  c.learning_rate = o.learning_rate;
  c.weight_decay = o.weight_decay;
  c.adam_beta1 = o.adam_beta1;
  c.adam_beta2 = o.adam_beta2;
  c.adam_epsilon = o.adam_epsilon;
  c.warmup_steps = o.warmup_steps;
  c.total_steps = o.total_steps;
  c.max_grad_norm = o.max_grad_norm;
  c.dropout = o.dropout;
  c.seed = o.seed;
  return c;
}

/// The training fields of a gpta::bert_student_options (duck-typed: no dependency on the student).
template <class StudentOptions>
[[nodiscard]] bert_classifier_options classifier_options_from(const StudentOptions& o) {
  bert_classifier_options c;
  static_cast<bert_training_options&>(c) = training_options_from(o);
  c.num_labels = o.num_labels;
  c.pooling = o.pooling == nn::bert_pooling::cls ? bert_pooling_mode::cls : bert_pooling_mode::mean;
  c.classifier_dropout = o.classifier_dropout;
  return c;
}

/// A backend copy of a gpta::basic_bert_student: same config, weights and options, so both take
/// the same steps from here on. Only reads student.config(), parameters() and options().
template <class Backend, class Student>
[[nodiscard]] bert_classifier<Backend> make_bert_classifier(const Student& student, Backend be = {}) {
  return bert_classifier<Backend>(student.config(), student.parameters(), classifier_options_from(student.options()),
                                  be);
}

/// A backend copy of a gpta::bert_span_student (encoder and "qa_outputs" head, optimisation
/// options); reads student.config(), parameters() and options() only.
template <class Backend, class Student>
[[nodiscard]] bert_span_extractor<Backend> make_bert_span_extractor(const Student& student, Backend be = {}) {
  return bert_span_extractor<Backend>(student.config(), student.parameters(), training_options_from(student.options()),
                                      be);
}

}  // namespace gpta::backend
