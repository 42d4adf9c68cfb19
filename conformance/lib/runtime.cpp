#include "runtime.hpp"

#include <rapidjson/document.h>
#include <signal.h>
#include <unistd.h>

#include <cctype>
#include <chrono>
#include <thread>

#include "rt/error.hpp"

namespace conformance {

Runtime::Runtime(std::string path) : path_(std::move(path)) {
    if (::access(path_.c_str(), X_OK) != 0) {
        throw rt::Error("runtime " + path_ + ": not an executable", rt::ErrorKind::NotFound);
    }
    auto v = run_command({path_, "--version"});
    version_ = v.out.substr(0, v.out.find('\n'));
    name_ = version_.substr(0, version_.find(' '));
    if (name_.empty()) name_ = path_.substr(path_.rfind('/') + 1);

    if (!has_verb("features")) {
        features_all_ = true;
        features_status_ = "no `features` verb: every feature assumed";
        return;
    }
    auto f = cmd({"features"});
    rapidjson::Document doc;
    doc.Parse(f.out.c_str());
    if (!f.ok() || doc.HasParseError() || !doc.IsObject()) {
        features_status_ = "`features` failed (" + f.describe() + "): no feature claimed";
        return;
    }
    features_status_ = "from `features`";
    if (doc.HasMember("ociVersionMax") && doc["ociVersionMax"].IsString())
        oci_version_max_ = doc["ociVersionMax"].GetString();
    auto add_list = [&](const rapidjson::Value* list, const std::string& prefix) {
        if (!list || !list->IsArray()) return;
        for (const auto& item : list->GetArray()) {
            if (item.IsString()) features_.insert(prefix + item.GetString());
        }
    };
    add_list(doc.HasMember("hooks") ? &doc["hooks"] : nullptr, "hook:");
    add_list(doc.HasMember("mountOptions") ? &doc["mountOptions"] : nullptr, "mountopt:");
    if (doc.HasMember("linux") && doc["linux"].IsObject()) {
        const auto& linux = doc["linux"];
        add_list(linux.HasMember("namespaces") ? &linux["namespaces"] : nullptr, "ns:");
        add_list(linux.HasMember("capabilities") ? &linux["capabilities"] : nullptr, "cap:");
        if (linux.HasMember("capabilities") && linux["capabilities"].Size() > 0)
            features_.insert("capabilities");
        if (linux.HasMember("seccomp") && linux["seccomp"].IsObject()) {
            const auto& sc = linux["seccomp"];
            if (sc.HasMember("enabled") && sc["enabled"].IsTrue()) features_.insert("seccomp");
            add_list(sc.HasMember("actions") ? &sc["actions"] : nullptr, "seccomp:");
            add_list(sc.HasMember("supportedFlags") ? &sc["supportedFlags"] : nullptr,
                     "seccompflag:");
        }
        if (linux.HasMember("cgroup") && linux["cgroup"].IsObject()) {
            const auto& cg = linux["cgroup"];
            if (cg.HasMember("v1") && cg["v1"].IsTrue()) features_.insert("cgroup:v1");
            if (cg.HasMember("v2") && cg["v2"].IsTrue()) features_.insert("cgroup:v2");
        }
        if (linux.HasMember("memoryPolicy") && linux["memoryPolicy"].IsObject())
            features_.insert("memoryPolicy");
        for (const char* key : {"apparmor", "selinux", "netDevices"}) {
            if (linux.HasMember(key) && linux[key].IsObject() && linux[key].HasMember("enabled") &&
                linux[key]["enabled"].IsTrue())
                features_.insert(key);
        }
    }
}

RunResult Runtime::cmd(const std::vector<std::string>& args, const RunOptions& options) const {
    std::vector<std::string> argv{path_, "--root", root_.str()};
    argv.insert(argv.end(), args.begin(), args.end());
    return run_command(argv, options);
}

RunResult Runtime::create(const std::string& id, const Bundle& bundle,
                          std::vector<std::string> extra, const RunOptions& options) const {
    bundle.write();
    std::vector<std::string> args{"create", "--bundle", bundle.path().string()};
    args.insert(args.end(), extra.begin(), extra.end());
    args.push_back(id);
    return cmd(args, options);
}

RunResult Runtime::kill(const std::string& id, const std::string& signal) const {
    if (signal.empty()) return cmd({"kill", id});
    return cmd({"kill", id, signal});
}

RunResult Runtime::remove(const std::string& id, bool force) const {
    if (force) return cmd({"delete", "--force", id});
    return cmd({"delete", id});
}

RunResult Runtime::run(const std::string& id, const Bundle& bundle, std::vector<std::string> extra,
                       const RunOptions& options) const {
    bundle.write();
    std::vector<std::string> args{"run", "--bundle", bundle.path().string()};
    args.insert(args.end(), extra.begin(), extra.end());
    args.push_back(id);
    return cmd(args, options);
}

std::optional<State> Runtime::state(const std::string& id) const {
    auto r = cmd({"state", id});
    if (!r.ok()) return std::nullopt;
    rapidjson::Document doc;
    doc.Parse(r.out.c_str());
    if (doc.HasParseError() || !doc.IsObject())
        throw rt::Error("state " + id + ": output is not a JSON object: " + r.out);
    State s;
    auto str = [&](const char* key) -> std::string {
        if (!doc.HasMember(key) || !doc[key].IsString())
            throw rt::Error(std::string("state ") + id + ": " + key + ": missing or not a string");
        return doc[key].GetString();
    };
    s.oci_version = str("ociVersion");
    s.id = str("id");
    s.status = str("status");
    s.bundle = str("bundle");
    if (doc.HasMember("pid") && doc["pid"].IsInt()) s.pid = doc["pid"].GetInt();
    if (doc.HasMember("annotations") && doc["annotations"].IsObject()) {
        for (const auto& a : doc["annotations"].GetObject()) {
            if (a.value.IsString()) s.annotations[a.name.GetString()] = a.value.GetString();
        }
    }
    return s;
}

std::string Runtime::wait_status(const std::string& id, const std::string& status) const {
    // Polling is acceptable here: tests are not timed, and the runtime offers no event.
    std::string last;
    for (int i = 0; i < 1000; ++i) {
        auto s = state(id);
        last = s ? s->status : "<none>";
        if (last == status) return last;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return last;
}

bool Runtime::has_verb(const std::string& verb) const {
    // `RUNTIME VERB --help` is no test: some CLI parsers print the global help and exit 0 for
    // an unknown verb. The command list of `RUNTIME --help` is: a line that starts (after
    // indentation) with the verb followed by a blank or a comma.
    if (help_.empty()) help_ = run_command({path_, "--help"}).out;
    size_t pos = 0;
    while ((pos = help_.find(verb, pos)) != std::string::npos) {
        size_t line_start = help_.rfind('\n', pos);
        line_start = line_start == std::string::npos ? 0 : line_start + 1;
        bool indented_first_word =
            pos > line_start && help_.find_first_not_of(" \t", line_start) == pos;
        char after = pos + verb.size() < help_.size() ? help_[pos + verb.size()] : '\n';
        if (indented_first_word && (after == ' ' || after == ',' || after == '\t' || after == '\n'))
            return true;
        pos += verb.size();
    }
    return false;
}

namespace {

// "1.2.0-rc.1" -> {1, 2, 0}; pre-release suffixes are ignored.
std::vector<int> version_numbers(const std::string& v) {
    std::vector<int> out;
    size_t i = 0;
    while (i < v.size() && out.size() < 3) {
        size_t j = i;
        while (j < v.size() && std::isdigit(static_cast<unsigned char>(v[j]))) ++j;
        if (j == i) break;
        out.push_back(std::stoi(v.substr(i, j - i)));
        if (j >= v.size() || v[j] != '.') break;
        i = j + 1;
    }
    out.resize(3, 0);
    return out;
}

}  // namespace

bool Runtime::claims(const std::string& feature) const {
    if (features_all_) return true;
    if (feature.rfind("spec:", 0) == 0)  // the features' ociVersionMax is at least this
        return !oci_version_max_.empty() &&
               version_numbers(oci_version_max_) >= version_numbers(feature.substr(5));
    return features_.count(feature) > 0;
}

ContainerGuard::~ContainerGuard() {
    try {
        auto s = rt_.state(id_);
        if (!s) return;
        auto r = rt_.remove(id_, true);
        if (!r.ok() && s->pid > 0) {
            ::kill(s->pid, SIGKILL);
            rt_.remove(id_, true);
        }
    } catch (...) {
        // Destructors must not throw; the next run's unique names avoid any clash.
    }
}

}  // namespace conformance
