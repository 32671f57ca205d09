// TA latency hidden behind training: GPTA's wall time divided by plain training's wall time, with
// the teaching assistant a loopback OpenAI-compatible server that answers after a set delay.
//
//   gpta_bench_overlap [--student bow|minilm] [--delay-ms N] [--rounds 5] [--k-per-class 200]
//                      [--epochs 3] [--candidates 3] [--probe-steps 10] [--batch 16] [--seed 1]
//
// Three runs on the same SST-2 low-resource split and seed: plain training (no prefix, no TA);
// GPTA with the dialogue gradient, TA exchanges sequential; the same with overlap (the request is
// in flight while the next round trains). --delay-ms defaults to one plain round's wall time, the
// latency overlap can hide at best. Prints one JSON line; progress on stderr.
#include <gpta/data/registry.hpp>
#include <gpta/data/sampling.hpp>
#include <gpta/gpta.hpp>
#include <gpta/llm.hpp>
#include <gpta/prompt/dialogue_gradient.hpp>
#include <gpta/prompt/no_prefix.hpp>
#include <gpta/student/bert_student.hpp>
#include <gpta/student/bow_classifier.hpp>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>

#include <boost/json.hpp>

#include "../tests/support/llm_test_server.hpp"
#include "bench_util.hpp"

namespace {

using gpta::bench::now;

using gpta::test::server_action;

struct settings {
  std::string student = "bow";
  long delay_ms = -1;
  int rounds = 5, epochs = 3;
  std::size_t k_per_class = 200, candidates = 3, probe_steps = 10, batch = 16;
  std::uint64_t seed = 1;
  std::string minilm_dir = std::getenv("GPTA_MINILM_DIR") ? std::getenv("GPTA_MINILM_DIR") : "";
};

struct timing {
  double seconds = 0, ta_wait = 0, test = 0;
  std::size_t requests = 0;
  std::string best_prefix;
};

/// Round 0: one prefix; after a round: `n` numbered revisions, so every candidate is new.
server_action deterministic_ta(const gpta::test::recorded_request& req, std::chrono::milliseconds delay) {
  const auto messages = req.json().at("messages").as_array();
  const std::size_t turn = messages.size();
  std::string answer;
  if (turn <= 2) {
    answer = "<prefix>Read the movie review.</prefix>";
  } else {
    for (int i = 0; i < 3; ++i)
      answer += "<prefix>Decide whether this review is positive or negative, take " + std::to_string(turn) + "." +
                std::to_string(i) + "</prefix>\n";
  }
  return server_action::ok(answer).after(delay);
}

template <class Student, class Strategy, class Transport>
timing run_once(Student student, Strategy strategy, Transport transport, gpta::trainer_options o,
                const gpta::text_dataset& train, const gpta::text_dataset& dev, const gpta::text_dataset& test,
                const gpta::task_info& task) {
  gpta::basic_trainer<Student, Strategy, Transport> t(std::move(student), std::move(strategy),
                                                      std::forward<Transport>(transport), o);
  const double t0 = now();
  const auto run = t.fit(train, dev, test, task);
  timing r;
  r.seconds = now() - t0;
  for (const auto& rr : run.rounds) r.ta_wait += rr.ta_wait_seconds;
  r.requests = run.ta_requests;
  r.test = run.test ? run.test->score : 0.0;
  r.best_prefix = run.best_prefix;
  return r;
}

}  // namespace

