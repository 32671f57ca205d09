// Example and dataset types shared by loaders, students and the trainer.
// A dataset is plain data: examples in file order plus what the loader had to say about them.
#pragma once

#include <cstddef>
#include <concepts>
#include <string>
#include <vector>

namespace gpta {

/// One labelled text for classification (sentiment and friends). `label` indexes label_names.
struct text_example {
  std::string text;
  int label = -1;

  friend bool operator==(const text_example&, const text_example&) = default;
};

/// Any example that carries an integer class label: what stratified sampling needs.
template <class E>
concept labelled_example = requires(const E& e) {
  { e.label } -> std::convertible_to<int>;
};

/// Examples of one kind plus their provenance. Loaders never drop rows silently: a row a
/// format defines as skippable is counted in `skipped` and explained in `notes`.
template <class Example>
struct dataset {
  using example_type = Example;

  std::string name;                      ///< e.g. "sst2"
  std::string source;                    ///< file or folder the examples came from
  std::vector<std::string> label_names;  ///< label i is label_names[i] (empty for non-classification)
  std::vector<Example> examples;
  std::size_t skipped = 0;               ///< rows the format says to skip (e.g. neutral in binary mode)
  std::vector<std::string> notes;        ///< human-readable reasons for `skipped`

  [[nodiscard]] std::size_t size() const noexcept { return examples.size(); }
  [[nodiscard]] bool empty() const noexcept { return examples.empty(); }
  [[nodiscard]] std::size_t num_classes() const noexcept { return label_names.size(); }
  const Example& operator[](std::size_t i) const { return examples[i]; }
};

using text_dataset = dataset<text_example>;

/// Pick rows by index into a new dataset carrying the same metadata.
template <class Example>
[[nodiscard]] dataset<Example> subset(const dataset<Example>& d, const std::vector<std::size_t>& rows) {
  dataset<Example> out;
  out.name = d.name;
  out.source = d.source;
  out.label_names = d.label_names;
  out.examples.reserve(rows.size());
  for (std::size_t r : rows) out.examples.push_back(d.examples.at(r));
  return out;
}

}  // namespace gpta
