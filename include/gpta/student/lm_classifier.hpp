// A causal LM as a text classifier (`gpta train --student qwen0.5b`): the prefix is an instruction
// inside the prompt template, a class is scored by the log-probability of its label word as the
// answer, and LoRA fine-tuning minimises the cross-entropy over the label words (LM-BFF-style
// prompt-based fine-tuning). Without any training step it is a zero-shot classifier.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/json.hpp>

#include <gpta/data/example.hpp>
#include <gpta/student/lm_prompt.hpp>
#include <gpta/student/lm_tuner.hpp>

namespace gpta {

struct lm_classifier_options {
  /// The verbaliser: label i is answered by labels[i] (default: the task's label_names). Scores
  /// are exact for words of several tokens too (one sequence per class is scored then).
  std::vector<std::string> labels;
  student::lm_prompt_options prompt;
  student::lm_tuning_options tuning;
  std::size_t eval_batch_size = 8;  ///< examples per forward pass in predict/loss

  void validate() const {
    if (labels.size() < 2) throw std::invalid_argument("gpta::lm_classifier: needs at least 2 label words");
    for (std::size_t i = 0; i < labels.size(); ++i)
      if (labels[i].empty()) throw std::invalid_argument("gpta::lm_classifier: label word " + std::to_string(i) + " is empty");
    if (eval_batch_size == 0) throw std::invalid_argument("gpta::lm_classifier: eval_batch_size must be > 0");
    tuning.validate();
  }
};

/// The options as JSON (checkpoints store them) and back.
[[nodiscard]] inline boost::json::object to_json(const lm_classifier_options& o) {
  boost::json::array labels;
  for (const auto& l : o.labels) labels.push_back(boost::json::value(l));
  const auto& t = o.tuning;
  return {{"labels", std::move(labels)},
          {"template", student::lm_template_name(o.prompt.format)},
          {"system", o.prompt.system ? boost::json::value(*o.prompt.system) : boost::json::value(nullptr)},
          {"cue", o.prompt.cue},
          {"max_length", o.prompt.max_length},
          {"prefix_budget", o.prompt.prefix_budget},
          {"lora_rank", t.lora.rank},
          {"lora_alpha", t.lora.alpha},
          {"lora_dropout", t.lora.dropout},
          {"lora_modules", t.lora.modules},
          {"learning_rate", t.learning_rate},
          {"weight_decay", t.weight_decay},
          {"adam_beta1", t.adam_beta1},
          {"adam_beta2", t.adam_beta2},
          {"adam_epsilon", t.adam_epsilon},
          {"warmup_steps", t.warmup_steps},
          {"total_steps", t.total_steps},
          {"max_grad_norm", t.max_grad_norm},
          {"seed", t.seed},
          {"eval_batch_size", o.eval_batch_size}};
}

[[nodiscard]] inline lm_classifier_options lm_classifier_options_from_json(const boost::json::object& j) {
  lm_classifier_options o;
  for (const auto& l : j.at("labels").as_array()) o.labels.emplace_back(l.as_string());
  o.prompt.format = student::parse_lm_template(j.at("template").as_string());
  if (j.at("system").is_null())
    o.prompt.system.reset();
  else
    o.prompt.system = std::string(j.at("system").as_string());
  o.prompt.cue = j.at("cue").as_string();
  o.prompt.max_length = j.at("max_length").to_number<std::size_t>();
  o.prompt.prefix_budget = j.at("prefix_budget").to_number<std::size_t>();
  auto& t = o.tuning;
  t.lora.rank = j.at("lora_rank").to_number<Eigen::Index>();
  t.lora.alpha = j.at("lora_alpha").to_number<double>();
  t.lora.dropout = j.at("lora_dropout").to_number<double>();
  t.lora.modules = j.at("lora_modules").to_number<unsigned>();
  t.learning_rate = j.at("learning_rate").to_number<double>();
  t.weight_decay = j.at("weight_decay").to_number<double>();
  t.adam_beta1 = j.at("adam_beta1").to_number<double>();
  t.adam_beta2 = j.at("adam_beta2").to_number<double>();
  t.adam_epsilon = j.at("adam_epsilon").to_number<double>();
  t.warmup_steps = j.at("warmup_steps").to_number<std::int64_t>();
  t.total_steps = j.at("total_steps").to_number<std::int64_t>();
  t.max_grad_norm = j.at("max_grad_norm").to_number<double>();
  t.seed = j.at("seed").to_number<std::uint64_t>();
  o.eval_batch_size = j.at("eval_batch_size").to_number<std::size_t>();
  return o;
}

template <class Scalar = float>
class basic_lm_classifier {
 public:
  using scalar_type = Scalar;
  using example_type = text_example;
  using prediction_type = int;
  using state_type = student::lm_adapter_state<Scalar>;
  using base_type = student::lm_base_model<Scalar>;

