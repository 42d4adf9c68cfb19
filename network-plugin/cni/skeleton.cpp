#include "cni/skeleton.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <new>

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "cni/error.hpp"
#include "cni/version.hpp"

namespace rt::cni {

bool valid_identifier(std::string_view s) {
    if (s.empty()) return false;
    auto alnum = [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    };
    if (!alnum(s[0])) return false;
    for (char c : s)
        if (!alnum(c) && c != '_' && c != '.' && c != '-') return false;
    return true;
}

bool valid_ifname(std::string_view s) {
    if (s.empty() || s.size() > 15 || s == "." || s == "..") return false;
    for (char c : s)
        if (c == '/' || c == ':' || c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' ||
            c == '\f' || c == '\0')
            return false;
    return true;
}

std::string error_json(std::string_view cni_version, int code, std::string_view msg,
                       std::string_view details) {
    rapidjson::StringBuffer buf;
    rapidjson::Writer<rapidjson::StringBuffer> w(buf);
    auto str = [&w](std::string_view s) {
        w.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
    };
    w.StartObject();
    str("cniVersion");
    str(cni_version);
    str("code");
    w.Int(code);
    str("msg");
    str(msg);
    if (!details.empty()) {
        str("details");
        str(details);
    }
    w.EndObject();
    return std::string(buf.GetString(), buf.GetSize());
}

namespace {

struct Spec {
    std::string_view word;
    Command command;
    bool container, netns, ifname;  // required environment
};

constexpr Spec kCommands[] = {
    {"ADD", Command::Add, true, true, true},     {"DEL", Command::Del, true, false, true},
    {"CHECK", Command::Check, true, true, true}, {"STATUS", Command::Status, false, false, false},
    {"GC", Command::Gc, false, false, false},    {"VERSION", Command::Version, false, false, false},
};

std::string version_json(std::string_view requested) {
    rapidjson::StringBuffer buf;
    rapidjson::Writer<rapidjson::StringBuffer> w(buf);
    w.StartObject();
    w.Key("cniVersion");
    w.String(requested.data(), static_cast<rapidjson::SizeType>(requested.size()));
    w.Key("supportedVersions");
    w.StartArray();
    for (auto v : kSupportedVersions)
        w.String(v.data(), static_cast<rapidjson::SizeType>(v.size()));
    w.EndArray();
    w.EndObject();
    return std::string(buf.GetString(), buf.GetSize());
}

// The version to answer VERSION with: the caller's, when it sent a valid one.
std::string requested_version(std::string_view stdin_data) {
    json::Document d;
    d.Parse(stdin_data.data(), stdin_data.size());
    if (!d.HasParseError() && d.IsObject()) {
        const json::Value* it = json::find(d, "cniVersion");
        if (it && it->IsString()) {
            std::string v(it->GetString(), it->GetStringLength());
            try {
                compare_versions(v, "0.0.0");
                return v;
            } catch (const CniError&) {
            }
        }
    }
    return std::string(kLatestVersion);
}

void require_version(const Request& r, std::string_view minimum, std::string_view verb) {
    if (compare_versions(r.cni_version, minimum) < 0)
        throw CniError(kIncompatibleVersion,
                       "config version " + r.cni_version + " does not allow " + std::string(verb) +
                           " (it needs " + std::string(minimum) + " or later)");
}

void handle(const Plugin& p, const Getenv& getenv, std::string_view stdin_data, Request& r,
            std::string& out) {
    auto env = [&](const char* name) -> std::string {
        const char* v = getenv(name);
        return v ? v : "";
    };
    std::string word = env("CNI_COMMAND");
    if (word.empty())
        throw CniError(kInvalidEnvironment,
                       "CNI_COMMAND: required environment variable missing (ADD, DEL, CHECK, "
                       "STATUS, GC or VERSION)");
    const Spec* spec = nullptr;
    for (const auto& s : kCommands)
        if (s.word == word) spec = &s;
    if (!spec)
        throw CniError(kInvalidEnvironment,
                       "CNI_COMMAND: unknown command \"" + word +
                           "\" (expected ADD, DEL, CHECK, STATUS, GC or VERSION)");
    r.command = spec->command;
    if (r.command == Command::Version) {
        out = version_json(requested_version(stdin_data));
        return;
    }

    r.container_id = env("CNI_CONTAINERID");
    r.netns = env("CNI_NETNS");
    r.ifname = env("CNI_IFNAME");
    r.args_text = env("CNI_ARGS");
    r.path = env("CNI_PATH");
    std::string missing;
    auto need = [&](bool required, const std::string& value, const char* name) {
        if (required && value.empty()) missing += missing.empty() ? name : std::string(", ") + name;
    };
    need(spec->container, r.container_id, "CNI_CONTAINERID");
    need(spec->netns, r.netns, "CNI_NETNS");
    need(spec->ifname, r.ifname, "CNI_IFNAME");
    if (!missing.empty())
        throw CniError(kInvalidEnvironment,
                       "required environment variable(s) missing for " + word + ": " + missing);
    if (spec->container && !valid_identifier(r.container_id))
        throw CniError(kInvalidEnvironment,
                       "CNI_CONTAINERID: \"" + r.container_id +
                           "\" must start with a letter or digit, then letters, digits, _ . -");
    if (spec->ifname && !valid_ifname(r.ifname))
        throw CniError(kInvalidEnvironment,
                       "CNI_IFNAME: \"" + r.ifname +
                           "\" is not a valid interface name (1-15 bytes, no / : or spaces)");
    r.args = CniArgs::parse(r.args_text);

    r.stdin_data.assign(stdin_data);
    json::parse_object(r.config, r.stdin_data, "network config (stdin)");
    const json::Value* ver = json::find(r.config, "cniVersion");
    if (!ver)
        throw CniError(kIncompatibleVersion, "cniVersion: missing from the network config",
                       "supported versions: " + supported_versions_text());
    if (!ver->IsString()) throw CniError(kDecodeFailure, "cniVersion: must be a string");
    r.cni_version.assign(ver->GetString(), ver->GetStringLength());
    if (!is_supported_version(r.cni_version))
        throw CniError(kIncompatibleVersion,
                       "incompatible CNI version " + r.cni_version + " in the network config",
                       "supported versions: " + supported_versions_text());
    auto name = json::get_string(r.config, "name", "");
    if (!name || name->empty()) throw CniError(kInvalidConfig, "name: missing network name");
    if (!valid_identifier(*name))
        throw CniError(kInvalidConfig, "name: \"" + *name +
                                           "\" must start with a letter or digit, then letters, "
                                           "digits, _ . -");
    // The name is a file name (SPEC.md: "must not contain characters disallowed in file
    // paths"; host-local's directory under dataDir): at most NAME_MAX bytes. The reference
    // fails later, with mkdir's ENAMETOOLONG.
    if (name->size() > kMaxNetworkName)
        throw CniError(kInvalidConfig, "name: " + std::to_string(name->size()) +
                                           " bytes, longer than " +
                                           std::to_string(kMaxNetworkName) +
                                           " (the network name is used as a file name)");
    r.name = *name;
    if (const json::Value* prev = json::find(r.config, "prevResult"))
        r.prev_result = Result::parse(*prev, "prevResult");

    switch (r.command) {
        case Command::Add:
            out = p.add(r).to_json(r.cni_version);
            break;
        case Command::Del:
            p.del(r);
            break;
        case Command::Check:
            require_version(r, "0.4.0", "CHECK");
            p.check(r);
            break;
        case Command::Status:
            require_version(r, "1.1.0", "STATUS");
            p.status(r);
            break;
        case Command::Gc:
            require_version(r, "1.1.0", "GC");
            p.gc(r);
            break;
        case Command::Version:
            break;
    }
}

}  // namespace

void warn(std::string_view plugin, std::string_view message) {
    std::string line;
    line.append(plugin).append(": ").append(message).append("\n");
    (void)std::fwrite(line.data(), 1, line.size(), stderr);  // best effort: a warning
}

int dispatch(const Plugin& p, const Getenv& getenv, std::string_view stdin_data, std::string& out) {
    Request r;
    auto fail = [&](int code, std::string_view msg, std::string_view details) {
        std::string v = r.cni_version.empty() || !is_supported_version(r.cni_version)
                            ? std::string(kLatestVersion)
                            : r.cni_version;
        out = error_json(v, code, msg, details);
        return 1;
    };
    try {
        handle(p, getenv, stdin_data, r, out);
        return 0;
    } catch (const CniError& e) {
        return fail(e.code(), e.message(), e.details());
    } catch (const Error& e) {
        return fail(code_of(e), e.message(), "");
    } catch (const std::bad_alloc&) {
        return fail(kInternal, "out of memory", "");
    } catch (const std::exception& e) {
        return fail(kInternal, e.what(), "");
    }
}

int run_main(const Plugin& p) {
    std::string in;
    char buf[65536];
    // VERSION needs no config: do not wait for one from a terminal.
    const char* command = std::getenv("CNI_COMMAND");
    bool version = command && std::string_view(command) == "VERSION";
    while (!(version && isatty(STDIN_FILENO))) {
        ssize_t n = ::read(STDIN_FILENO, buf, sizeof buf);
        if (n > 0) {
            in.append(buf, static_cast<std::size_t>(n));
            continue;
        }
        if (n == 0) break;
        if (errno == EINTR) continue;
        // Only VERSION may do without a config; everyone else gets a CNI I/O error.
        if (version) break;
        std::string msg = error_json(
            kLatestVersion, kIoFailure,
            std::string("stdin: cannot read the network config: ") + errno_text(errno), "");
        (void)std::fwrite(msg.data(), 1, msg.size(), stdout);  // failing anyway
        return 1;
    }
    std::string out;
    int rc = dispatch(
        p, [](const char* n) { return std::getenv(n); }, in, out);
    if (!out.empty()) {
        (void)std::fwrite(out.data(), 1, out.size(), stdout);
        (void)std::fputc('\n', stdout);
    }
    // A short write sets the stream's error flag, which fflush alone may not report.
    if (std::fflush(stdout) != 0 || std::ferror(stdout)) return 1;
    return rc;
}

}  // namespace rt::cni
