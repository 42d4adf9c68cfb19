#include "cni.hpp"

#include <unistd.h>

namespace conformance {

bool CniOutcome::is_error() const {
    return run.exit_code != 0 && json.IsObject() && json.HasMember("code");
}

int CniOutcome::error_code() const {
    if (!json.IsObject() || !json.HasMember("code") || !json["code"].IsInt()) return -1;
    return json["code"].GetInt();
}

std::string CniOutcome::text() const {
    return run.describe() + (run.err.empty() ? "" : " | stdout: " + run.out);
}

CniPlugin::CniPlugin(std::string plugin) : path_(std::move(plugin)) {
    dir_ = path_.substr(0, path_.rfind('/'));
    type_ = path_.substr(path_.rfind('/') + 1);
    ipam_ = type_.rfind("rt-", 0) == 0 ? "rt-host-local" : "host-local";
    available_ = ::access(path_.c_str(), X_OK) == 0;
    if (!available_) return;
    RunOptions opts;
    opts.clear_env = true;
    opts.env_set = {{"CNI_COMMAND", "VERSION"}};
    opts.stdin_data = R"({"cniVersion":"0.4.0"})";
    auto r = run_command({path_}, opts);
    rapidjson::Document doc;
    doc.Parse(r.out.c_str());
    if (r.ok() && doc.IsObject() && doc.HasMember("supportedVersions") &&
        doc["supportedVersions"].IsArray()) {
        for (const auto& v : doc["supportedVersions"].GetArray()) {
            if (v.IsString()) versions_.push_back(v.GetString());
        }
    }
}

bool CniPlugin::supports(const std::string& version) const {
    for (const auto& v : versions_) {
        if (v == version) return true;
    }
    return false;
}

CniOutcome CniPlugin::call(const CniCall& call, const NetNs& host, const std::string& other) const {
    RunOptions opts;
    opts.clear_env = true;
    opts.env_set = {{"CNI_CONTAINERID", call.container_id},
                    {"CNI_IFNAME", call.ifname},
                    {"CNI_PATH", dir_},
                    {"PATH", "/usr/sbin:/usr/bin:/sbin:/bin"}};
    if (!call.omit_command) opts.env_set["CNI_COMMAND"] = call.command;
    if (!call.netns.empty()) opts.env_set["CNI_NETNS"] = call.netns;
    if (!call.args.empty()) opts.env_set["CNI_ARGS"] = call.args;
    opts.stdin_data = call.config;
    opts.netns_fd = host.fd();
    opts.timeout = std::chrono::milliseconds(30000);
    CniOutcome out;
    std::string binary = other.empty() ? path_ : other[0] == '/' ? other : dir_ + "/" + other;
    out.run = run_command({binary}, opts);
    out.json.Parse(out.run.out.c_str());
    if (out.json.HasParseError()) out.json.SetNull();
    return out;
}

RunResult run_in_netns(const NetNs& netns, const std::vector<std::string>& argv) {
    RunOptions opts;
    opts.netns_fd = netns.fd();
    opts.timeout = std::chrono::milliseconds(20000);
    return run_command(argv, opts);
}

}  // namespace conformance