  /// A classifier on a base model already loaded (several students may share one base).
  /// `kind`: the name save() writes as gpta.kind and load_weights() requires (students built on
  /// this one, such as lm_choice_reader, save under their own name).
  basic_lm_classifier(std::shared_ptr<base_type> base, lm_classifier_options options,
                      std::string kind = "lm_classifier")
      : kind_(std::move(kind)),
        options_((options.validate(), std::move(options))),
        tuner_(std::move(base), options_.tuning),
        prompt_(tuner_.base().tokenizer, options_.prompt) {
    for (const auto& l : options_.labels) {
      words_.push_back(prompt_.encode_answer(l));
      if (words_.back().empty()) throw std::invalid_argument("gpta::lm_classifier: label word '" + l + "' encodes to no token");
      longest_ = std::max(longest_, words_.back().size());
    }
    // One sequence per example suffices when every label word is one token and they differ.
    single_token_ = longest_ == 1;
    for (std::size_t a = 0; a < words_.size(); ++a)
      for (std::size_t b = a + 1; b < words_.size(); ++b)
        if (words_[a] == words_[b]) throw std::invalid_argument("gpta::lm_classifier: label words " +
                                                                 std::to_string(a) + " and " + std::to_string(b) +
                                                                 " encode to the same tokens");
  }

  /// Loads `gguf` (decoder, tokenizer, hash) and builds a classifier on it.
  [[nodiscard]] static basic_lm_classifier from_gguf(const std::filesystem::path& gguf, lm_classifier_options options) {
    return basic_lm_classifier(student::load_lm_base<Scalar>(gguf), std::move(options));
  }

  /// One AdamW step on the adapters; the batch's mean cross-entropy over label words before it.
  double train_step(std::span<const text_example> batch, std::string_view prefix) {
    if (batch.empty()) throw std::invalid_argument("gpta::lm_classifier::train_step: empty batch");
    const auto q = build(batch, prefix);
    const auto labels = checked(batch);
    return tuner_.step([&](auto& decoder, auto& adapters, const nn::dropout_context& drop) {
      return decoder.objective_and_grad(q.sequences, q.targets, adapters, drop,
                                        [&](std::span<const double> logp, std::span<double> g) {
                                          return class_loss(q, logp, labels, &g);
                                        });
    });
  }

  /// Data parallel (gpta::data_parallel_student): the loss is a mean over examples, so weighted
  /// shard gradients sum to the global batch's.
  double compute_gradients(std::span<const text_example> shard, std::string_view prefix, double weight) {
    if (shard.empty()) {
      tuner_.zero_gradients();
      return 0.0;
    }
    const auto q = build(shard, prefix);
    const auto labels = checked(shard);
    return tuner_.compute_gradients(
        [&](auto& decoder, auto& adapters, const nn::dropout_context& drop) {
          return decoder.objective_and_grad(q.sequences, q.targets, adapters, drop,
                                            [&](std::span<const double> logp, std::span<double> g) {
                                              return class_loss(q, logp, labels, &g);
                                            });
        },
        weight);
  }
  [[nodiscard]] std::span<Scalar> gradient_buffer() noexcept { return tuner_.gradient_buffer(); }
  void apply_gradients() { tuner_.apply_gradients(); }
  [[nodiscard]] std::uint64_t parameter_hash() const noexcept { return tuner_.parameter_hash(); }

  [[nodiscard]] std::vector<int> predict(std::span<const text_example> batch, std::string_view prefix) const {
    return predict_with_loss_impl(batch, prefix, false).first;
  }

  [[nodiscard]] std::pair<std::vector<int>, double> predict_with_loss(std::span<const text_example> batch,
                                                                      std::string_view prefix) const {
    return predict_with_loss_impl(batch, prefix, true);
  }

  [[nodiscard]] double loss(std::span<const text_example> batch, std::string_view prefix) const {
    if (batch.empty()) return 0.0;
    double total = 0;
    for (const double l : example_losses(batch, prefix)) total += l;
    return total / static_cast<double>(batch.size());
  }

  /// Cross-entropy over the label words of each example, in batch order.
  [[nodiscard]] std::vector<double> example_losses(std::span<const text_example> batch, std::string_view prefix) const {
    const auto labels = checked(batch);
    std::vector<double> out(batch.size());
    const auto s = scores(batch, prefix);
    for (std::size_t i = 0; i < batch.size(); ++i) out[i] = cross_entropy(s[i], labels[i], nullptr);
    return out;
  }

