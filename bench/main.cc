// loopfs-bench: a load generator for any NFSv3 server, and the tools around it.
//
//   run      the host benchmark against one server (metrics as text and TSV)
//   walk     the memory benchmark's walk of a large tree, with the server's RSS after each pass
//   mktree   writes the trees the benchmarks expect into a local directory
//   compare  medians of several runs of two servers, side by side, with ratios
#include <algorithm>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "bench/fixture_tree.h"
#include "bench/host_suite.h"
#include "bench/proc_stats.h"
#include "bench/result_table.h"
#include "bench/tree_walk.h"

namespace loopfs::bench {
namespace {

void AddEndpointOptions(CLI::App* app, ServerEndpoint* endpoint) {
  app->add_option("--host", endpoint->host, "server address")->capture_default_str();
  app->add_option("--nfs-port", endpoint->nfs_port, "NFS (program 100003) TCP port")
      ->required()
      ->check(CLI::Range(1, 65535));
  app->add_option("--mount-port", endpoint->mount_port, "MOUNT (program 100005) TCP port")
      ->required()
      ->check(CLI::Range(1, 65535));
  app->add_option("--export", endpoint->export_path, "export path to MNT")->capture_default_str();
}

bool WriteFile(const std::string& path, const std::string& text, std::string* error) {
  std::ofstream out(path, std::ios::trunc);
  out << text;
  out.close();
  if (!out) {
    *error = "cannot write " + path;
    return false;
  }
  return true;
}

bool ReadMetrics(const std::string& path, std::vector<Metric>* metrics, std::string* error) {
  std::ifstream in(path);
  if (!in) {
    *error = "cannot read " + path;
    return false;
  }
  std::ostringstream text;
  text << in.rdbuf();
  auto parsed = ParseTsv(text.str(), error);
  if (!parsed) {
    *error = path + ": " + *error;
    return false;
  }
  *metrics = std::move(*parsed);
  return true;
}

std::string RssLine(const char* when, const std::optional<ProcessSample>& sample) {
  if (!sample) return fmt::format("{:<16} (server process not readable)", when);
  return fmt::format("{:<16} RSS {:8.1f} MiB   peak (VmHWM) {:8.1f} MiB", when,
                     static_cast<double>(sample->rss_kib) / 1024.0,
                     static_cast<double>(sample->hwm_kib) / 1024.0);
}

int RunCommand(const HostSuiteOptions& options, const std::string& tsv_path) {
  std::vector<Metric> metrics;
  std::string error;
  if (!RunHostSuite(options, &metrics, std::cout, &error)) {
    std::cerr << "loopfs-bench run: " << error << "\n";
    return 1;
  }
  if (!tsv_path.empty() && !WriteFile(tsv_path, FormatTsv(metrics), &error)) {
    std::cerr << "loopfs-bench run: " << error << "\n";
    return 1;
  }
  return 0;
}

struct WalkCommand {
  ServerEndpoint endpoint;
  pid_t server_pid = 0;
  std::string path = "tree";
  int passes = 2;
  int connections = 4;
  double time_limit_seconds = 600;
  WalkOptions walk;
  std::string tsv_path;
};

int RunWalk(WalkCommand& command) {
  std::string error;
  NfsSession session;
  if (!session.Open(command.endpoint, command.connections, &error)) {
    std::cerr << "loopfs-bench walk: " << error << "\n";
    return 1;
  }
  FileHandle top;
  if (!session.LookupPath(command.path, &top, &error)) {
    std::cerr << "loopfs-bench walk: " << command.path << ": " << error << "\n";
    return 1;
  }
  std::vector<Metric> metrics;
  auto sample_rss = [&](const std::string& when) {
    if (command.server_pid <= 0) return;
    const auto sample = SampleProcess(command.server_pid);
    std::cout << RssLine(when.c_str(), sample) << std::endl;
    if (sample) {
      metrics.push_back(
          Metric{"memory", "RSS MiB " + when, static_cast<double>(sample->rss_kib) / 1024.0,
                 Better::kLower});
      metrics.push_back(
          Metric{"memory", "peak MiB " + when, static_cast<double>(sample->hwm_kib) / 1024.0,
                 Better::kLower});
    }
  };
  sample_rss("before");
  command.walk.time_limit = std::chrono::duration_cast<Clock::duration>(
      std::chrono::duration<double>(command.time_limit_seconds));
  for (int pass = 1; pass <= command.passes; ++pass) {
    WalkStats stats;
    if (!WalkTree(session, top, command.walk, &stats, &error)) {
      std::cerr << "loopfs-bench walk: pass " << pass << ": " << error << "\n";
      return 1;
    }
    std::cout << fmt::format(
                     "walk {}: {} directories, {} entries, {} calls in {:.1f} s ({:.0f} calls/s), "
                     "{} errors",
                     pass, stats.directories, stats.entries, stats.calls, stats.seconds,
                     static_cast<double>(stats.calls) / std::max(stats.seconds, 1e-9),
                     stats.errors)
              << std::endl;
    metrics.push_back(Metric{"walk", fmt::format("pass {} entries", pass),
                             static_cast<double>(stats.entries), Better::kNeither});
    metrics.push_back(Metric{"walk", fmt::format("pass {} seconds", pass), stats.seconds,
                             Better::kLower});
    metrics.push_back(Metric{"walk", fmt::format("pass {} errors", pass),
                             static_cast<double>(stats.errors), Better::kLower});
    sample_rss(fmt::format("after walk {}", pass));
    if (stats.errors > 0) {
      std::cerr << "loopfs-bench walk: the server failed " << stats.errors << " calls\n";
      return 1;
    }
  }
  if (!command.tsv_path.empty() && !WriteFile(command.tsv_path, FormatTsv(metrics), &error)) {
    std::cerr << "loopfs-bench walk: " << error << "\n";
    return 1;
  }
  return 0;
}

int RunCompare(const std::string& name_a, const std::vector<std::string>& files_a,
               const std::string& name_b, const std::vector<std::string>& files_b,
               bool host_targets) {
  std::vector<std::vector<Metric>> runs_a;
  std::vector<std::vector<Metric>> runs_b;
  std::string error;
  for (const auto* files : {&files_a, &files_b}) {
    auto& runs = files == &files_a ? runs_a : runs_b;
    for (const std::string& path : *files) {
      std::vector<Metric> metrics;
      if (!ReadMetrics(path, &metrics, &error)) {
        std::cerr << "loopfs-bench compare: " << error << "\n";
        return 1;
      }
      runs.push_back(std::move(metrics));
    }
  }
  const auto rows = Compare(runs_a, runs_b);
  std::cout << FormatComparison(rows, name_a, files_b.empty() ? "" : name_b);
  if (host_targets && !files_b.empty()) {
    std::cout << "\nTargets (issue 4, ratio " << name_a << "/" << name_b << "):\n"
              << FormatTargets(rows, HostTargets());
  }
  return 0;
}

int Main(int argc, char** argv) {
  CLI::App app{
      "loopfs-bench: NFSv3 load generator (libnfs, asynchronous, many calls in flight on\n"
      "several connections) and the tools of the loopfs host and memory benchmarks.\n"
      "See bench/README.md; bench/host-bench.sh and bench/mem-bench.sh drive it."};
  app.require_subcommand(1);

  HostSuiteOptions run;
  std::string run_tests;
  std::string run_tsv;
  CLI::App* run_cmd = app.add_subcommand("run", "host benchmark against one NFSv3 server");
  AddEndpointOptions(run_cmd, &run.endpoint);
  run_cmd->add_option("--server-pid", run.server_pid,
                      "server process, for CPU (/proc/PID/stat) and peak RSS; 0 = none");
  run_cmd->add_option("--fixture", run.fixture, "fixture path inside the export")
      ->capture_default_str();
  run_cmd->add_option("--duration", run.duration_seconds, "seconds per test")
      ->capture_default_str()
      ->check(CLI::Range(0.05, 600.0));
  run_cmd->add_option("--warmup", run.warmup_seconds, "unmeasured seconds before each test")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 60.0));
  run_cmd->add_option("--max-calls", run.max_calls, "calls per test run, 0 = time only")
      ->capture_default_str();
  run_cmd->add_option("--connections", run.connections, "TCP connections")
      ->capture_default_str()
      ->check(CLI::Range(1, 64));
  run_cmd->add_option("--depth", run.depth, "calls in flight per connection (small calls)")
      ->capture_default_str()
      ->check(CLI::Range(1, 1024));
  run_cmd->add_option("--large-depth", run.large_depth,
                      "calls in flight per connection (1 MiB READ/WRITE)")
      ->capture_default_str()
      ->check(CLI::Range(1, 64));
  run_cmd->add_option("--readdir-streams", run.readdir_streams, "concurrent full listings")
      ->capture_default_str()
      ->check(CLI::Range(1, 64));
  run_cmd->add_option("--readdir-maxcount", run.readdir_maxcount, "READDIRPLUS maxcount")
      ->capture_default_str()
      ->check(CLI::Range(1024u, 1u << 20));
  run_cmd->add_option("--readdir-dircount", run.readdir_dircount, "READDIRPLUS dircount")
      ->capture_default_str()
      ->check(CLI::Range(512u, 1u << 20));
  uint64_t write_region_mib = run.write_region >> 20;
  run_cmd->add_option("--write-region", write_region_mib, "MiB written per file, then rewritten")
      ->capture_default_str()
      ->check(CLI::Range(1, 1 << 16));
  run_cmd->add_option("--tests", run_tests,
                      "comma-separated subset of: getattr,lookup,access,read4k,read1m,write1m,"
                      "create_remove,readdirplus");
  run_cmd->add_option("--tsv", run_tsv, "also write the metrics to this file");