int main(int argc, char** argv) {
  settings s;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string k = argv[i], v = argv[i + 1];
    if (k == "--student") s.student = v;
    else if (k == "--delay-ms") s.delay_ms = std::stol(v);
    else if (k == "--rounds") s.rounds = std::stoi(v);
    else if (k == "--epochs") s.epochs = std::stoi(v);
    else if (k == "--k-per-class") s.k_per_class = std::stoul(v);
    else if (k == "--candidates") s.candidates = std::stoul(v);
    else if (k == "--probe-steps") s.probe_steps = std::stoul(v);
    else if (k == "--batch") s.batch = std::stoul(v);
    else if (k == "--seed") s.seed = std::stoull(v);
    else if (k == "--minilm-dir") s.minilm_dir = v;
    else {
      std::cerr << "unknown option " << k << "\n";
      return 2;
    }
  }
  if (s.student != "bow" && s.student != "minilm") {
    std::cerr << "--student must be bow or minilm\n";
    return 2;
  }
  if (s.student == "minilm" && s.minilm_dir.empty()) {
    std::cerr << "--student minilm needs --minilm-dir or GPTA_MINILM_DIR (scripts/install_models.sh prints it)\n";
    return 2;
  }

  const auto all = gpta::data::load_task("sst2", GPTA_DEFAULT_DATA_DIR);
  const auto split = gpta::data::low_resource_split(all, s.k_per_class, 100, 1000, 0, s.seed);
  const auto train = subset(all, split.train), dev = subset(all, split.dev), test = subset(all, split.test);
  auto task = gpta::data::default_task_info("sst2");

  gpta::trainer_options o;
  o.rounds = s.rounds;
  o.epochs_per_round = s.epochs;
  o.batch_size = s.batch;
  o.candidates = s.candidates;
  o.probe_steps = s.probe_steps;
  o.seed = s.seed;
  o.progress = false;

  auto bench = [&](auto make) {
    // 1. plain training: the anchor.
    std::cerr << "plain training (" << s.student << ", " << train.size() << " examples, " << s.rounds << " rounds x "
              << s.epochs << " epochs)...\n";
    const timing plain = run_once(make(), gpta::no_prefix{}, gpta::null_transport{}, o, train, dev, test, task);
    const long delay = s.delay_ms >= 0 ? s.delay_ms : static_cast<long>(1000.0 * plain.seconds / s.rounds);
    std::cerr << "  " << plain.seconds << " s; TA delay " << delay << " ms\n";

    gpta::test::llm_test_server server(
        [delay](const gpta::test::recorded_request& r, std::size_t) {
          return deterministic_ta(r, std::chrono::milliseconds(delay));
        });
    auto gpta_run = [&](bool overlap) {
      gpta::openai_options oo;
      oo.base_url = server.base_url();
      oo.request_timeout = std::chrono::milliseconds(60000 + 2 * delay);
      gpta::dialogue_gradient_options dg;
      dg.ta.model = "loopback";
      dg.ta.seed = 1;
      auto opts = o;
      opts.overlap = overlap;
      std::cerr << "GPTA, TA " << (overlap ? "overlapped" : "sequential") << "...\n";
      const timing t = run_once(make(), gpta::dialogue_gradient(dg), gpta::openai_transport(oo), opts, train, dev,
                                test, task);
      std::cerr << "  " << t.seconds << " s, " << t.requests << " TA requests, waited " << t.ta_wait << " s\n";
      return t;
    };
    const timing seq = gpta_run(false), ovl = gpta_run(true);
    boost::json::object out{{"benchmark", "overlap"},
                            {"student", s.student},
                            {"train_examples", train.size()},
                            {"rounds", s.rounds},
                            {"epochs_per_round", s.epochs},
                            {"candidates", s.candidates},
                            {"probe_steps", s.probe_steps},
                            {"ta_delay_ms", delay},
                            {"plain_s", plain.seconds},
                            {"gpta_sequential_s", seq.seconds},
                            {"gpta_overlap_s", ovl.seconds},
                            {"ratio_sequential", seq.seconds / plain.seconds},
                            {"ratio_overlap", ovl.seconds / plain.seconds},
                            {"ta_requests_sequential", seq.requests},
                            {"ta_requests_overlap", ovl.requests},
                            {"ta_wait_sequential_s", seq.ta_wait},
                            {"ta_wait_overlap_s", ovl.ta_wait},
                            {"test_plain", plain.test},
                            {"test_sequential", seq.test},
                            {"test_overlap", ovl.test}};
    std::cout << boost::json::serialize(out) << std::endl;
  };

  if (s.student == "bow") {
    gpta::student::bow_options b;
    b.seed = s.seed;
    const auto vocab = gpta::student::bow_classifier::fit_vocabulary(train.examples);
    bench([&] { return gpta::student::bow_classifier(vocab, 2, b); });
  } else {
    gpta::bert_student_options bo;
    bo.seed = s.seed;
    bo.max_length = 64;
    bench([&] { return gpta::bert_student::from_pretrained(s.minilm_dir, bo); });
  }
  return 0;
}