  /// log p(label word c | prompt) for every example and class: the zero-shot classifier's view.
  /// The prompt's shared head (template start and prefix) is computed once per call and every
  /// example continues it from the KV cache.
  [[nodiscard]] std::vector<std::vector<double>> scores(std::span<const text_example> batch, std::string_view prefix) const {
    std::vector<std::vector<double>> out;
    out.reserve(batch.size());
    if (batch.empty()) return out;
    const auto head = prompt_.encode_head(prefix);
    tuner_.with_model([&](auto& decoder, const auto& adapters) {
      nn::qwen2_kv_cache<Scalar> cache;
      if (!head.empty()) (void)decoder.extend(cache, head, &adapters);
      for (std::size_t first = 0; first < batch.size(); first += options_.eval_batch_size) {
        const auto part = batch.subspan(first, std::min(options_.eval_batch_size, batch.size() - first));
        const auto q = build(part, prefix, false);
        const auto logp = decoder.log_probs_after(cache, q.sequences, q.targets, &adapters);
        for (std::size_t i = 0; i < part.size(); ++i) out.push_back(class_scores(q, logp, i));
      }
      return 0;
    });
    return out;
  }

  [[nodiscard]] state_type snapshot() const { return tuner_.snapshot(); }
  void restore(const state_type& s) { tuner_.restore(s); }

  /// The adapters, their optimiser state and these options, tied to the base file by its hash.
  void save(const std::filesystem::path& path) const {
    tuner_.save(path, {{"format", "pt"},
                       {"gpta.kind", kind_},
                       {"gpta.options", boost::json::serialize(to_json(options_))}});
  }

  /// A classifier from a file save() wrote: reopens its base GGUF (the path it names) and checks
  /// the hash. `base` skips the reload when the caller already holds that model.
  [[nodiscard]] static basic_lm_classifier load(const std::filesystem::path& path,
                                                std::shared_ptr<base_type> base = nullptr) {
    const auto f = nn::safetensors_file::open(path);
    const auto& meta = f.metadata();
    const auto get = [&](const std::string& k) -> std::string {
      const auto it = meta.find(k);
      if (it == meta.end()) throw data_error(errc::bad_header, path, 0, "metadata has no '" + k + "'");
      return it->second;
    };
    student::check_saved_kind(f, "lm_classifier");
    lm_classifier_options o;
    try {
      o = lm_classifier_options_from_json(boost::json::parse(get("gpta.options")).as_object());
    } catch (const std::exception& e) {
      throw data_error(errc::bad_header, path, 0, std::string("metadata gpta.options: ") + e.what());
    }
    if (!base) {
      const std::filesystem::path gguf = get("gpta.base_path");
      if (!std::filesystem::exists(gguf))
        throw data_error(errc::file_not_found, path, 0, "its base model " + gguf.string() + " does not exist");
      base = student::load_lm_base<Scalar>(gguf);
    }
    basic_lm_classifier c(std::move(base), std::move(o));
    c.tuner_.load(f);
    return c;
  }

  /// The same saved adapters, read onto a base the caller holds (no reload).
  [[nodiscard]] static basic_lm_classifier load(const std::filesystem::path& path, const basic_lm_classifier& like) {
    return load(path, like.tuner_.shared_base());
  }

  /// Adapters (and their optimiser state) from a file save() wrote on this base; this
  /// classifier's options stay. Errors name the file when it holds another kind or base.
  void load_weights(const std::filesystem::path& path) {
    const auto f = nn::safetensors_file::open(path);
    student::check_saved_kind(f, kind_);
    tuner_.load(f);
  }

  [[nodiscard]] const lm_classifier_options& options() const noexcept { return options_; }
  [[nodiscard]] const student::lm_prompt& prompt() const noexcept { return prompt_; }
  [[nodiscard]] const student::lm_tuner<Scalar>& tuner() const noexcept { return tuner_; }
  [[nodiscard]] std::int64_t steps() const noexcept { return tuner_.steps(); }
  [[nodiscard]] bool single_token_labels() const noexcept { return single_token_; }
  /// Prompt token ids the model reads for (prefix, text): inspection and tests.
  [[nodiscard]] std::vector<std::int32_t> encode(std::string_view prefix, std::string_view text) const {
    return prompt_.encode(prefix, text, longest_);
  }

 private:
  // Sequences and targets of a batch, and which targets make up each (example, class) score.
  struct query {
    nn::qwen2_sequences sequences;
    nn::qwen2_targets targets;
    std::vector<std::vector<std::pair<std::size_t, std::size_t>>> ranges;  ///< [example][class] -> [begin, end) in flat logp
  };

