// spec_runner: converts each official .wast with wast2json and runs it in a child process.
//
//   spec_runner --wast2json PATH --suite DIR --work DIR [-v] [-j N] [--file-timeout S] [NAME...]
//
// NAMEs ("i32" or "i32.wast") restrict the run. Output: per file its failures and a line
// "FILE: P passed, F failed, S skipped" (or "skip FILE: reason"), then the skipped files, then
// exactly "spec: N passed, N failed, N skipped" as the last line. Exit status 0 iff nothing failed.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "spec_process.h"
#include "spec_script.h"

namespace fs = std::filesystem;

namespace tern::spec {
namespace {

using Clock = std::chrono::steady_clock;

struct Options {
  std::string wast2json = "wast2json";
  fs::path suite;
  fs::path work;
  bool verbose = false;
  unsigned jobs = 1;
  int file_timeout_s = 600;
  std::vector<std::string> only;  // stems
};

// Files wabt 1.0.32 cannot convert, with the cause from the suite's README. Only used to explain
// a conversion failure: every file is still converted, and one that converts is run.
const std::map<std::string, std::string>& knownConversionGaps() {
  static const std::map<std::string, std::string> gaps = {
      {"comments", "wast2json 1.0.32 aborts on a ;; comment ended by a bare CR in a module quote"},
      {"if", "wast2json 1.0.32 cannot parse a folded if with several condition instructions"},
      {"table_fill", "wast2json 1.0.32 requires the table index that 2.0 lets default to 0"},
      {"table_get", "wast2json 1.0.32 requires the table index that 2.0 lets default to 0"},
      {"table_grow", "wast2json 1.0.32 requires the table index that 2.0 lets default to 0"},
      {"table_set", "wast2json 1.0.32 requires the table index that 2.0 lets default to 0"},
      {"table_size", "wast2json 1.0.32 requires the table index that 2.0 lets default to 0"},
  };
  return gaps;
}

struct FileOutcome {
  bool ready = false;
  std::string text;         // everything to print for this file, in order
  std::string skip_reason;  // non-empty: the whole file was skipped
  std::string crash;        // non-empty: the child crashed, timed out or died early
  uint64_t passed = 0;
  uint64_t failed = 0;
  uint64_t skipped = 0;
};

struct Running {
  size_t index = 0;
  ScriptChild child;
  Clock::time_point started;
  fs::path log;
};

void usage() {
  std::fprintf(stderr,
               "usage: spec_runner --wast2json PATH --suite DIR --work DIR [-v] [-j N]\n"
               "                   [--file-timeout SECONDS] [NAME...]\n");
}

std::optional<Options> parseArgs(int argc, char** argv) {
  Options options;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    auto next = [&]() -> std::optional<std::string> {
      if (i + 1 >= argc) return std::nullopt;
      return std::string(argv[++i]);
    };
    std::optional<std::string> value;
    if (arg == "-v" || arg == "--verbose") {
      options.verbose = true;
    } else if (arg == "--wast2json" && (value = next())) {
      options.wast2json = *value;
    } else if (arg == "--suite" && (value = next())) {
      options.suite = *value;
    } else if (arg == "--work" && (value = next())) {
      options.work = *value;
    } else if ((arg == "-j" || arg == "--jobs") && (value = next())) {
      options.jobs = static_cast<unsigned>(std::max(1, std::atoi(value->c_str())));
    } else if (arg == "--file-timeout" && (value = next())) {
      options.file_timeout_s = std::max(1, std::atoi(value->c_str()));
    } else if (!arg.empty() && arg[0] != '-') {
      fs::path name(arg);
      options.only.push_back(name.extension() == ".wast" ? name.stem().string()
                                                         : name.filename().string());
    } else {
      return std::nullopt;
    }
  }
  if (options.suite.empty() || options.work.empty()) return std::nullopt;
  return options;
}

std::string firstLine(const std::string& text) {
  std::string line = text.substr(0, text.find('\n'));
  return line.size() > 300 ? line.substr(0, 300) + "..." : line;
}

std::string readFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

std::string fileLine(const std::string& stem, uint64_t passed, uint64_t failed, uint64_t skipped) {
  char buf[256];
  std::snprintf(buf, sizeof buf,
                "%s.wast: %" PRIu64 " passed, %" PRIu64 " failed, %" PRIu64 " skipped\n",
                stem.c_str(), passed, failed, skipped);
  return buf;
}

class SuiteRunner {
 public:
  SuiteRunner(Options options, std::vector<std::string> stems)
      : options_(std::move(options)), stems_(std::move(stems)), outcomes_(stems_.size()) {}

