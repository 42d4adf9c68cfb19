// rt-probe: a static program placed inside test containers. It reports what the process sees
// (report, net) as JSON on stdout, or performs one small action whose outcome tests check
// (write, mount, syscall, ...). Runtime-agnostic: it knows nothing about rt.
#pragma once

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <string>
#include <vector>

namespace probe {

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

// Each subcommand writes its JSON object into w and returns the process exit code.
int report(Writer& w, const std::vector<std::string>& args);
int net(Writer& w, const std::vector<std::string>& args);
int action(Writer& w, const std::string& verb, const std::vector<std::string>& args);

// Helpers shared by the subcommands.
std::string read_file(const std::string& path, bool* ok = nullptr);
std::vector<std::string> split(const std::string& text, char sep);
void write_errno(Writer& w, int err);

}  // namespace probe
