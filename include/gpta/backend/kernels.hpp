// Umbrella header of the Thrust kernels of the transformer student (g++ for CPP/OMP, nvcc for CUDA).
// Matrix products are separate: gemm.hpp (host-readable memory, Eigen) or gemm_cublas.cuh (CUDA).
//
// Kernels (all take a thrust_backend<System> first, views of that system's memory after):
//   embedding_gather / embedding_scatter_add      embedding.hpp
//   layer_norm_forward / layer_norm_backward       layer_norm.hpp
//   masked_softmax_forward / _backward             softmax.hpp
//   gelu_forward / gelu_backward                   gelu.hpp
//   dropout_apply (counter-based, host-identical)  dropout.hpp
//   softmax_cross_entropy_rows                     cross_entropy.hpp
//   adamw_update, make_adamw_coefficients          adamw.hpp
//   clip_global_norm, scale                        grad_clip.hpp
//   add_bias_rows, bias_backward                   bias.hpp
//   sum, sum_of_squares, dot, max_abs, column sums reduce.hpp
#pragma once

#include <gpta/backend/adamw.hpp>
#include <gpta/backend/backend.hpp>
#include <gpta/backend/bias.hpp>
#include <gpta/backend/counter_rng.hpp>
#include <gpta/backend/cross_entropy.hpp>
#include <gpta/backend/dropout.hpp>
#include <gpta/backend/embedding.hpp>
#include <gpta/backend/gelu.hpp>
#include <gpta/backend/grad_clip.hpp>
#include <gpta/backend/layer_norm.hpp>
#include <gpta/backend/matrix_view.hpp>
#include <gpta/backend/reduce.hpp>
#include <gpta/backend/softmax.hpp>
#include <gpta/backend/thrust_backend.hpp>