  // With `whole`, each sequence is the whole prompt (training); without, only its suffix after
  // the shared head (scoring after the head's KV cache).
  query build(std::span<const text_example> batch, std::string_view prefix, bool whole = true) const {
    query q;
    std::size_t flat = 0;
    for (const auto& e : batch) {
      auto [head, p] = prompt_.encode_parts(prefix, e.text, longest_);
      if (whole) p.insert(p.begin(), head.begin(), head.end());
      auto& r = q.ranges.emplace_back();
      if (single_token_) {
        std::vector<nn::qwen2_target> t;
        for (const auto& w : words_) {
          t.push_back({p.size() - 1, w[0]});
          r.emplace_back(flat, flat + 1);
          ++flat;
        }
        q.sequences.push_back(p);
        q.targets.push_back(std::move(t));
        continue;
      }
      for (const auto& w : words_) {
        std::vector<std::int32_t> s = p;
        std::vector<nn::qwen2_target> t;
        for (std::size_t j = 0; j < w.size(); ++j) t.push_back({p.size() - 1 + j, w[j]});
        s.insert(s.end(), w.begin(), w.end() - 1);  // the last word token is only predicted
        r.emplace_back(flat, flat + w.size());
        flat += w.size();
        q.sequences.push_back(std::move(s));
        q.targets.push_back(std::move(t));
      }
    }
    return q;
  }

  static std::vector<double> class_scores(const query& q, std::span<const double> logp, std::size_t example) {
    std::vector<double> s;
    for (const auto& [b, e] : q.ranges[example]) {
      double v = 0;
      for (std::size_t k = b; k < e; ++k) v += logp[k];
      s.push_back(v);
    }
    return s;
  }

  /// -log softmax(scores)[label]; with `g`, d/d scores (to be spread over each class's tokens).
  static double cross_entropy(const std::vector<double>& s, int label, std::vector<double>* g) {
    const double mx = *std::max_element(s.begin(), s.end());
    double sum = 0;
    for (const double v : s) sum += std::exp(v - mx);
    const double lse = mx + std::log(sum);
    if (g) {
      g->resize(s.size());
      for (std::size_t c = 0; c < s.size(); ++c) (*g)[c] = std::exp(s[c] - lse) - (static_cast<int>(c) == label ? 1.0 : 0.0);
    }
    return lse - s[static_cast<std::size_t>(label)];
  }

  // Mean cross-entropy of a batch; with `g`, d loss / d logp of every target (a class's score is
  // the sum of its tokens' log-probabilities, so each of its tokens gets the class's gradient).
  static double class_loss(const query& q, std::span<const double> logp, const std::vector<int>& labels,
                           std::span<double>* g) {
    const double inv = 1.0 / static_cast<double>(labels.size());
    double total = 0;
    std::vector<double> gc;
    for (std::size_t i = 0; i < labels.size(); ++i) {
      total += cross_entropy(class_scores(q, logp, i), labels[i], g ? &gc : nullptr);
      if (!g) continue;
      for (std::size_t c = 0; c < gc.size(); ++c)
        for (std::size_t k = q.ranges[i][c].first; k < q.ranges[i][c].second; ++k) (*g)[k] = gc[c] * inv;
    }
    return total * inv;
  }

  std::pair<std::vector<int>, double> predict_with_loss_impl(std::span<const text_example> batch,
                                                             std::string_view prefix, bool with_loss) const {
    const auto s = scores(batch, prefix);
    std::vector<int> pred(batch.size());
    double total = 0;
    const auto labels = with_loss ? checked(batch) : std::vector<int>{};
    for (std::size_t i = 0; i < batch.size(); ++i) {
      pred[i] = static_cast<int>(std::max_element(s[i].begin(), s[i].end()) - s[i].begin());  // first maximum on ties
      if (with_loss) total += cross_entropy(s[i], labels[i], nullptr);
    }
    return {std::move(pred), batch.empty() ? 0.0 : total / static_cast<double>(batch.size())};
  }

  std::vector<int> checked(std::span<const text_example> batch) const {
    std::vector<int> labels;
    for (const auto& e : batch) {
      if (e.label < 0 || static_cast<std::size_t>(e.label) >= words_.size())
        throw std::invalid_argument("gpta::lm_classifier: label " + std::to_string(e.label) + " outside [0, " +
                                    std::to_string(words_.size()) + ")");
      labels.push_back(e.label);
    }
    return labels;
  }

  std::string kind_;
  lm_classifier_options options_;
  student::lm_tuner<Scalar> tuner_;
  student::lm_prompt prompt_;
  std::vector<std::vector<std::int32_t>> words_;
  std::size_t longest_ = 0;
  bool single_token_ = false;
};

/// The Qwen2.5 0.5B (or any Qwen2-family GGUF) label-word classifier on the host backend.
using lm_classifier = basic_lm_classifier<>;

}  // namespace gpta