  WalkCommand walk;
  CLI::App* walk_cmd = app.add_subcommand("walk", "walk a tree (memory benchmark)");
  AddEndpointOptions(walk_cmd, &walk.endpoint);
  walk_cmd->add_option("--server-pid", walk.server_pid, "server process, for its RSS");
  walk_cmd->add_option("--path", walk.path, "tree path inside the export")->capture_default_str();
  walk_cmd->add_option("--passes", walk.passes, "full walks")
      ->capture_default_str()
      ->check(CLI::Range(1, 10));
  walk_cmd->add_option("--connections", walk.connections, "TCP connections")
      ->capture_default_str()
      ->check(CLI::Range(1, 64));
  walk_cmd->add_option("--depth", walk.walk.depth, "calls in flight per connection")
      ->capture_default_str()
      ->check(CLI::Range(1, 1024));
  walk_cmd->add_option("--time-limit", walk.time_limit_seconds, "seconds allowed per pass")
      ->capture_default_str()
      ->check(CLI::Range(1.0, 3600.0));
  walk_cmd->add_option("--tsv", walk.tsv_path, "also write the metrics to this file");

  std::string tree_dir;
  std::string tree_kind = "host";
  bool tree_small = false;
  WalkTreeOptions walk_tree;
  CLI::App* tree_cmd = app.add_subcommand("mktree", "write a benchmark tree to a local dir");
  tree_cmd->add_option("--dir", tree_dir, "directory to fill (created if missing)")->required();
  tree_cmd->add_option("--kind", tree_kind, "host (fixture) or walk (dirs x files)")
      ->capture_default_str()
      ->check(CLI::IsMember({"host", "walk"}));
  tree_cmd->add_flag("--small", tree_small, "host fixture with small files (smoke tests)");
  tree_cmd->add_option("--dirs", walk_tree.dirs, "walk tree: directories")
      ->capture_default_str()
      ->check(CLI::Range(1, 100000));
  tree_cmd->add_option("--files", walk_tree.files_per_dir, "walk tree: files per directory")
      ->capture_default_str()
      ->check(CLI::Range(0, 100000));

