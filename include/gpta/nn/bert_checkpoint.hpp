// Moves a parameter_store to and from safetensors files: pretrained BERT checkpoints in, fine-tuned
// students out (atomic writes), matching tensors by name with or without the "bert." prefix.
#pragma once

#include <cstddef>
#include <filesystem>
#include <map>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <gpta/detail/error.hpp>
#include <gpta/nn/bert_parameters.hpp>
#include <gpta/nn/safetensors.hpp>

namespace gpta::nn {

/// What load_parameters did: which store tensors the file filled and which it lacked.
struct load_report {
  std::vector<std::string> loaded;
  std::vector<std::string> missing;  ///< kept their current (e.g. freshly initialised) values
};

/// Fills every tensor of the flat row-major buffer `values` laid out by `slots` that `file` holds
/// (under its name or with/without "bert."). A tensor whose name starts with one of
/// `required_prefixes` and is absent is a data_error naming the file and tensor; others (a new
/// task head) are reported as missing. Shapes must match, except that [n] in the file fills a
/// [1 x n] bias or norm. Any backend's students share it (their parameters come to the host flat).
template <class Scalar>
load_report load_flat_parameters(std::span<const tensor_slot> slots, Scalar* values, const safetensors_file& file,
                                 const std::vector<std::string>& required_prefixes = {"embeddings.", "encoder."}) {
  load_report report;
  for (const tensor_slot& s : slots) {
    const auto stored = file.resolve(s.name);
    if (!stored) {
      for (const auto& p : required_prefixes)
        if (std::string_view(s.name).starts_with(p))
          throw data_error(errc::bad_record, file.path(), 0, "checkpoint has no tensor '" + s.name + "'");
      report.missing.push_back(s.name);
      continue;
    }
    const auto& info = file.info(*stored);
    const bool as_matrix = info.shape.size() == 2 && info.shape[0] == s.rows && info.shape[1] == s.cols;
    const bool as_vector = info.shape.size() == 1 && s.rows == 1 && info.shape[0] == s.cols;
    if (!as_matrix && !as_vector) {
      std::string shape;
      for (auto d : info.shape) {
        // Appends only: `"x" + std::to_string(d)` trips GCC 12's false -Wrestrict (PR 105329).
        if (!shape.empty()) shape += 'x';
        shape += std::to_string(d);
      }
      throw data_error(errc::bad_record, file.path(), 0,
                       "tensor '" + *stored + "' has shape [" + shape + "], the model expects [" +
                           std::to_string(s.rows) + "x" + std::to_string(s.cols) + "]");
    }
    const std::vector<float> read = file.read_f32(*stored);
    for (std::size_t i = 0; i < s.size(); ++i) values[s.offset + i] = static_cast<Scalar>(read[i]);
    report.loaded.push_back(s.name);
  }
  return report;
}

/// load_flat_parameters into a parameter_store.
template <class Scalar>
load_report load_parameters(parameter_store<Scalar>& params, const safetensors_file& file,
                            const std::vector<std::string>& required_prefixes = {"embeddings.", "encoder."}) {
  return load_flat_parameters<Scalar>(params.slots(), params.values().data(), file, required_prefixes);
}

template <class Scalar>
load_report load_parameters(parameter_store<Scalar>& params, const std::filesystem::path& path,
                            const std::vector<std::string>& required_prefixes = {"embeddings.", "encoder."}) {
  return load_parameters(params, safetensors_file::open(path), required_prefixes);
}

/// Writes every tensor of the flat row-major buffer `values` laid out by `slots` as F32 (biases
/// and norms as [n], like PyTorch), atomically.
template <class Scalar>
void save_flat_parameters(std::span<const tensor_slot> slots, const Scalar* values, const std::filesystem::path& path,
                          const std::map<std::string, std::string>& metadata = {}) {
  std::map<std::string, f32_tensor> tensors;
  for (const tensor_slot& s : slots) {
    f32_tensor t;
    t.shape = s.rows == 1 ? std::vector<std::int64_t>{s.cols} : std::vector<std::int64_t>{s.rows, s.cols};
    t.values.assign(values + s.offset, values + s.offset + s.size());
    tensors.emplace(s.name, std::move(t));
  }
  write_safetensors(path, tensors, metadata);
}

/// save_flat_parameters of a parameter_store.
template <class Scalar>
void save_parameters(const parameter_store<Scalar>& params, const std::filesystem::path& path,
                     const std::map<std::string, std::string>& metadata = {}) {
  save_flat_parameters<Scalar>(params.slots(), params.values().data(), path, metadata);
}

}  // namespace gpta::nn
