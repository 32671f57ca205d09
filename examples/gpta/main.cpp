// The gpta command-line program: `gpta train|compare|chat ...`, built on the public headers only.
#include <cstdio>
#include <exception>
#include <iostream>
#include <string>
#include <vector>

#if defined(GPTA_CLI_HAS_MPI)
#include <optional>

#include <gpta/mpi/communicator.hpp>
#endif

#include "cli.hpp"

namespace gpta::cli {
int cmd_train(const std::vector<std::string>& args);
int cmd_compare(const std::vector<std::string>& args);
int cmd_eval(const std::vector<std::string>& args);
int cmd_curve(const std::vector<std::string>& args);
int cmd_transfer(const std::vector<std::string>& args);
int cmd_report(const std::vector<std::string>& args);
int cmd_squad_eval(const std::vector<std::string>& args);
int cmd_rouge(const std::vector<std::string>& args);
#ifdef GPTA_CLI_HAS_CHAT
int cmd_chat(const std::vector<std::string>& args);
#endif
}  // namespace gpta::cli

namespace {
void print_usage() {
  std::cerr << "usage: gpta <command> [flags]\n"
               "commands:\n"
               "  train     train a student on a task with one prompt strategy\n"
               "  compare   run several strategies over several seeds on the same splits\n"
               "  eval      score a finished run's best prefix and weights (or a compare folder's runs) on any file\n"
               "  curve     test score and over-fitting by training size, per strategy (--k 4,8,16,32)\n"
               "  transfer  prefixes learned on source tasks used on target tasks: a matrix of gains over none\n"
               "  report    one self-contained HTML page from a compare, curve or transfer folder\n"
               "  squad-eval score SQuAD v1.1 predictions (DATA.json PRED.json) with the official metric\n"
               "  rouge     score summaries (--pred FILE --ref FILE) with ROUGE-1/2/L/Lsum as rouge-score does\n"
#ifdef GPTA_CLI_HAS_CHAT
               "  chat      send one message to an OpenAI-compatible server and print the reply\n"
#endif
               "run 'gpta <command> --help' for its flags\n";
}
}  // namespace

namespace {
/// The error line, and under mpirun with several processes the end of the whole job (a rank
/// that stops alone would leave the others waiting in a collective).
int fail(const char* what, int code) {
#if defined(GPTA_CLI_HAS_MPI)
  if (gpta::mpi::world_size() > 1) {
    std::cerr << "error (rank " << gpta::mpi::world_rank() << "): " << what << std::endl;
    MPI_Abort(MPI_COMM_WORLD, code);
  }
#endif
  std::cerr << "error: " << what << "\n";
  return code;
}
}  // namespace

int main(int argc, char** argv) {
#if defined(GPTA_CLI_HAS_MPI)
  // `mpirun -np N gpta train ...`: every rank runs the command; rank 0 prints.
  std::optional<gpta::mpi::environment> mpi;
  if (gpta::mpi::launched_by_mpirun()) mpi.emplace(argc, argv);
  if (gpta::mpi::world_rank() > 0) std::cout.rdbuf(nullptr);
#endif
  if (argc < 2) {
    print_usage();
    return 2;
  }
  const std::string command = argv[1];
  std::vector<std::string> args(argv + 2, argv + argc);
  try {
    if (command == "train") return gpta::cli::cmd_train(args);
    if (command == "compare") return gpta::cli::cmd_compare(args);
    if (command == "eval") return gpta::cli::cmd_eval(args);
    if (command == "curve") return gpta::cli::cmd_curve(args);
    if (command == "transfer") return gpta::cli::cmd_transfer(args);
    if (command == "report") return gpta::cli::cmd_report(args);
    if (command == "squad-eval") return gpta::cli::cmd_squad_eval(args);
    if (command == "rouge") return gpta::cli::cmd_rouge(args);
#ifdef GPTA_CLI_HAS_CHAT
    if (command == "chat") return gpta::cli::cmd_chat(args);
#endif
    if (command == "--help" || command == "-h" || command == "help") {
      print_usage();
      return 0;
    }
    std::cerr << "error: unknown command '" << command << "'\n";
    print_usage();
    return 2;
  } catch (const gpta::cli::usage_error& e) {
    return fail(e.what(), 2);
  } catch (const std::exception& e) {
    return fail(e.what(), 1);
  }
}