  std::string name_a = "loopfsd";
  std::string name_b = "ganesha";
  std::vector<std::string> files_a;
  std::vector<std::string> files_b;
  CLI::App* compare_cmd =
      app.add_subcommand("compare", "median of each metric for two servers, and their ratio");
  compare_cmd->add_option("--name-a", name_a, "first server's name")->capture_default_str();
  compare_cmd->add_option("--name-b", name_b, "second server's name")->capture_default_str();
  compare_cmd->add_option("--a", files_a, "TSV files of the first server's runs")->required();
  compare_cmd->add_option("--b", files_b, "TSV files of the second server's runs (optional)");
  bool host_targets = false;
  compare_cmd->add_flag("--host-targets", host_targets,
                        "also check issue 4's host benchmark targets against the ratios");

  CLI11_PARSE(app, argc, argv);

  if (*run_cmd) {
    run.write_region = write_region_mib << 20;
    std::stringstream list(run_tests);
    for (std::string test; std::getline(list, test, ',');) {
      if (test.empty()) continue;
      const auto& all = AllHostTests();
      if (std::find(all.begin(), all.end(), test) == all.end()) {
        std::cerr << "loopfs-bench run: unknown test '" << test << "'\n";
        return 2;
      }
      run.tests.push_back(test);
    }
    return RunCommand(run, run_tsv);
  }
  if (*walk_cmd) return RunWalk(walk);
  if (*tree_cmd) {
    std::string error;
    if (tree_kind == "host") {
      HostFixtureOptions options;
      if (tree_small) {
        options.small_read_bytes = 1ULL << 20;
        options.large_read_bytes = 4ULL << 20;
        options.big_dir_entries = 200;
      }
      if (!MakeHostFixture(tree_dir, options, &error)) {
        std::cerr << "loopfs-bench mktree: " << error << "\n";
        return 1;
      }
      return 0;
    }
    uint64_t entries = 0;
    if (!MakeWalkTree(tree_dir, walk_tree, &entries, &error)) {
      std::cerr << "loopfs-bench mktree: " << error << "\n";
      return 1;
    }
    std::cout << entries << " entries\n";
    return 0;
  }
  if (*compare_cmd) return RunCompare(name_a, files_a, name_b, files_b, host_targets);
  return 2;
}

}  // namespace
}  // namespace loopfs::bench

int main(int argc, char** argv) { return loopfs::bench::Main(argc, argv); }