  int run();

 private:
  void launch(size_t index);
  void finish(Running& running, bool timed_out);
  void skipFile(size_t index, std::string reason);
  void printReady();
  int summarize();

  Options options_;
  std::vector<std::string> stems_;
  std::vector<FileOutcome> outcomes_;
  std::vector<Running> running_;
  size_t next_print_ = 0;
};

void SuiteRunner::skipFile(size_t index, std::string reason) {
  FileOutcome& out = outcomes_[index];
  out.ready = true;
  out.skipped = 1;
  out.skip_reason = std::move(reason);
  out.text += "skip " + stems_[index] + ".wast: " + out.skip_reason + " (counted as 1 skip)\n";
}

// Converts the file, then forks a child to run it; conversion failures are skips (README).
void SuiteRunner::launch(size_t index) {
  const std::string& stem = stems_[index];
  const fs::path dir = options_.work / stem;
  std::error_code ec;
  fs::remove_all(dir, ec);
  fs::create_directories(dir, ec);
  const fs::path json = dir / (stem + ".json");
  auto tool = runTool(
      {options_.wast2json, (options_.suite / (stem + ".wast")).string(), "-o", json.string()});
  if (!tool) return skipFile(index, "cannot run wast2json: " + tool.error().message);
  if (tool->exit_code != 0) {
    std::string how = tool->signal != 0 ? "killed by signal " + std::to_string(tool->signal)
                                        : "exit code " + std::to_string(tool->exit_code);
    auto known = knownConversionGaps().find(stem);
    std::string why = known != knownConversionGaps().end()
                          ? known->second + " (" + how + ")"
                          : "wast2json failed (" + how + "): " + firstLine(tool->stderr_text);
    return skipFile(index, why);
  }
  FileOutcome& out = outcomes_[index];
  if (!tool->stderr_text.empty()) {  // e.g. elem.wast: a wabt validation gap, the .wasm is fine
    out.text += "note " + stem +
                ".wast: wast2json succeeded but printed: " + firstLine(tool->stderr_text) + "\n";
  }
  ScriptOptions script_options;
  script_options.verbose = options_.verbose;
  script_options.compile_threads = options_.jobs > 1 ? 1 : 0;
  auto body = [&](Tally& tally) {
    auto ok = runScript(json, script_options, tally);
    if (!ok) {
      ++tally.failed;
      std::printf("  FAIL: script did not run: %s\n", ok.error().toString().c_str());
      tally.done = true;
    }
  };
  const fs::path log = dir / (stem + ".log");
  auto child = ScriptChild::start(body, log);
  if (!child) {
    out.ready = true;
    out.failed = 1;
    out.crash = child.error().message;
    out.text += "  FAIL: cannot start child: " + out.crash + "\n" + fileLine(stem, 0, 1, 0);
    return;
  }
  running_.push_back(Running{index, std::move(*child), Clock::now(), log});
}

void SuiteRunner::finish(Running& running, bool timed_out) {
  FileOutcome& out = outcomes_[running.index];
  const Tally& tally = running.child.tally();
  out.ready = true;
  out.text += readFile(running.log);
  if (!out.text.empty() && out.text.back() != '\n') out.text += '\n';
  out.passed = tally.passed;
  out.failed = tally.failed;
  out.skipped = tally.skipped;
  const int signal = running.child.signal();
  if (timed_out) {
    out.crash = "timed out after " + std::to_string(options_.file_timeout_s) + "s";
  } else if (signal != 0) {
    out.crash = "crashed with signal " + std::to_string(signal) + " (" + strsignal(signal) + ")";
  } else if (!tally.done) {
    out.crash =
        "exited with status " + std::to_string(running.child.exitCode()) + " before finishing";
  }
  if (!out.crash.empty()) {
    out.crash += " at line " + std::to_string(tally.line);
    out.failed += 1;
    out.text += "  FAIL line " + std::to_string(tally.line) + ": " + out.crash +
                " (counts above are from before it)\n";
  }
  if (options_.verbose && tally.notes > 0) {
    out.text += "  notes: " + std::to_string(tally.notes) +
                " trap messages differ from the script's text (not failures)\n";
  }
  out.text += fileLine(stems_[running.index], out.passed, out.failed, out.skipped);
}

void SuiteRunner::printReady() {
  while (next_print_ < outcomes_.size() && outcomes_[next_print_].ready) {
    std::fputs(outcomes_[next_print_].text.c_str(), stdout);
    std::fflush(stdout);
    ++next_print_;
  }
}

int SuiteRunner::run() {
  size_t next_launch = 0;
  while (next_launch < stems_.size() || !running_.empty()) {
    while (running_.size() < options_.jobs && next_launch < stems_.size()) launch(next_launch++);
    bool progressed = false;
    for (size_t i = 0; i < running_.size();) {
      Running& r = running_[i];
      bool timed_out = Clock::now() - r.started > std::chrono::seconds(options_.file_timeout_s);
      if (timed_out) r.child.kill();
      if (timed_out || r.child.poll()) {
        finish(r, timed_out);
        running_.erase(running_.begin() + static_cast<std::ptrdiff_t>(i));
        progressed = true;
      } else {
        ++i;
      }
    }
    printReady();
    if (!progressed && !running_.empty())
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  printReady();
  return summarize();
}

int SuiteRunner::summarize() {
  uint64_t passed = 0, failed = 0, skipped = 0;
  std::string skipped_files, crashed_files;
  for (size_t i = 0; i < outcomes_.size(); ++i) {
    const FileOutcome& out = outcomes_[i];
    passed += out.passed;
    failed += out.failed;
    skipped += out.skipped;
    if (!out.skip_reason.empty())
      skipped_files += "  " + stems_[i] + ".wast: " + out.skip_reason + "\n";
    if (!out.crash.empty()) crashed_files += "  " + stems_[i] + ".wast: " + out.crash + "\n";
  }
  if (!skipped_files.empty()) std::printf("skipped files:\n%s", skipped_files.c_str());
  if (!crashed_files.empty()) std::printf("crashed files:\n%s", crashed_files.c_str());
  std::printf("spec: %" PRIu64 " passed, %" PRIu64 " failed, %" PRIu64 " skipped\n", passed, failed,
              skipped);
  std::fflush(stdout);
  return failed == 0 ? 0 : 1;
}

// The .wast stems to run, sorted; an unknown requested name is an error.
std::optional<std::vector<std::string>> selectFiles(const Options& options) {
  std::vector<std::string> all;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(options.suite, ec)) {
    if (entry.path().extension() == ".wast") all.push_back(entry.path().stem().string());
  }
  if (ec) {
    std::fprintf(stderr, "spec_runner: cannot list %s: %s\n", options.suite.c_str(),
                 ec.message().c_str());
    return std::nullopt;
  }
  std::sort(all.begin(), all.end());
  if (options.only.empty()) return all;
  std::vector<std::string> chosen;
  for (const auto& name : options.only) {
    if (!std::binary_search(all.begin(), all.end(), name)) {
      std::fprintf(stderr, "spec_runner: no %s.wast in %s\n", name.c_str(), options.suite.c_str());
      return std::nullopt;
    }
    chosen.push_back(name);
  }
  std::sort(chosen.begin(), chosen.end());
  chosen.erase(std::unique(chosen.begin(), chosen.end()), chosen.end());
  return chosen;
}

}  // namespace
}  // namespace tern::spec

int main(int argc, char** argv) {
  using namespace tern::spec;
  auto options = parseArgs(argc, argv);
  if (!options) {
    usage();
    return 2;
  }
  auto stems = selectFiles(*options);
  if (!stems) return 2;
  std::error_code ec;
  fs::create_directories(options->work, ec);
  if (ec) {
    std::fprintf(stderr, "spec_runner: cannot create %s: %s\n", options->work.c_str(),
                 ec.message().c_str());
    return 2;
  }
  SuiteRunner runner(std::move(*options), std::move(*stems));
  return runner.run();
}
